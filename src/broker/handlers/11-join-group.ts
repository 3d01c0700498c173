/**
 * JoinGroup (key 11), versions 0-9.
 *
 * A thin shape over the group coordinator (src/broker/coordinator): the answer waits until the
 * rebalance completes. v0 has no rebalance timeout (the session timeout serves); from v4 a
 * dynamic member's first join gets MEMBER_ID_REQUIRED with its member id; v5 static membership;
 * v7 names the protocol type in the answer (the protocol name may then be null); v9 tells a
 * static leader rejoining a stable group to skip the assignment (KIP-814). The v8 reason is only
 * informative.
 */
import { ApiKey } from "../../protocol/api-keys.js";
import type { ApiHandler } from "../dispatch.js";
import type { BrokerState } from "../state.js";

/** The JoinGroup handler. */
export const joinGroupHandler: ApiHandler<typeof ApiKey.JoinGroup, BrokerState> = {
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  async handle(state, req, version, ctx) {
    const groupInstanceId = version >= 5 ? req.groupInstanceId : null;
    const r = await state.groups.join({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId,
      clientId: ctx.header.clientId ?? "",
      // Kafka reports the host as Java's InetAddress prints it: "/" and the address, no port.
      clientHost: `/${ctx.conn.remoteAddress.replace(/:[^:]*$/, "")}`,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: version >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      // Copies: the group keeps these for its lifetime, the request frame need not stay.
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
      requireKnownMemberId: version >= 4 && groupInstanceId === null,
      supportsSkipAssignment: version >= 9,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      protocolName: version >= 7 ? r.protocolName : (r.protocolName ?? ""),
      leader: r.leaderId,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    };
  },
};
