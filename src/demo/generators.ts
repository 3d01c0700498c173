/**
 * The demo's two feedback sources. Each is an independent loop that POSTs its lines to the HTTP
 * ingest API with `fetch`, exactly as an outside service would, at its own pace:
 *
 * - **public posts**: one post per request, every 1-2.5 s;
 * - **team chat**: a burst of 1-3 messages per request (a short conversation), every 2-5 s.
 *
 * A record is `{"key": author, "value": {"text", "author"}, "timestamp": now}`. The text comes
 * from the seeded corpus (corpus.ts), so a seed replays the same lines.
 */
import { mulberry32 } from "../util/random.js";
import { PUBLIC_POSTS, TEAM_CHAT, lineSource, type FeedbackLine, type SourceCorpus } from "./corpus.js";

/** The longest one POST may take; a stuck request must not hold up stop(). */
const REQUEST_TIMEOUT_MS = 10_000;

/** How often a generator posts and how many lines per request. */
export interface Pace {
  /** Shortest and longest wait between two requests, ms. */
  readonly minMs: number;
  readonly maxMs: number;
  /** Fewest and most lines per request. */
  readonly minLines: number;
  readonly maxLines: number;
}

/** What a generator posts, where, and how often. */
export interface GeneratorSpec {
  /** Its name in messages ("public-posts"). */
  readonly name: string;
  /** The topic it posts to. */
  readonly topic: string;
  readonly corpus: SourceCorpus;
  readonly pace: Pace;
}

/** The demo's two generators, posting to `publicPosts` and `teamChat`. */
export function demoGenerators(topics: { readonly publicPosts: string; readonly teamChat: string }): GeneratorSpec[] {
  return [
    { name: "public-posts", topic: topics.publicPosts, corpus: PUBLIC_POSTS, pace: { minMs: 1_000, maxMs: 2_500, minLines: 1, maxLines: 1 } },
    { name: "team-chat", topic: topics.teamChat, corpus: TEAM_CHAT, pace: { minMs: 2_000, maxMs: 5_000, minLines: 1, maxLines: 3 } },
  ];
}

/** Options of {@link startGenerator}. */
export interface GeneratorOptions {
  readonly spec: GeneratorSpec;
  /** Base URL of the ingest API (`http://127.0.0.1:8082`). */
  readonly ingestUrl: string;
  /** Seed of the lines and the pace. */
  readonly seed: number;
  /** Called with each line the ingest API accepted. */
  readonly onPosted?: (line: FeedbackLine) => void;
  /** Called when a request fails (the generator keeps going). */
  readonly onError?: (message: string) => void;
  /** Post the first request at once instead of after a first wait (default true). */
  readonly startNow?: boolean;
}

/** A running generator. */
export interface Generator {
  readonly name: string;
  /** Lines the ingest API accepted so far. */
  readonly posted: number;
  /** Stops posting; resolves once the request in flight (if any) has been answered. Idempotent. */
  stop(): Promise<void>;
}

/** Starts posting; see the module comment. */
export function startGenerator(opts: GeneratorOptions): Generator {
  const { spec } = opts;
  const url = `${opts.ingestUrl.replace(/\/+$/, "")}/topics/${encodeURIComponent(spec.topic)}/records`;
  const next = lineSource(spec.corpus, opts.seed);
  const rand = mulberry32(opts.seed ^ 0x5bd1e995);
  const between = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  let posted = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let inflight: Promise<void> = Promise.resolve();

  const post = async (): Promise<void> => {
    const lines = Array.from({ length: between(spec.pace.minLines, spec.pace.maxLines) }, next);
    const now = Date.now();
    const body = lines.map((l) => ({ key: l.author, value: { text: l.text, author: l.author }, timestamp: now }));
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const text = await res.text();
      if (!res.ok) {
        opts.onError?.(`${spec.name}: the ingest API answered ${res.status}: ${text}`);
        return;
      }
      posted += lines.length;
      for (const l of lines) opts.onPosted?.(l);
    } catch (e) {
      if (stopped) return;
      const cause = e instanceof Error ? ((e.cause as { code?: string } | undefined)?.code ?? e.message) : String(e);
      opts.onError?.(`${spec.name}: POST ${url} failed: ${cause}`);
    }
  };

  const schedule = (ms: number): void => {
    timer = setTimeout(() => {
      timer = null;
      inflight = post().finally(() => {
        if (!stopped) schedule(between(spec.pace.minMs, spec.pace.maxMs));
      });
    }, ms);
  };
  schedule(opts.startNow === false ? between(spec.pace.minMs, spec.pace.maxMs) : 0);

  return {
    name: spec.name,
    get posted() {
      return posted;
    },
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await inflight;
    },
  };
}
