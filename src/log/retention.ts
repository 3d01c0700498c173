/**
 * Retention for cleanup.policy=delete: which whole segments to drop, decided by a pure function
 * over facts about the segments (PartitionLog gathers the facts and carries out the decision).
 *
 * As Kafka: only a leading run of segments is ever deleted, so the log stays a suffix of itself.
 * - By time: a segment goes when its largest timestamp is more than retention.ms old (a segment
 *   without timestamps uses the time of its last append).
 * - By size: the oldest segments go while the log without them is still >= retention.bytes.
 * The active segment is included when it too has expired and is not empty; the log then rolls
 * first, so an empty active segment at the log end remains.
 */

/** What retention needs to know about one segment, oldest first. */
export interface SegmentFacts {
  sizeBytes: number;
  /** Largest batch timestamp, or the last append time when no batch has one. */
  largestTimestamp: number;
}

/** The retention settings of a topic. */
export interface RetentionSettings {
  /** cleanup.policy contains "delete". */
  deleteEnabled: boolean;
  /** -1: keep forever. */
  retentionMs: number;
  /** -1: no size bound. */
  retentionBytes: number;
}

/** What to do: delete the first `deleteCount` segments, rolling first when that includes the active one. */
export interface RetentionDecision {
  deleteCount: number;
  rollFirst: boolean;
  /** One reason per deleted segment ("time" or "size"), for logs and tests. */
  reasons: ("time" | "size")[];
}

/** See the module comment. `segments` is oldest first; the last is the active segment. */
export function planRetention(segments: readonly SegmentFacts[], settings: RetentionSettings, now: number): RetentionDecision {
  const none: RetentionDecision = { deleteCount: 0, rollFirst: false, reasons: [] };
  if (!settings.deleteEnabled || segments.length === 0) return none;
  const reasons: ("time" | "size")[] = [];
  let excess = settings.retentionBytes >= 0 ? segments.reduce((n, s) => n + s.sizeBytes, 0) - settings.retentionBytes : -1;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    const isLast = i === segments.length - 1;
    // An empty active segment is where the log continues; there is nothing in it to delete.
    if (isLast && s.sizeBytes === 0) break;
    if (settings.retentionMs >= 0 && now - s.largestTimestamp > settings.retentionMs) {
      reasons.push("time");
      excess -= s.sizeBytes;
    } else if (excess >= 0 && excess - s.sizeBytes >= 0) {
      reasons.push("size");
      excess -= s.sizeBytes;
    } else {
      break;
    }
  }
  return { deleteCount: reasons.length, rollFirst: reasons.length === segments.length, reasons };
}
