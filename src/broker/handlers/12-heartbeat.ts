/**
 * Heartbeat (key 12), versions 0-4.
 *
 * Keeps a member's session alive. REBALANCE_IN_PROGRESS tells it to rejoin; UNKNOWN_MEMBER_ID,
 * ILLEGAL_GENERATION and FENCED_INSTANCE_ID (v3+ static members) that it lost its place.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";

/** The Heartbeat handler. */
export const heartbeatHandler: ApiHandler<typeof ApiKey.Heartbeat, BrokerState> = {
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  handle(state, req, version) {
    const errorCode = state.groups.heartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: version >= 3 ? req.groupInstanceId : null,
      generationId: req.generationId,
    });
    return { throttleTimeMs: 0, errorCode };
  },
};
