// The one way out: every outbound HTTP request of every connector goes
// through an Egress (issue 8 §1, SSRF). Its agents check the destination
// AFTER name resolution and connect to the very address they checked, so a
// name that resolves to a public address when checked and to 127.0.0.1 when
// used (DNS rebinding) cannot slip through; IP literals, which Node connects
// to without a lookup, are checked before the socket is opened. Refused are
// loopback, private (RFC 1918), link-local, CGNAT, unique-local, multicast,
// unspecified, broadcast/reserved addresses and IPv6 forms that embed one of
// them (IPv4-mapped, -compatible, NAT64, 6to4). Decimal, octal and hex
// spellings of IPv4 (2130706433, 0177.0.0.1) are normalised by the WHATWG URL
// parser before they get here, and by getaddrinfo when a client passes them
// on as names; either way the check sees 127.0.0.1.
//
// A refusal happens before any packet is sent, so it answers at once and the
// same way whatever the port: no port scanner. Every request is also bounded
// in time (connect to last byte) and in answer size. Redirects: the agents
// check every hop a client follows (node-fetch in the HubSpot SDK follows
// them), and Egress.fetch follows none.
//
// Use: `agentFor(url)` as node-fetch v2's `agent` option (the function form
// serves http and https), `fetch()` for fetch-style code, and
// `checkDestination(url)` to validate a URL at configuration time. Built once
// per process, by the composition root (services/), whose settings come from
// the operator's configuration.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction, type NetConnectOpts, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface EgressSettings {
  /** lift the refusal of non-public destinations (tests and labs only) */
  allowPrivateNetworks: boolean;
  /** "host:port" destinations exempt from the refusal of non-public addresses */
  allowedHosts: readonly string[];
  /** bytes an answer (headers included) may have */
  maxResponseBytes: number;
  /** milliseconds from connecting to the last byte of the answer */
  timeoutMs: number;
  /** name resolution (default: the system's, as Node's own connections use); tests inject one */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
}

export type EgressFailure = 'refused' | 'unreachable' | 'timeout' | 'too_large';

/** An outbound request that was not allowed, or did not complete. `code` survives wrapping by node-fetch's FetchError. */
export class EgressError extends Error {
  readonly code: string;
  constructor(
    readonly failure: EgressFailure,
    message: string,
    /** for 'unreachable': the socket's own code (ECONNREFUSED: nothing was sent; ECONNRESET, EPIPE: the request may have been received) */
    readonly transportCode?: string,
  ) {
    super(message);
    this.name = 'EgressError';
    this.code = `EGRESS_${failure.toUpperCase()}`;
  }
}

/** Sockets that fail after the request may have been received: whoever sent it cannot tell whether it was acted on. */
const AFTER_SENDING_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * What an egress failure means to a caller deciding whether to send again
 * (ConnectorError kinds): 'timeout' when the request may have been received
 * (no complete answer in time, or the connection dropped after it was
 * written: in doubt), 'unavailable' when it certainly was not (refused
 * connection, unresolvable name), 'refused' when the egress did not allow it
 * (or the answer was too large).
 */
export function egressFailureKind(failure: EgressError): 'timeout' | 'unavailable' | 'refused' {
  if (failure.failure === 'timeout') return 'timeout';
  if (failure.failure === 'unreachable') return failure.transportCode && AFTER_SENDING_CODES.has(failure.transportCode) ? 'timeout' : 'unavailable';
  return 'refused';
}

export interface Egress {
  /** the agent for a URL's scheme: node-fetch v2 takes this function as its `agent` option */
  agentFor(url: { protocol: string }): http.Agent;
  /** a request through the agents; redirects are not followed (a 3xx is answered as it is) */
  fetch(url: string | URL, init?: EgressRequestInit): Promise<Response>;
  /** resolves when the host of an http(s) base URL is an allowed destination; else rejects with an EgressError (a TypeError when it is no URL) */
  checkDestination(url: string): Promise<void>;
  /** the EgressError an error of a request through this egress stands for (node-fetch wraps them), else null */
  failureOf(err: unknown): EgressError | null;
  /**
   * For protocols other than HTTP (SMTP): the checked address to connect to
   * for host:port, resolved and judged as the agents do. The caller connects
   * to that address (TLS servername = host), never to the name again, so a
   * name cannot resolve elsewhere in between. Rejects with an EgressError.
   */
  resolveAllowed(host: string, port: number): Promise<ResolvedAddress>;
}

export interface EgressRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

// ---- which addresses ---------------------------------------------------------

/** Never a destination, whatever the settings: unspecified, "this network", multicast, reserved and broadcast. */
const NEVER = new BlockList();
NEVER.addSubnet('0.0.0.0', 8, 'ipv4');
NEVER.addSubnet('224.0.0.0', 4, 'ipv4');
NEVER.addSubnet('240.0.0.0', 4, 'ipv4');
NEVER.addAddress('::', 'ipv6');
NEVER.addSubnet('ff00::', 8, 'ipv6');

/** Not on the public internet: reachable only from inside, which is what an SSRF is after. */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
NON_PUBLIC.addAddress('::1', 'ipv6');
NON_PUBLIC.addSubnet('fe80::', 10, 'ipv6'); // link-local
NON_PUBLIC.addSubnet('fec0::', 10, 'ipv6'); // site-local (deprecated, still routed inside some networks)
NON_PUBLIC.addSubnet('fc00::', 7, 'ipv6'); // unique-local
NON_PUBLIC.addSubnet('2001::', 32, 'ipv6'); // Teredo: the IPv4 inside is obfuscated, so the whole range is refused

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 counts as two). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const ipv4Of = (high: number, low: number) => [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');

/** The IPv4 address an IPv6 address carries and reaches (mapped, compatible, NAT64, 6to4); null when none. */
function embeddedIPv4(address: string): string | null {
  const g = ipv6Groups(address);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return ipv4Of(g[6]!, g[7]!); // ::ffff:a.b.c.d
  if (zeros(0, 6) && g[6] !== 0) return ipv4Of(g[6]!, g[7]!); // ::a.b.c.d (deprecated "compatible"; not :: or ::1)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return ipv4Of(g[6]!, g[7]!); // NAT64 64:ff9b::/96
  if (g[0] === 0x2002) return ipv4Of(g[1]!, g[2]!); // 6to4 2002:AABB:CCDD::/48
  return null;
}

type AddressClass = 'public' | 'non_public' | 'never';

function classifyIPv4(address: string): AddressClass {
  if (NEVER.check(address, 'ipv4')) return 'never';
  return NON_PUBLIC.check(address, 'ipv4') ? 'non_public' : 'public';
}

/** Where an IP address (v4 or v6) lies; anything that is not an IP address is 'never'. */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 4) return classifyIPv4(address);
  if (family !== 6) return 'never';
  if (NEVER.check(address, 'ipv6')) return 'never';
  const inner = embeddedIPv4(address);
  const innerClass = inner === null ? 'public' : classifyIPv4(inner);
  if (innerClass !== 'public') return innerClass;
  return NON_PUBLIC.check(address, 'ipv6') ? 'non_public' : 'public';
}

const unbracketed = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

// ---- the egress --------------------------------------------------------------

interface RequestBudget {
  bytes: number;
  timer?: NodeJS.Timeout;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const TRANSPORT_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

const defaultResolve = (hostname: string) => dns.promises.lookup(hostname, { all: true, verbatim: true });

export function createEgress(settings: EgressSettings): Egress {
  const resolve = settings.resolve ?? defaultResolve;
  const allowedHosts = new Set(settings.allowedHosts.map((entry) => entry.toLowerCase()));
  const budgets = new WeakMap<Duplex, RequestBudget>();

  const refused = (host: string) =>
    new EgressError(
      'refused',
      `outbound requests to ${host} are not allowed: it is, or resolves to, a loopback, private, link-local or otherwise non-public address`,
    );

  /** The refusal of connecting to `address` for a request to host:port, or null when it is allowed. */
  function refusalOf(host: string, port: number, address: string): EgressError | null {
    const kind = classifyAddress(address);
    if (kind === 'public') return null;
    const hostKey = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`.toLowerCase();
    if (kind === 'non_public' && (settings.allowPrivateNetworks || allowedHosts.has(hostKey))) return null;
    return refused(host);
  }

  async function checkedAddresses(host: string, port: number): Promise<ResolvedAddress[]> {
    const family = isIP(host);
    const addresses = family ? [{ address: host, family }] : await resolve(host);
    if (addresses.length === 0) throw new EgressError('unreachable', `${host} did not resolve to any address`);
    // every address must pass, not just the first: a name answering both a public and a private address is refused
    for (const { address } of addresses) {
      const refusal = refusalOf(host, port, address);
      if (refusal) throw refusal;
    }
    return addresses;
  }

  /** Resolves, checks, and hands the socket the checked addresses: it connects to nothing else. */
  const checkingLookup =
    (host: string, port: number): LookupFunction =>
    (hostname, options, callback) => {
      checkedAddresses(hostname, port).then(
        (all) => {
          const wanted = options.family ? all.filter((a) => a.family === options.family) : all;
          if (wanted.length === 0) return callback(new EgressError('unreachable', `${host} has no IPv${options.family} address`), '', 0);
          if (options.all) return callback(null, wanted);
          callback(null, wanted[0]!.address, wanted[0]!.family);
        },
        (err: Error) => callback(err, '', 0),
      );
    };

  /** Starts the time and size budget of the request a socket now carries. */
  function startBudget(socket: Duplex) {
    let budget = budgets.get(socket);
    if (!budget) {
      const own: RequestBudget = { bytes: 0 };
      budget = own;
      budgets.set(socket, own);
      // counted where the socket receives, not with a 'data' listener: node-fetch takes a 'data' listener left on a
      // socket after the answer for a connection that did not end cleanly ("Premature close")
      const push = socket.push.bind(socket);
      socket.push = (chunk: unknown, encoding?: BufferEncoding) => {
        own.bytes += (chunk as Buffer | null)?.length ?? 0;
        if (own.bytes <= settings.maxResponseBytes) return push(chunk, encoding);
        socket.destroy(new EgressError('too_large', `the answer exceeded ${settings.maxResponseBytes} bytes`));
        return false;
      };
      socket.once('close', () => clearTimeout(own.timer));
    }
    const current = budget;
    current.bytes = 0;
    clearTimeout(current.timer);
    current.timer = setTimeout(
      () => socket.destroy(new EgressError('timeout', `no complete answer within ${settings.timeoutMs} ms`)),
      settings.timeoutMs,
    );
  }

  const endBudget = (socket: Duplex) => clearTimeout(budgets.get(socket)?.timer);

  /**
   * The connection of an agent: an IP literal is checked here (Node skips the
   * lookup for literals), a name in the lookup; a refusal never opens a socket.
   */
  function guardedConnection(
    options: NetConnectOpts & { host?: string; port?: number | string },
    callback: (err: Error | null, socket?: Duplex) => void,
    connect: (options: NetConnectOpts) => Duplex | null | undefined,
  ): Duplex | undefined {
    const host = unbracketed(options.host ?? 'localhost');
    const port = Number(options.port);
    if (isIP(host)) {
      const refusal = refusalOf(host, port, host);
      if (refusal) {
        process.nextTick(callback, refusal);
        return undefined;
      }
    }
    const socket = connect({ ...options, lookup: checkingLookup(host, port) } as NetConnectOpts) ?? undefined;
    if (socket) startBudget(socket);
    return socket;
  }

  /** An http or https agent whose connections are guarded and whose requests are budgeted (https.Agent extends http.Agent). */
  // TypeScript accepts a mixin only over a constructor taking any[]
  const guarded = <A extends new (...args: any[]) => http.Agent>(Base: A) =>
    class extends Base {
      override createConnection(options: NetConnectOpts, callback: (err: Error | null, socket?: Duplex) => void) {
        return guardedConnection(options, callback, (checked) => super.createConnection(checked, callback as never));
      }
      // a kept-alive socket carries the next request: its budget starts again
      override reuseSocket(socket: Socket, request: http.ClientRequest) {
        startBudget(socket);
        super.reuseSocket(socket, request);
      }
    };

  const agents = { http: new (guarded(http.Agent))({ keepAlive: true }), https: new (guarded(https.Agent))({ keepAlive: true }) };
  for (const agent of Object.values(agents)) agent.on('free', endBudget);
  const agentFor = (url: { protocol: string }): http.Agent => (url.protocol === 'https:' ? agents.https : agents.http);

  function failureOf(err: unknown): EgressError | null {
    if (err instanceof EgressError) return err;
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') return null;
    // node-fetch's FetchError keeps only the code of the error it wraps; its message carries the URL, not ours
    const wrapped = /^EGRESS_(REFUSED|UNREACHABLE|TIMEOUT|TOO_LARGE)$/.exec(code)?.[1];
    if (wrapped) {
      const failure = wrapped.toLowerCase() as EgressFailure;
      const messages: Record<EgressFailure, string> = {
        refused: 'outbound requests to this destination are not allowed: it is, or resolves to, a non-public address',
        unreachable: 'the destination could not be reached',
        timeout: `no complete answer within ${settings.timeoutMs} ms`,
        too_large: `the answer exceeded ${settings.maxResponseBytes} bytes`,
      };
      return new EgressError(failure, messages[failure]);
    }
    return TRANSPORT_ERROR_CODES.has(code) ? new EgressError('unreachable', `the destination could not be reached (${code})`, code) : null;
  }

  return {
    agentFor,

    fetch(input, init = {}) {
      const url = new URL(input);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new EgressError('refused', 'only http and https are allowed'));
      return new Promise<Response>((resolvePromise, reject) => {
        const fail = (err: Error) => reject(init.signal?.aborted ? err : (failureOf(err) ?? err));
        const request = (url.protocol === 'https:' ? https : http).request(
          url,
          { method: init.method ?? 'GET', headers: init.headers, agent: agentFor(url), signal: init.signal },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', fail);
            res.on('end', () => {
              const headers = new Headers();
              for (const [name, value] of Object.entries(res.headers)) {
                for (const item of Array.isArray(value) ? value : [value ?? '']) headers.append(name, item);
              }
              const status = res.statusCode ?? 502;
              resolvePromise(new Response(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), { status, headers }));
            });
          },
        );
        request.on('error', fail);
        request.end(init.body);
      });
    },

    async checkDestination(raw) {
      const url = new URL(raw);
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      try {
        await checkedAddresses(unbracketed(url.hostname), port);
      } catch (err) {
        throw failureOf(err) ?? new EgressError('unreachable', `${url.hostname} could not be resolved`);
      }
    },

    failureOf,

    async resolveAllowed(host, port) {
      try {
        return (await checkedAddresses(unbracketed(host), port))[0]!;
      } catch (err) {
        throw failureOf(err) ?? new EgressError('unreachable', `${host} could not be resolved`);
      }
    },
  };
}
