// The language model every AI feature asks (meeting summaries, email drafts,
// the AI issue's features): any OpenAI-compatible endpoint the operator names
// (LLM_BASE_URL, LLM_API_KEY, LLM_MODEL) through the official `openai` SDK,
// or, with no endpoint configured, the deterministic offline generator
// (offline-generator.ts), so every feature still works offline and in tests
// and says in its answer that no model wrote it.
//
// The SDK never retries (`maxRetries: 0`): it would obey any Retry-After with
// no cap, sleeping through timeouts and aborts (ENGINEERING.md §8). Retries
// belong to the caller's Temporal activity, which gets a ConnectorError whose
// kind says whether and when (`retryAfterMs` on a 429). Every request goes
// out through the egress: the SDK's `fetch` is Egress.fetch, so the SSRF
// check, the time bound and the size bound apply to it like to every other
// connector. Built once per process by the composition root (services/).
import OpenAI from 'openai';
import { ConnectorError, failureOfStatus } from '../connector-error.js';
import type { Egress, EgressError } from '../egress.js';
import { retryAfterMs } from '../rate-limiter.js';
import { generateOffline, OFFLINE_MODEL } from './offline-generator.js';

export interface LlmRequest {
  /** what the model is (its instructions) */
  system: string;
  /** what it is asked, with the material it works on (a transcript, an email's context) */
  prompt: string;
  /** upper bound of the answer's length in tokens */
  maxTokens?: number;
  /** the caller's cancellation (an activity's cancellation signal) */
  signal?: AbortSignal;
}

export interface LlmAnswer {
  text: string;
  /** 'llm': the configured endpoint answered; 'offline': the local generator did (no model configured) */
  generator: 'llm' | 'offline';
  /** the model that answered (the offline generator's is lio-offline-1) */
  model: string;
}

export interface LlmConnector {
  complete(request: LlmRequest): Promise<LlmAnswer>;
}

export interface LlmSettings {
  /** an OpenAI-compatible API root (https://api.openai.com/v1); unset: the offline generator answers */
  baseUrl?: string;
  apiKey?: string;
  model: string;
  /** milliseconds a completion may take, connecting to last byte */
  timeoutMs: number;
}

const PROVIDER = 'llm';

/** The connector the settings call for: the endpoint's when one is configured, else the offline generator. */
export function createLlmConnector(settings: LlmSettings, egress: Egress): LlmConnector {
  return settings.baseUrl ? createOpenAiCompatibleConnector({ ...settings, baseUrl: settings.baseUrl }, egress) : createOfflineConnector();
}

export function createOfflineConnector(): LlmConnector {
  return {
    async complete({ system, prompt, maxTokens, signal }) {
      signal?.throwIfAborted();
      return { text: generateOffline({ system, prompt, maxTokens }), generator: 'offline', model: OFFLINE_MODEL };
    },
  };
}

/** The SDK's fetch, sent through the egress (which takes plain headers and a string body: the SDK sends JSON). */
function egressFetch(egress: Egress): typeof fetch {
  return async (input, init = {}) => {
    const url = input instanceof Request ? input.url : input;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
      throw new TypeError('the LLM connector sends JSON bodies only');
    }
    return egress.fetch(url, { method: init.method ?? 'GET', headers, body: init.body ?? undefined, signal: init.signal ?? undefined });
  };
}

/** The wait a 429 asks for: OpenAI's own retry-after-ms when sent (finer than Retry-After's seconds), else Retry-After. */
function waitAskedFor(headers: Headers | undefined): number | null {
  const exact = headers?.get('retry-after-ms');
  if (exact !== null && exact !== undefined && exact.trim() !== '' && Number.isFinite(Number(exact)) && Number(exact) >= 0) return Number(exact);
  return retryAfterMs(headers?.get('retry-after'));
}

const egressFailureKind = (failure: EgressError['failure']) =>
  failure === 'timeout' ? 'timeout' : failure === 'unreachable' ? 'unavailable' : 'refused';

/** A ConnectorError for whatever the SDK threw; its message names the status or failure, never the answer's body. */
function connectorErrorOf(err: unknown, egress: Egress, timeoutMs: number): unknown {
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new ConnectorError('timeout', `the LLM endpoint gave no answer within ${timeoutMs} ms`, { provider: PROVIDER });
  }
  if (err instanceof OpenAI.APIConnectionError) {
    const egressFailure = egress.failureOf(err.cause);
    if (egressFailure) return new ConnectorError(egressFailureKind(egressFailure.failure), `LLM endpoint: ${egressFailure.message}`, { provider: PROVIDER });
    return new ConnectorError('unavailable', 'the LLM endpoint could not be reached', { provider: PROVIDER });
  }
  if (err instanceof OpenAI.APIError && err.status !== undefined) {
    const failure = failureOfStatus(err.status);
    const wait = failure === 'rate_limited' ? waitAskedFor(err.headers) : null;
    return new ConnectorError(failure, `the LLM endpoint answered HTTP ${err.status}`, {
      provider: PROVIDER,
      status: err.status,
      ...(wait === null ? {} : { retryAfterMs: wait }),
    });
  }
  // a 200 that is not the JSON it should be (a proxy's page, a cut-off body): the SDK's parse error, or its own
  if (err instanceof SyntaxError || err instanceof OpenAI.OpenAIError) {
    return new ConnectorError('unavailable', "the LLM endpoint's answer could not be read", { provider: PROVIDER });
  }
  return err;
}

function createOpenAiCompatibleConnector(settings: LlmSettings & { baseUrl: string }, egress: Egress): LlmConnector {
  const client = new OpenAI({
    baseURL: settings.baseUrl,
    // self-hosted OpenAI-compatible servers often want no key; the SDK refuses to start without one
    apiKey: settings.apiKey ?? 'not-configured',
    // explicit nulls: the SDK would otherwise pick OPENAI_ORG_ID / OPENAI_PROJECT_ID up from the environment
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: settings.timeoutMs,
    fetch: egressFetch(egress),
  });
  return {
    async complete({ system, prompt, maxTokens, signal }) {
      try {
        const completion = await client.chat.completions.create(
          {
            model: settings.model,
            messages: [
              { role: 'system', content: system },
              { role: 'user', content: prompt },
            ],
            ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
          },
          { signal },
        );
        const text = completion.choices[0]?.message?.content;
        if (typeof text !== 'string') {
          throw new ConnectorError('rejected', 'the LLM endpoint answered without a message', { provider: PROVIDER });
        }
        return { text, generator: 'llm', model: completion.model || settings.model };
      } catch (err) {
        // the caller's abort (an activity's cancellation) ends the call with the caller's own reason, not a provider failure
        if (signal?.aborted) throw signal.reason;
        throw connectorErrorOf(err, egress, settings.timeoutMs);
      }
    },
  };
}
