/**
 * The part of Kafka's consumer embedded protocol the coordinator reads: the topics of a
 * subscription, which OffsetDelete needs (GROUP_SUBSCRIBED_TO_TOPIC). Everything else in member
 * metadata and assignments stays opaque bytes, exactly as clients sent them.
 *
 *   ConsumerProtocolSubscription => Version:int16 Topics:[STRING] UserData:NULLABLE_BYTES
 *                                   (v1+ OwnedPartitions, v2+ GenerationId, v3+ RackId)
 *
 * The topics come first in every version, so one reader serves them all.
 */
import { Reader } from "../../protocol/primitives/reader.js";

/** The protocol type of Kafka consumers' groups. */
export const CONSUMER_PROTOCOL_TYPE = "consumer";

/** The topics of a consumer subscription, or null when the bytes are not one. */
export function subscriptionTopics(metadata: Buffer): string[] | null {
  try {
    const r = new Reader(metadata);
    if (r.int16() < 0) return null;
    // A topic name takes at least its 2-byte length, which bounds the count before allocating.
    const count = r.arrayLength(2);
    if (count < 0) return null;
    const topics: string[] = [];
    for (let i = 0; i < count; i++) topics.push(r.string());
    return topics;
  } catch {
    return null;
  }
}
