/**
 * The intended differences between Weir and Apache Kafka, one per row of the table "Intended
 * differences from Apache Kafka" in docs/compatibility.md, keyed by the id in its first column.
 * A scenario's allowance cites one of these; the suite checks that this list and the doc's table
 * name the same ids, so no allowance exists without its documented reason.
 */
export const INTENDED = {
  "version-ranges": "Other version ranges, and 22 APIs where Kafka 4.3 has about 60",
  "no-fetch-sessions": "No fetch sessions (KIP-227)",
  "one-node": "One node: node 1 leads every partition; acks=all is acks=1",
  "auto-create-on-produce": "Topics are auto-created on Produce as well as on Metadata",
  "fetch-wait-cap": "Fetch's max_wait_ms is capped at 30 s",
  "no-transactions": "Transactions are not supported yet",
  "static-broker-config": "The broker's configuration is static",
  "produce-error-message": "Produce errors carry a message saying what was wrong",
  "cluster-topic-configs": "Kafka's cluster-only topic configs are accepted but some values are refused",
} as const;

export type IntendedId = keyof typeof INTENDED;
