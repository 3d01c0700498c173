/**
 * LeaveGroup (key 13), versions 0-5.
 *
 * v0-2 name one member and answer with one error code; v3+ name several (KIP-345: by member
 * id, or by group instance id alone for static members) and answer per member, with the
 * top-level code NONE unless the whole request failed — Kafka's LeaveGroupResponse rules.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";

/** The LeaveGroup handler. */
export const leaveGroupHandler: ApiHandler<typeof ApiKey.LeaveGroup, BrokerState> = {
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(state, req, version) {
    const named = version >= 3 ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: req.memberId, groupInstanceId: null }];
    const r = state.groups.leave(req.groupId, named);
    if (version >= 3) return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
    // One member: its error becomes the answer's, unless the request failed as a whole.
    const memberError = r.members.find((m) => m.errorCode !== KafkaErrors.NONE.code)?.errorCode ?? KafkaErrors.NONE.code;
    return { throttleTimeMs: 0, errorCode: r.errorCode !== KafkaErrors.NONE.code ? r.errorCode : memberError, members: [] };
  },
};
