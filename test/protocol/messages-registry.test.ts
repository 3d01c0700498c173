// The API registry, the API key table and the Kafka error table.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiKey, apiName, firstFlexibleVersion, isKnownApiKey } from "../../src/protocol/api-keys.js";
import { KafkaErrors, allKafkaErrors, isRetriableKafkaError, kafkaErrorByCode, kafkaErrorName } from "../../src/protocol/errors.js";
import type { RequestOf, ResponseInputOf } from "../../src/protocol/messages/index.js";
import { apis, getApi, isRegisteredApiKey, registeredApis } from "../../src/protocol/messages/index.js";
import { encodeToBuffer, decodeExact } from "../../src/protocol/schema/index.js";

describe("API keys", () => {
  it("name every key from 0 to 87 once", () => {
    const keys = Object.values(ApiKey).sort((a, b) => a - b);
    assert.deepStrictEqual(keys, Array.from({ length: 88 }, (_, i) => i));
    assert.equal(ApiKey.Produce, 0);
    assert.equal(ApiKey.ApiVersions, 18);
    assert.equal(ApiKey.OffsetDelete, 47);
    assert.equal(apiName(3), "Metadata");
    assert.ok(!isKnownApiKey(999));
  });

  it("know the first flexible version of every key", () => {
    for (const key of Object.values(ApiKey)) assert.notEqual(firstFlexibleVersion(key), undefined);
    assert.equal(firstFlexibleVersion(ApiKey.SaslHandshake), -1);
    assert.equal(firstFlexibleVersion(ApiKey.Fetch), 12);
  });
});

describe("registry", () => {
  it("holds the 22 APIs the broker needs, in key order", () => {
    assert.deepStrictEqual(
      registeredApis().map((a) => a.apiKey),
      [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 22, 32, 37, 42, 44, 47],
    );
    assert.ok(isRegisteredApiKey(ApiKey.Fetch) && !isRegisteredApiKey(ApiKey.SaslHandshake));
    assert.equal(getApi(ApiKey.Fetch)?.request.name, "FetchRequest");
  });

  it("agrees with the API key table on names and flexible versions", () => {
    for (const api of registeredApis()) {
      assert.equal(apiName(api.apiKey), api.name);
      assert.equal(api.flexibleVersions.min > api.flexibleVersions.max ? -1 : api.flexibleVersions.min, firstFlexibleVersion(api.apiKey));
      assert.equal(api.request.type, "request");
      assert.equal(api.response.type, "response");
    }
  });

  it("covers the version targets the broker and current clients need", () => {
    const targets: [number, number][] = [
      [ApiKey.ApiVersions, 4], [ApiKey.Metadata, 12], [ApiKey.Produce, 11], [ApiKey.Fetch, 16], [ApiKey.ListOffsets, 9],
      [ApiKey.CreateTopics, 7], [ApiKey.DeleteTopics, 6], [ApiKey.CreatePartitions, 3], [ApiKey.DescribeConfigs, 4],
      [ApiKey.IncrementalAlterConfigs, 1], [ApiKey.InitProducerId, 5], [ApiKey.OffsetCommit, 9], [ApiKey.OffsetFetch, 9],
      [ApiKey.FindCoordinator, 6], [ApiKey.JoinGroup, 9], [ApiKey.Heartbeat, 4], [ApiKey.LeaveGroup, 5], [ApiKey.SyncGroup, 5],
      [ApiKey.DescribeGroups, 5], [ApiKey.ListGroups, 5], [ApiKey.DeleteGroups, 2], [ApiKey.OffsetDelete, 0],
    ];
    for (const [key, max] of targets) {
      const api = getApi(key)!;
      assert.equal(api.validVersions.min, 0, api.name);
      assert.ok(api.validVersions.max >= max, `${api.name} reaches v${max}`);
    }
  });

  it("gives handlers typed requests and responses", () => {
    const fetch = apis[ApiKey.Fetch];
    const req: RequestOf<typeof ApiKey.Fetch> = decodeExact(fetch.request, 13, encodeToBuffer(fetch.request, 13, { maxWaitMs: 5 }));
    const maxWait: number = req.maxWaitMs;
    const topicId: string | undefined = req.topics[0]?.topicId;
    const out: ResponseInputOf<typeof ApiKey.Fetch> = { responses: [{ topicId: "00000000-0000-0000-0000-000000000001", partitions: [{ records: null }] }] };
    assert.equal(maxWait, 5);
    assert.equal(topicId, undefined);
    assert.ok(encodeToBuffer(fetch.response, 13, out).length > 0);
  });
});

describe("Kafka error table", () => {
  it("has every code from -1 through 128 exactly once", () => {
    const codes = allKafkaErrors().map((e) => e.code);
    assert.deepStrictEqual(codes, Array.from({ length: 130 }, (_, i) => i - 1));
    assert.equal(new Set(allKafkaErrors().map((e) => e.name)).size, 130);
  });

  it("exposes constants by name", () => {
    assert.equal(KafkaErrors.NONE.code, 0);
    assert.equal(KafkaErrors.OFFSET_OUT_OF_RANGE.code, 1);
    assert.equal(KafkaErrors.UNSUPPORTED_VERSION.code, 35);
    assert.equal(KafkaErrors.UNKNOWN_TOPIC_ID.code, 100);
    assert.equal(KafkaErrors.TRANSACTION_ABORTABLE.code, 120);
    assert.equal(kafkaErrorByCode(16)?.name, "NOT_COORDINATOR");
    assert.equal(kafkaErrorName(-1), "UNKNOWN_SERVER_ERROR");
    assert.equal(kafkaErrorName(4242), "UNKNOWN(4242)");
    assert.equal(kafkaErrorByCode(4242), undefined);
  });

  it("marks retriable errors as the protocol guide does", () => {
    for (const name of ["CORRUPT_MESSAGE", "UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE", "NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT",
      "NETWORK_EXCEPTION", "COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR", "NOT_ENOUGH_REPLICAS",
      "KAFKA_STORAGE_ERROR", "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH", "OFFSET_NOT_AVAILABLE", "UNKNOWN_TOPIC_ID",
      "CONCURRENT_TRANSACTIONS", "THROTTLING_QUOTA_EXCEEDED", "UNSTABLE_OFFSET_COMMIT"] as const) {
      assert.equal(KafkaErrors[name].retriable, true, name);
    }
    for (const name of ["NONE", "UNKNOWN_SERVER_ERROR", "OFFSET_OUT_OF_RANGE", "MESSAGE_TOO_LARGE", "REBALANCE_IN_PROGRESS",
      "UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION", "UNSUPPORTED_VERSION", "TOPIC_ALREADY_EXISTS", "INVALID_RECORD", "PRODUCER_FENCED"] as const) {
      assert.equal(KafkaErrors[name].retriable, false, name);
    }
    assert.ok(isRetriableKafkaError(6) && !isRetriableKafkaError(4242));
  });

  it("carries Kafka's messages", () => {
    assert.match(KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.message, /does not host this topic-partition/);
    assert.equal(KafkaErrors.NONE.message, "");
  });
});
