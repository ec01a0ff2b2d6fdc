// Per-process caches of what almost every ingestion request reads and almost
// nothing changes (API keys with their organization, an organization's lead
// lookups), kept exact across processes by PostgreSQL LISTEN/NOTIFY: triggers
// (migration *_cache_invalidation_notify) notify the channel at COMMIT of any
// change to what a cache holds, and every process drops the organization's
// entries as the notification arrives.
//
// Fail closed: a notification can only be trusted while the listening
// connection is up. Until it has connected and LISTENs, and from the moment it
// is lost, every cache is emptied and bypassed (each read goes to the
// database, as without a cache); after reconnecting the caches start empty.
// The TTL is a backstop for a connection that dies silently, not the
// mechanism.
import pg from 'pg';
import type { Logger } from 'pino';

export const CACHE_INVALIDATION_CHANNEL = 'lio_cache_invalidation';

/** What a notification names (the migration's trigger arguments). */
export type CacheTopic = 'api_keys' | 'lead_lookups';

export interface CacheLimits {
  maxEntries: number;
  ttlMs: number;
}

/** Waits between reconnection attempts: the first after a loss, doubling up to the last. */
const RECONNECT_DELAYS_MS = { first: 500, max: 5_000 };

/** How the listening connection shows in pg_stat_activity (tests find it by this name). */
export const CHANGE_FEED_APPLICATION_NAME = 'lio-change-feed';

interface Entry<V> {
  value: V;
  orgId: number;
  expiresAt: number;
}

/** A loaded value and the organization whose changes invalidate it. */
export interface Cacheable<V> {
  value: V;
  orgId: number;
}

export class TopicCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  /** bumped by every invalidation: a value loaded across one is not stored */
  #generation = 0;
  /** reads answered from the cache; for tests and the benchmark's story */
  hits = 0;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly limits: CacheLimits,
  ) {}

  /**
   * The value cached under `key`, or what `load` reads from the database.
   * `load` answers undefined for nothing to cache (an unknown key is never
   * cached: a stream of made-up keys must not fill the cache).
   */
  async read(key: string, load: () => Promise<Cacheable<V> | undefined>): Promise<V | undefined> {
    if (!this.feed.listening) {
      this.feed.start();
      return (await load())?.value;
    }
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > Date.now()) {
      this.hits++;
      return entry.value;
    }
    const generation = this.#generation;
    const loaded = await load();
    // stored only when no notification (nor a lost connection) came while it was read: it may predate the change
    if (loaded && generation === this.#generation && this.feed.listening) {
      this.#entries.delete(key);
      if (this.#entries.size >= this.limits.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, { ...loaded, expiresAt: Date.now() + this.limits.ttlMs });
    }
    return loaded?.value;
  }

  /** Drops the organization's entries. */
  invalidate(orgId: number) {
    this.#generation++;
    for (const [key, entry] of this.#entries) if (entry.orgId === orgId) this.#entries.delete(key);
  }

  clear() {
    this.#generation++;
    this.#entries.clear();
  }
}

/**
 * One listening connection per process (its own pg.Client, never a pool
 * connection: LISTEN is per session) and the caches it keeps exact. Made by
 * createDatabase and closed with it; it connects on the first cache read.
 */
export class ChangeFeed {
  readonly #caches = new Map<CacheTopic, TopicCache<unknown>>();
  #client: pg.Client | null = null;
  #listening = false;
  #closed = false;
  #reconnect: NodeJS.Timeout | null = null;
  #reconnectDelayMs = RECONNECT_DELAYS_MS.first;

  constructor(
    private readonly connectionString: string,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  /** Whether notifications are being received, so cached values can be trusted. */
  get listening() {
    return this.#listening;
  }

  /** The topic's cache (one per topic; the first call's limits hold). */
  cache<V>(topic: CacheTopic, limits: CacheLimits): TopicCache<V> {
    let cache = this.#caches.get(topic);
    if (!cache) this.#caches.set(topic, (cache = new TopicCache<unknown>(this, limits)));
    return cache as TopicCache<V>;
  }

  /** Connects and listens unless it does, is about to, or is closed. */
  start() {
    if (this.#client || this.#reconnect || this.#closed) return;
    void this.#connect();
  }

  async close() {
    this.#closed = true;
    if (this.#reconnect) clearTimeout(this.#reconnect);
    this.#reconnect = null;
    const client = this.#client;
    this.#drop();
    await client?.end().catch(() => undefined);
  }

  async #connect() {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: CHANGE_FEED_APPLICATION_NAME, connectionTimeoutMillis: 10_000 });
    this.#client = client;
    client.on('notification', (message) => this.#apply(message.payload));
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CACHE_INVALIDATION_CHANNEL}`);
    } catch (err) {
      if (this.#client === client) this.#lost(client, err as Error);
      else await client.end().catch(() => undefined);
      return;
    }
    // closed (or lost) while connecting: this connection is nobody's
    if (this.#client !== client) return void (await client.end().catch(() => undefined));
    // empty already (nothing is stored while not listening); cleared again so that nothing read before counts
    for (const cache of this.#caches.values()) cache.clear();
    this.#listening = true;
    this.#reconnectDelayMs = RECONNECT_DELAYS_MS.first;
  }

  #apply(payload: string | undefined) {
    let message: { topic?: unknown; org?: unknown } | undefined;
    try {
      message = JSON.parse(payload ?? '') as typeof message;
    } catch {
      message = undefined;
    }
    const cache = this.#caches.get(message?.topic as CacheTopic);
    if (typeof message?.org === 'number') cache?.invalidate(message.org);
    // a notification this process cannot read may be about anything
    else for (const each of this.#caches.values()) each.clear();
  }

  /** Stops trusting the caches at once and empties them; then reconnects after a pause. */
  #lost(client: pg.Client, err?: Error) {
    if (this.#client !== client) return;
    this.#drop();
    void client.end().catch(() => undefined);
    if (this.#closed) return;
    this.logger?.warn({ err }, 'cache invalidation listener disconnected; caches bypassed until it reconnects');
    this.#reconnect = setTimeout(() => {
      this.#reconnect = null;
      void this.#connect();
    }, this.#reconnectDelayMs);
    // a process that is done otherwise does not stay up for this
    this.#reconnect.unref();
    this.#reconnectDelayMs = Math.min(this.#reconnectDelayMs * 2, RECONNECT_DELAYS_MS.max);
  }

  #drop() {
    this.#listening = false;
    this.#client = null;
    for (const cache of this.#caches.values()) cache.clear();
  }
}
