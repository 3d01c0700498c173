/**
 * SyncGroup (key 14), versions 0-5.
 *
 * The leader sends the assignment it computed; every member's answer waits until it is stored
 * and then carries that member's share — always present, empty bytes when the member got
 * nothing or on errors (clients fail to parse a missing one). v3 static membership; v5 checks
 * the protocol type and name against the group's (INCONSISTENT_GROUP_PROTOCOL) and echoes them.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";

/** The SyncGroup handler. */
export const syncGroupHandler: ApiHandler<typeof ApiKey.SyncGroup, BrokerState> = {
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(state, req, version) {
    const r = await state.groups.sync({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: version >= 3 ? req.groupInstanceId : null,
      generationId: req.generationId,
      protocolType: version >= 5 ? req.protocolType : null,
      protocolName: version >= 5 ? req.protocolName : null,
      // Copies: assignments outlive the request frame.
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
    });
    return { throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
  },
};
