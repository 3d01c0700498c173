// Body parsing without a server: syntax errors located by line and column, every record shape,
// and the encodings of keys, values and headers.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { IngestError } from "../../../src/connectors/http-ingest/errors.js";
import { findJsonError, positionOf } from "../../../src/connectors/http-ingest/json-position.js";
import { parseBody } from "../../../src/connectors/http-ingest/parse.js";
import { bodyFormat } from "../../../src/connectors/http-ingest/server.js";

function fails(fn: () => unknown, code: number, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof IngestError, String(e));
    assert.equal(e.errorCode, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

describe("findJsonError", () => {
  it("accepts what JSON.parse accepts", () => {
    for (const t of ['{"a":[1,-2.5e3,"x\\u00e9",true,false,null,{}]}', " [ ] ", '"s"', "0"]) assert.equal(findJsonError(t), null, t);
  });

  it("points at the first byte that cannot continue the text", () => {
    const cases: [string, number, RegExp][] = [
      ['{"a":}', 5, /expected a JSON value/],
      ['{"a" 1}', 5, /expected ':'/],
      ["[1 2]", 3, /expected ',' or '\]'/],
      ["{a:1}", 1, /property name/],
      ['{"a":1}}', 7, /after the end/],
      ['["x\\q"]', 3, /invalid escape/],
      ['{"a":[1,', 8, /unexpected end of input/],
      ["[01]", 2, /expected ',' or '\]'/],
      ['"abc', 0, /unterminated string/],
    ];
    for (const [text, offset, reason] of cases) {
      const e = findJsonError(text);
      assert.ok(e !== null, text);
      assert.equal(e.offset, offset, text);
      assert.match(e.reason, reason);
    }
  });

  it("survives deep nesting without recursion", () => {
    assert.equal(findJsonError("[".repeat(200_000))?.offset, 200_000);
  });

  it("gives 1-based lines and columns", () => {
    assert.deepEqual(positionOf("ab\ncd\nef", 4), { line: 2, column: 2 });
    assert.deepEqual(positionOf("ab", 0), { line: 1, column: 1 });
  });
});

describe("parseBody", () => {
  it("reads one record, an array, the v2 envelope and NDJSON alike", () => {
    const one = parseBody('{"value":"a"}', "json");
    assert.equal(one.length, 1);
    assert.equal(parseBody('[{"value":"a"},{"value":"b"}]', "json").length, 2);
    assert.equal(parseBody('{"records":[{"value":"a"},{"value":"b"},{"value":"c"}]}', "json").length, 3);
    assert.equal(parseBody('{"value":"a"}\r\n\n{"value":"b"}\n', "ndjson").length, 2);
    assert.equal(parseBody('{"value":"a"}\n{"value":"b"}', "detect").length, 2);
    assert.equal(parseBody('[{"value":"a"}]', "detect").length, 1);
  });

  it("encodes values: objects as JSON text, strings as is, BINARY as bytes, null as null", () => {
    const rs = parseBody(
      JSON.stringify([
        { value: { n: 1, s: "é" } },
        { value: "plain text" },
        { value: { type: "BINARY", data: Buffer.from([0, 255, 7]).toString("base64") } },
        { value: null },
        { value: 42 },
        { value: { type: "JSON", data: [1, 2] } },
        { value: { type: "STRING", data: "s" } },
        { value: { type: "click", data: 1, x: 2 } },
      ]),
      "json",
    );
    assert.deepEqual(
      rs.map((r) => r.value),
      [Buffer.from('{"n":1,"s":"é"}'), Buffer.from("plain text"), Buffer.from([0, 255, 7]), null, Buffer.from("42"), Buffer.from("[1,2]"), Buffer.from("s"), Buffer.from('{"type":"click","data":1,"x":2}')],
    );
  });

  it("takes headers as an object or as an array of {key|name, value}", () => {
    const [a, b] = parseBody(JSON.stringify([{ value: 1, headers: { h: "x", n: null } }, { value: 1, headers: [{ key: "h", value: "y" }, { name: "b", value: { type: "BINARY", data: "AAE=" } }] }]), "json");
    assert.deepEqual(a.headers, [{ key: "h", value: Buffer.from("x") }, { key: "n", value: null }]);
    assert.deepEqual(b.headers, [{ key: "h", value: Buffer.from("y") }, { key: "b", value: Buffer.from([0, 1]) }]);
  });

  it("takes timestamps as epoch ms or ISO-8601", () => {
    const rs = parseBody(JSON.stringify([{ value: 1, timestamp: 1700000000000 }, { value: 1, timestamp: "2023-11-14T22:13:20Z" }, { value: 1 }]), "json");
    assert.deepEqual(
      rs.map((r) => r.timestamp),
      [1700000000000, 1700000000000, null],
    );
  });

  it("names the line and column of a syntax error, in JSON and in NDJSON", () => {
    fails(() => parseBody('[\n  {"value": 1},\n  {"value": }\n]', "json"), 40001, /line 3, column 13/);
    fails(() => parseBody('{"value":1}\n{"value":2}\n{"value":3,}\n', "ndjson"), 40001, /line 3, column 12/);
    fails(() => parseBody('{"value":1', "detect"), 40001, /line 1, column 11: unexpected end of input/);
  });

  it("names the record and the field of a bad record", () => {
    fails(() => parseBody('[{"value":1},{"key":"k"}]', "json"), 40002, /record 1: field "value" is missing/);
    fails(() => parseBody('[{"value":1},{"value":1,"partiton":2}]', "json"), 40002, /record 1: unknown field "partiton"/);
    fails(() => parseBody('[{"value":1,"partition":-1}]', "json"), 40002, /record 0: field "partition" must be a non-negative integer/);
    fails(() => parseBody('[{"value":1,"partition":1.5}]', "json"), 40002, /field "partition"/);
    fails(() => parseBody('[{"value":1,"timestamp":"yesterday"}]', "json"), 40002, /record 0: field "timestamp"/);
    fails(() => parseBody('[{"value":1,"headers":"h"}]', "json"), 40002, /field "headers" must be an object/);
    fails(() => parseBody('[{"value":1,"headers":[{"value":"v"}]}]', "json"), 40002, /field "headers" item 0/);
    fails(() => parseBody('[{"value":{"type":"BINARY","data":"not base64!"}}]', "json"), 40002, /field "value" has type BINARY/);
    fails(() => parseBody('[{"value":{"type":"AVRO","data":{}}}]', "json"), 40002, /schema registry/);
    fails(() => parseBody("[1]", "json"), 40002, /record 0: a record must be a JSON object/);
    fails(() => parseBody('{"value":1}\n\n"x"', "ndjson"), 40002, /record 1 \(line 3\)/);
    fails(() => parseBody("[]", "json"), 40002, /no records/);
    fails(() => parseBody("  ", "json"), 40002, /empty/);
    fails(() => parseBody("42", "json"), 40002, /not a number/);
  });
});

describe("bodyFormat", () => {
  it("maps Content-Types to formats and refuses the rest", () => {
    assert.equal(bodyFormat("application/json; charset=utf-8"), "json");
    assert.equal(bodyFormat("application/vnd.kafka.json.v2+json"), "json");
    assert.equal(bodyFormat("application/x-ndjson"), "ndjson");
    assert.equal(bodyFormat(undefined), "detect");
    assert.equal(bodyFormat("text/plain"), "detect");
    fails(() => bodyFormat("application/xml"), 41501, /application\/xml is not supported/);
    fails(() => bodyFormat("application/x-www-form-urlencoded"), 41501, /application\/json/);
    fails(() => bodyFormat("application/json; charset=latin1"), 41501, /charset latin1/);
  });
});
