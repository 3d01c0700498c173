/** Allowances several scenarios share, each tied to one row of docs/compatibility.md (intended.ts). */
import type { Allowance, Json } from "../framework.js";

/**
 * Kafka 4.3's KRaft storage format writes min.insync.replicas=1 as a cluster-wide dynamic default,
 * so Kafka describes a topic's min.insync.replicas=1 with source DYNAMIC_DEFAULT_BROKER_CONFIG
 * (isDefault false); Weir's broker configuration is static, so the same value is a plain default.
 * Rewrites exactly that entry of Kafka's answer, found by `entry`, to Weir's source and flag.
 */
export function minInsyncReplicasDynamicDefault(entry: (obs: Json) => Record<string, Json>, fields: { source: string; dynamic: Json; plain: Json }): Allowance {
  return {
    difference: "static-broker-config",
    what: "Kafka's min.insync.replicas=1 comes from a cluster-wide dynamic default written when its storage was formatted; Weir's is a static default",
    apply(obs, kind) {
      if (kind === "weir") return obs;
      const e = entry(obs);
      // Clients that read DescribeConfigs v1+ show only the source; older ones also an isDefault flag.
      if (e[fields.source] === fields.dynamic && (!("isDefault" in e) || e.isDefault === false)) {
        e[fields.source] = fields.plain;
        if ("isDefault" in e) e.isDefault = true;
      }
      return obs;
    },
  };
}
