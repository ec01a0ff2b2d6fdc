// The LLM connector against a local OpenAI-compatible server (the openai SDK
// over the egress): its answers, each failure as the ConnectorError an
// activity retries on, with exactly one request per call (the SDK neither
// retries nor sleeps through a Retry-After), its time bound, and the egress
// check; and the offline generator that answers when no endpoint is set.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/connector-error.js';
import { createEgress, type Egress } from '../../connectors/egress.js';
import { createLlmConnector, type LlmConnector } from '../../connectors/llm/llm.connector.js';
import { OFFLINE_LABEL, OFFLINE_MODEL } from '../../connectors/llm/offline-generator.js';
import { createServices } from '../../services/services.js';
import { startOpenAiFake, type OpenAiFake } from '../fakes/openai-fake.js';
import { testConfig } from '../helpers/app.js';

const API_KEY = 'sk-test-0123456789';
const TIMEOUT_MS = 400;

const egressOf = (allowPrivateNetworks: boolean): Egress =>
  createEgress({ allowPrivateNetworks, allowedHosts: [], maxResponseBytes: 1024 * 1024, timeoutMs: 10_000 });

let fake: OpenAiFake;
let llm: LlmConnector;
beforeAll(async () => {
  fake = await startOpenAiFake({ apiKey: API_KEY });
  llm = createLlmConnector({ baseUrl: fake.baseUrl, apiKey: API_KEY, model: 'gpt-test', timeoutMs: TIMEOUT_MS }, egressOf(true));
});
afterEach(() => {
  fake.requests.length = 0;
});
afterAll(() => fake.close());

const request = { system: 'You summarise sales meetings.', prompt: 'Anna asked for a quote.' };

/** The ConnectorError a call fails with, and how long it took. */
async function failureOf(call: Promise<unknown>): Promise<{ error: ConnectorError; ms: number }> {
  const started = performance.now();
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return { error: error as ConnectorError, ms: performance.now() - started };
}

describe('LLM connector on an OpenAI-compatible endpoint', () => {
  it('sends the system and user messages with the key and model, and answers the text and model', async () => {
    const answer = await llm.complete({ ...request, maxTokens: 200 });
    expect(answer).toEqual({ text: 'reply to: Anna asked for a quote.', generator: 'llm', model: 'gpt-test' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      authorization: `Bearer ${API_KEY}`,
      body: {
        model: 'gpt-test',
        max_tokens: 200,
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.prompt },
        ],
      },
    });
  });

  it('a refused key is an auth failure, without the answer body in its message', async () => {
    const wrongKey = createLlmConnector({ baseUrl: fake.baseUrl, apiKey: 'sk-wrong', model: 'gpt-test', timeoutMs: TIMEOUT_MS }, egressOf(true));
    const { error } = await failureOf(wrongKey.complete(request));
    expect(error.failure).toBe('auth');
    expect(error.details).toMatchObject({ provider: 'llm', status: 401 });
    expect(error.retryable).toBe(false);
    expect(error.message).not.toMatch(/Incorrect API key/);
    expect(fake.requests).toHaveLength(1);
  });

  it('a 429 is rate_limited with its Retry-After, after exactly one request and no sleep', async () => {
    fake.script({ kind: 'status', status: 429, retryAfter: '3600' });
    const { error, ms } = await failureOf(llm.complete(request));
    expect(error.failure).toBe('rate_limited');
    expect(error.details).toMatchObject({ status: 429, retryAfterMs: 3_600_000 });
    expect(error.retryable).toBe(true);
    // the SDK's default would sleep the hour and ask again
    expect(fake.requests).toHaveLength(1);
    expect(ms).toBeLessThan(2_000);
  });

  it("a 429's retry-after-ms (OpenAI's finer header) wins over its Retry-After; an HTTP-date Retry-After is read too", async () => {
    fake.script({ kind: 'status', status: 429, retryAfter: '2', retryAfterMs: '1250' });
    expect((await failureOf(llm.complete(request))).error.details.retryAfterMs).toBe(1250);
    fake.script({ kind: 'status', status: 429, retryAfter: new Date(Date.now() + 60_000).toUTCString() });
    const { retryAfterMs } = (await failureOf(llm.complete(request))).error.details;
    expect(retryAfterMs).toBeGreaterThan(55_000);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(fake.requests).toHaveLength(2);
  });

  it('a 5xx is unavailable after one request, and the caller\'s retry then succeeds', async () => {
    fake.script({ kind: 'status', status: 500 });
    const { error } = await failureOf(llm.complete(request));
    expect(error).toMatchObject({ failure: 'unavailable', details: { status: 500 } });
    expect(error.message).not.toMatch(/server had an error/);
    expect(fake.requests).toHaveLength(1);

    const retried = await llm.complete(request);
    expect(retried.text).toBe('reply to: Anna asked for a quote.');
    expect(fake.requests.map((r) => r.retryCount)).toEqual(['0', '0']);
  });

  it('an answer that is not JSON is unavailable, without the answer in the message', async () => {
    fake.script({ kind: 'not_json' });
    const { error } = await failureOf(llm.complete(request));
    expect(error.failure).toBe('unavailable');
    expect(error.message).not.toMatch(/Gateway|html/);
    expect(fake.requests).toHaveLength(1);
  });

  it('an endpoint that does not answer is a timeout within the configured time', async () => {
    fake.script({ kind: 'hang' });
    const { error, ms } = await failureOf(llm.complete(request));
    expect(error.failure).toBe('timeout');
    expect(error.retryable).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(TIMEOUT_MS + 1_500);
    expect(fake.requests).toHaveLength(1);
  });

  it("the caller's abort ends the call with the caller's reason, not as a connector failure", async () => {
    fake.script({ kind: 'hang' });
    const controller = new AbortController();
    const call = llm.complete({ ...request, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await call.catch((err: unknown) => err);
    expect(error).toBe(controller.signal.reason);
    expect(error).not.toBeInstanceOf(ConnectorError);
  });

  it('a private-address endpoint is refused by the egress before any request, unless private networks are allowed', async () => {
    const guarded = createLlmConnector({ baseUrl: fake.baseUrl, apiKey: API_KEY, model: 'gpt-test', timeoutMs: TIMEOUT_MS }, egressOf(false));
    const { error } = await failureOf(guarded.complete(request));
    expect(error.failure).toBe('refused');
    expect(error.retryable).toBe(false);
    expect(fake.requests).toHaveLength(0);
  });

  it('the composition root builds it from LLM_BASE_URL, LLM_API_KEY and LLM_MODEL, through the egress settings', async () => {
    const services = createServices(
      testConfig({ LLM_BASE_URL: fake.baseUrl, LLM_API_KEY: API_KEY, LLM_MODEL: 'gpt-configured', EGRESS_ALLOW_PRIVATE_NETWORKS: 'true' }),
    );
    expect(await services.llm.complete(request)).toMatchObject({ generator: 'llm', model: 'gpt-configured' });
    expect(fake.requests[0]?.body?.model).toBe('gpt-configured');

    const refusing = createServices(testConfig({ LLM_BASE_URL: fake.baseUrl, LLM_API_KEY: API_KEY }));
    await expect(refusing.llm.complete(request)).rejects.toMatchObject({ failure: 'refused' });
    expect(fake.requests).toHaveLength(1);
  });
});

describe('offline generator (no LLM_BASE_URL)', () => {
  const offline = createLlmConnector({ model: 'unused', timeoutMs: TIMEOUT_MS }, egressOf(false));
  const transcript = [
    'Anna: Thanks for joining, we reviewed the pricing proposal for Acme.',
    'Ben: Acme wants the pricing proposal to include onboarding and training.',
    'Anna: The weather was nice this morning.',
    'Ben: I will send the revised pricing proposal by Friday.',
    'Anna: Onboarding for Acme takes two weeks.',
  ].join('\n');

  it('answers the same request with the same labelled text, as lio-offline-1, without the network', async () => {
    const summaryRequest = { system: 'Write a brief summary of this meeting transcript.', prompt: transcript };
    const first = await offline.complete(summaryRequest);
    const second = await offline.complete(summaryRequest);
    expect(second).toEqual(first);
    expect(first.generator).toBe('offline');
    expect(first.model).toBe(OFFLINE_MODEL);
    expect(first.text.startsWith(OFFLINE_LABEL)).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });

  it("summarises a transcript with its key sentences, without the speakers' names; a detailed summary adds the action items", async () => {
    const brief = await offline.complete({ system: 'Write a brief summary of this meeting transcript.', prompt: transcript });
    const bullets = brief.text.split('\n').filter((line) => line.startsWith('- '));
    expect(bullets).toHaveLength(3);
    expect(brief.text).toContain('- Acme wants the pricing proposal to include onboarding and training.');
    expect(brief.text).not.toContain('weather');
    expect(brief.text).not.toMatch(/Anna:|Ben:/);

    const detailed = await offline.complete({ system: 'Write a detailed summary of this meeting transcript.', prompt: transcript });
    expect(detailed.text).toContain('Action items\n- I will send the revised pricing proposal by Friday.');
  });

  it('summarises only what follows a "Transcript:" line, not the framing before it, and keeps numbers whole', async () => {
    const { text } = await offline.complete({
      system: 'You summarise sales meetings.',
      prompt: `Meeting "Acme renewal" on 2026-12-07T10:00:00.000Z.\n\nTranscript:\n${transcript}\nBen: Acme expects version 2.5 of the pricing proposal.`,
    });
    expect(text).not.toContain('Acme renewal');
    expect(text).toContain('- Acme expects version 2.5 of the pricing proposal.');
  });

  it('drafts an email from the context it is given', async () => {
    const { text } = await offline.complete({
      system: 'You write short sales emails.',
      prompt: 'Recipient: Dana\nCompany: Acme\nDana asked about our onboarding timeline. Onboarding takes two weeks and includes training.',
    });
    expect(text).toContain('Subject: Following up with Acme');
    expect(text).toContain('Hi Dana,');
    expect(text).toContain('Onboarding takes two weeks and includes training.');
  });

  it('keeps to maxTokens', async () => {
    const { text } = await offline.complete({ system: 'Rewrite this note (magic pen).', prompt: 'this is a rather long note. it goes on and on about the deal.', maxTokens: 5 });
    expect(text.slice(OFFLINE_LABEL.length).trim().length).toBeLessThanOrEqual(5 * 4 + 1);
  });
});
