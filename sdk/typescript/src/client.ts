import { RecdError, retryDelay } from "./errors.js";
import { routes, type Method } from "./routes.js";
import type {
  BatchResult, Event, EventPage, EventResult, Experiment, ExperimentList, ExperimentReport, Item, ItemInput, ItemPage,
  Model, ModelList, QueryOptions, QueryResponse, RecommendOptions, RecommendRequest, Recommendations, SpaceList, User, UserInput,
} from "./types.js";

/** Options of a Client; every one has a default. */
export interface ClientOptions {
  /** API key sent as "Authorization: Bearer KEY"; none by default (a server with auth off). */
  apiKey?: string;
  /** How many times a 429 or 503 answer is retried (default 3). */
  maxRetries?: number;
  /** First backoff in milliseconds when the server sends no Retry-After (default 200, doubling). */
  backoffMs?: number;
  /** Longest wait between tries in milliseconds, Retry-After included (default 30000). */
  maxDelayMs?: number;
  /** Per-request timeout in milliseconds (default 60000; 0 for none). */
  timeoutMs?: number;
  /** The fetch to use (default: the global fetch). */
  fetch?: typeof fetch;
}

type QueryValue = string | number | boolean | string[] | undefined;

interface Call {
  params?: Record<string, string>;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** A body sent as is with this Content-Type instead of JSON. */
  raw?: { type: string; data: string | ReadableStream<Uint8Array> };
}

const serverSet = new Set(["created_at", "updated_at"]);

/** writable drops the fields the server sets, so an object read from the API can be sent back. */
function writable<T extends object>(v: T): T {
  return Object.fromEntries(Object.entries(v).filter(([k]) => !serverSet.has(k))) as T;
}

/**
 * Client calls one recd server. It holds no per-request state, so one Client may be shared by
 * concurrent callers. Failed calls reject with RecdError; 429 and 503 answers are retried with
 * backoff, honouring Retry-After, except for a streamed batch, whose body cannot be replayed.
 */
export class Client {
  readonly baseUrl: string;
  private readonly apiKey?: string;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    this.maxRetries = options.maxRetries ?? 3;
    this.backoffMs = options.backoffMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Creates or replaces an item; returns it as stored. */
  putItem(item: ItemInput): Promise<Item> {
    return this.call("putItem", { params: { id: item.id }, body: writable(item) });
  }

  getItem(id: string): Promise<Item> {
    return this.call("getItem", { params: { id } });
  }

  deleteItem(id: string): Promise<void> {
    return this.call("deleteItem", { params: { id } });
  }

  /** Iterates over the catalog's pages in id order, starting after cursor. */
  listItems(opts: { limit?: number; cursor?: string } = {}): AsyncGenerator<ItemPage> {
    return this.pages<ItemPage>((cursor) => this.call("listItems", { query: { limit: opts.limit, cursor } }), opts.cursor);
  }

  /**
   * Stores a batch of items as NDJSON. An array is sent whole (and retried); any other iterable,
   * sync or async, is streamed line by line without holding it in memory. Bad lines come back
   * in rejected, numbered from 1; the good ones are stored.
   */
  putItems(items: Iterable<ItemInput> | AsyncIterable<ItemInput>): Promise<BatchResult> {
    const type = "application/x-ndjson";
    if (Array.isArray(items)) {
      const data = items.map((it) => JSON.stringify(writable(it)) + "\n").join("");
      return this.call("putItems", { raw: { type, data } });
    }
    return this.call("putItems", { raw: { type, data: ndjson(items) } });
  }

  /** Creates or replaces a user; returns it as stored. */
  putUser(user: UserInput): Promise<User> {
    return this.call("putUser", { params: { id: user.id }, body: writable(user) });
  }

  getUser(id: string): Promise<User> {
    return this.call("getUser", { params: { id } });
  }

  /** Deletes a user and all their events. */
  deleteUser(id: string): Promise<void> {
    return this.call("deleteUser", { params: { id } });
  }

  /** Iterates over a user's events, newest first, a page at a time. */
  userEvents(userId: string, opts: { limit?: number; cursor?: string } = {}): AsyncGenerator<EventPage> {
    const params = { id: userId };
    return this.pages<EventPage>((cursor) => this.call("userEvents", { params, query: { limit: opts.limit, cursor } }), opts.cursor);
  }

  /** Stores events durably, all or nothing; they count for the very next request. */
  addEvents(events: Event[]): Promise<EventResult> {
    return this.call("addEvents", { body: events });
  }

  /** Recommendations for a user (an unknown user gets the popular list). */
  recommend(userId: string, n?: number, knobs: RecommendOptions = {}): Promise<Recommendations> {
    return this.call("recommend", { params: { id: userId }, query: { n, ...knobs } });
  }

  /** Recommendations for a user, a session or context items alone (the POST form). */
  recommendFor(request: RecommendRequest): Promise<Recommendations> {
    return this.call("recommendFor", { body: request });
  }

  /** Items similar to an item; by is itemknn, cf, content, hybrid or a vector space name. */
  similar(itemId: string, n?: number, by?: string, opts: { category?: string[] } = {}): Promise<Recommendations> {
    return this.call("similar", { params: { id: itemId }, query: { n, by, category: opts.category } });
  }

  popular(n?: number, opts: { category?: string[] } = {}): Promise<Recommendations> {
    return this.call("popular", { query: { n, category: opts.category } });
  }

  trending(n?: number, opts: { category?: string[] } = {}): Promise<Recommendations> {
    return this.call("trending", { query: { n, category: opts.category } });
  }

  /** A natural-language request, answered by the ranking pipeline. */
  query(text: string, opts: QueryOptions = {}): Promise<QueryResponse> {
    return this.call("query", { body: { text, ...opts } });
  }

  spaces(): Promise<SpaceList> {
    return this.call("spaces", {});
  }

  /** Trains every model now; without force, an unchanged store answers the served version with skipped true. */
  train(force = false): Promise<Model> {
    return this.call("train", { query: { force: force || undefined } });
  }

  models(): Promise<ModelList> {
    return this.call("models", {});
  }

  /** Creates or replaces the experiment x.id (admin role); answers it with its status. */
  putExperiment(x: Experiment & { id: string }): Promise<Experiment> {
    const body: Experiment = { ...x };
    delete body.created;
    delete body.status;
    return this.call("putExperiment", { params: { id: x.id }, body });
  }

  getExperiment(id: string): Promise<Experiment> {
    return this.call("getExperiment", { params: { id } });
  }

  listExperiments(): Promise<ExperimentList> {
    return this.call("listExperiments", {});
  }

  deleteExperiment(id: string): Promise<void> {
    return this.call("deleteExperiment", { params: { id } });
  }

  experimentReport(id: string): Promise<ExperimentReport> {
    return this.call("experimentReport", { params: { id } });
  }

  private async *pages<P extends { next_cursor: string }>(get: (cursor?: string) => Promise<P>, cursor?: string): AsyncGenerator<P> {
    for (;;) {
      const page = await get(cursor);
      yield page;
      if (!page.next_cursor) return;
      cursor = page.next_cursor;
    }
  }

  private async call<T>(method: Method, c: Call): Promise<T> {
    const route = routes[method];
    const url = this.baseUrl + route.path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(c.params?.[k] ?? "")) + queryString(c.query);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    let body: string | ReadableStream<Uint8Array> | undefined;
    if (c.raw) {
      headers["Content-Type"] = c.raw.type;
      body = c.raw.data;
    } else if (c.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(c.body);
    }
    const replayable = !(body instanceof ReadableStream);
    for (let attempt = 0; ; attempt++) {
      const init: RequestInit & { duplex?: "half" } = { method: route.method, headers, body };
      if (!replayable) init.duplex = "half";
      if (this.timeoutMs > 0) init.signal = AbortSignal.timeout(this.timeoutMs);
      const res = await this.fetchFn(url, init);
      if (res.ok) {
        if (res.status === 204 || route.response === null) {
          await res.body?.cancel();
          return undefined as T;
        }
        return (await res.json()) as T;
      }
      if ((res.status === 429 || res.status === 503) && replayable && attempt < this.maxRetries) {
        await res.body?.cancel();
        await sleep(retryDelay(res.headers.get("Retry-After"), attempt, this.backoffMs, this.maxDelayMs));
        continue;
      }
      throw await RecdError.fromResponse(res);
    }
  }
}

/** queryString encodes q, skipping undefined values and repeating a parameter for each list element. */
function queryString(q?: Record<string, QueryValue>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q ?? {})) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) p.append(k, String(x));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** ndjson streams items as one JSON line each, pulling the next item only when the body needs it. */
function ndjson(items: Iterable<ItemInput> | AsyncIterable<ItemInput>): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const it = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const r = await it.next();
      if (r.done) ctrl.close();
      else ctrl.enqueue(enc.encode(JSON.stringify(writable(r.value)) + "\n"));
    },
    async cancel() {
      await it.return?.();
    },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
