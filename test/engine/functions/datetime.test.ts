import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DateType, LongType, StringType, TimestampType, simpleString } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { civilFromDays, compileFormatter, compileParser, daysFromCivil } from "../../../src/engine/functions/datetime-util.js";
import { colv, evalScalar as ev, evalWithType, lit } from "./helpers.js";

const ts = (iso: string): number => Date.parse(iso) * 1000;
const T = (iso: string) => lit(ts(iso), TimestampType);
const D = (iso: string) => lit(Date.parse(iso) / 86_400_000, DateType);
const days = (iso: string): number => Date.parse(iso) / 86_400_000;

const cases: [string, unknown[], unknown][] = [
  ["to_timestamp", ["2016-12-31 00:12:00"], ts("2016-12-31T00:12:00Z")],
  ["to_timestamp", ["2016-12-31", "yyyy-MM-dd"], ts("2016-12-31T00:00:00Z")],
  ["to_timestamp", ["31/12/2016 10:30", "dd/MM/yyyy HH:mm"], ts("2016-12-31T10:30:00Z")],
  ["to_timestamp", ["2016-12-31 10:30:00.123", "yyyy-MM-dd HH:mm:ss.SSS"], ts("2016-12-31T10:30:00.123Z")],
  ["to_timestamp", ["Dec 31 2016 10:30 PM", "MMM dd yyyy hh:mm a"], ts("2016-12-31T22:30:00Z")],
  ["to_timestamp", ["2016-12-31T10:30:00+0100", "yyyy-MM-dd'T'HH:mm:ssZ"], ts("2016-12-31T09:30:00Z")],
  ["to_timestamp", [D("2020-01-02")], ts("2020-01-02T00:00:00Z")],
  ["try_to_timestamp", ["foo", "yyyy-MM-dd"], null],
  ["try_to_timestamp", ["2016-12-31", "yyyy-MM-dd"], ts("2016-12-31T00:00:00Z")],
  ["to_date", ["2009-07-30 04:17:52"], days("2009-07-30")],
  ["to_date", ["2016-12-31", "yyyy-MM-dd"], days("2016-12-31")],
  ["to_date", ["12/31/2016", "MM/dd/yyyy"], days("2016-12-31")],
  ["to_date", [T("2016-12-31T23:00:00Z")], days("2016-12-31")],
  ["try_to_date", ["x"], null],
  ["from_unixtime", [0], "1970-01-01 00:00:00"],
  ["from_unixtime", [0, "yyyy-MM-dd HH:mm:ss"], "1970-01-01 00:00:00"],
  ["from_unixtime", [1700000000, "yyyy/MM/dd"], "2023/11/14"],
  ["unix_timestamp", ["2016-04-08", "yyyy-MM-dd"], 1460073600],
  ["unix_timestamp", ["1970-01-01 00:00:10"], 10],
  ["unix_timestamp", [T("2016-04-08T00:00:01Z")], 1460073601],
  ["to_unix_timestamp", ["2016-04-08", "yyyy-MM-dd"], 1460073600],
  ["date_trunc", ["YEAR", "2015-03-05T09:32:05.359"], ts("2015-01-01T00:00:00Z")],
  ["date_trunc", ["MM", "2015-03-05T09:32:05.359"], ts("2015-03-01T00:00:00Z")],
  ["date_trunc", ["DD", "2015-03-05T09:32:05.359"], ts("2015-03-05T00:00:00Z")],
  ["date_trunc", ["HOUR", "2015-03-05T09:32:05.359"], ts("2015-03-05T09:00:00Z")],
  ["date_trunc", ["MILLISECOND", "2015-03-05T09:32:05.123456"], ts("2015-03-05T09:32:05.123Z")],
  ["date_trunc", ["quarter", "2015-05-05 10:00:00"], ts("2015-04-01T00:00:00Z")],
  ["date_trunc", ["week", "2024-01-04 10:00:00"], ts("2024-01-01T00:00:00Z")],
  ["date_trunc", ["minute", T("2024-01-04T10:11:12Z")], ts("2024-01-04T10:11:00Z")],
  ["date_trunc", ["second", T("2024-01-04T10:11:12.5Z")], ts("2024-01-04T10:11:12Z")],
  ["date_trunc", ["fortnight", T("2024-01-04T10:11:12Z")], null],
  ["trunc", ["2019-08-04", "week"], days("2019-07-29")],
  ["trunc", ["2019-08-04", "quarter"], days("2019-07-01")],
  ["trunc", ["2009-02-12", "MM"], days("2009-02-01")],
  ["trunc", ["2015-10-27", "YEAR"], days("2015-01-01")],
  ["date_format", ["2016-04-08", "y"], "2016"],
  ["date_format", [T("2024-03-05T07:08:09.123Z"), "yyyy-MM-dd HH:mm:ss.SSS"], "2024-03-05 07:08:09.123"],
  ["date_format", [T("2024-03-05T17:08:09Z"), "EEE, d MMM yyyy hh:mm a"], "Tue, 5 Mar 2024 05:08 PM"],
  ["date_format", [T("2024-03-05T17:08:09Z"), "EEEE MMMM dd 'at' HH'h'"], "Tuesday March 05 at 17h"],
  ["date_format", [T("2024-03-05T17:08:09Z"), "yyyy-MM-dd'T'HH:mm:ssXXX"], "2024-03-05T17:08:09Z"],
  ["date_format", [T("2024-03-05T17:08:09Z"), "yy D Q"], "24 65 1"],
  ["year", ["2016-07-30"], 2016],
  ["quarter", ["2016-08-31"], 3],
  ["month", ["2016-07-30"], 7],
  ["dayofmonth", ["2009-07-30"], 30],
  ["day", ["2009-07-30"], 30],
  ["dayofweek", ["2009-07-30"], 5],
  ["dayofweek", ["2024-01-07"], 1],
  ["weekday", ["2009-07-30"], 3],
  ["dayofyear", ["2016-04-09"], 100],
  ["weekofyear", ["2008-02-20"], 8],
  ["weekofyear", ["2021-01-01"], 53],
  ["year", [T("2024-12-31T23:59:59Z")], 2024],
  ["hour", ["2009-07-30 12:58:59"], 12],
  ["minute", ["2009-07-30 12:58:59"], 58],
  ["second", ["2009-07-30 12:58:59"], 59],
  ["hour", [T("1969-12-31T23:00:00Z")], 23],
  ["datediff", ["2009-07-31", "2009-07-30"], 1],
  ["datediff", ["2009-07-30", "2009-07-31"], -1],
  ["date_add", ["2016-07-30", 1], days("2016-07-31")],
  ["date_sub", ["2016-07-30", 1], days("2016-07-29")],
  ["date_add", [T("2016-07-30T10:00:00Z"), 2], days("2016-08-01")],
  ["add_months", ["2016-08-31", 1], days("2016-09-30")],
  ["add_months", ["2016-01-31", -2], days("2015-11-30")],
  ["last_day", ["2009-01-12"], days("2009-01-31")],
  ["last_day", ["2024-02-12"], days("2024-02-29")],
  ["make_date", [2013, 7, 15], days("2013-07-15")],
  ["timestamp_seconds", [1230219000], ts("2008-12-25T15:30:00Z")],
  ["timestamp_seconds", [1230219000.123], ts("2008-12-25T15:30:00.123Z")],
  ["timestamp_millis", [1230219000123], ts("2008-12-25T15:30:00.123Z")],
  ["unix_seconds", [T("1970-01-01T00:00:01Z")], 1],
  ["unix_millis", [T("1970-01-01T00:00:01Z")], 1000],
  ["unix_seconds", [lit(-1, TimestampType)], -1],
  ["from_utc_timestamp", ["2016-08-31", "+09:00"], ts("2016-08-31T09:00:00Z")],
  ["to_utc_timestamp", ["2016-08-31", "+09:00"], ts("2016-08-30T15:00:00Z")],
];

describe("date and time functions", () => {
  for (const [fn, args, want] of cases) {
    it(`${fn}(${args.map((a) => JSON.stringify(a)).join(", ")}) = ${JSON.stringify(want)}`, () => assert.deepEqual(ev(fn, ...args), want));
  }
  it("ANSI: to_timestamp with a pattern fails on text that does not match", () => {
    assert.throws(() => ev("to_timestamp", "foo", "yyyy-MM-dd"), (e: unknown) => isWeirError(e, "EXECUTION") && /^\[CANNOT_PARSE_TIMESTAMP\].*'foo'.*try_to_timestamp/.test(e.message));
    assert.throws(() => ev("to_timestamp", "2016-13-01", "yyyy-MM-dd"), /CANNOT_PARSE_TIMESTAMP/);
    assert.throws(() => ev("unix_timestamp", "x"), /CANNOT_PARSE_TIMESTAMP/);
  });
  it("ANSI: to_timestamp without a pattern fails like a cast", () => {
    assert.throws(() => ev("to_timestamp", "foo"), /CAST_INVALID_INPUT/);
    assert.throws(() => ev("to_date", "foo"), /CAST_INVALID_INPUT/);
  });
  it("an unknown pattern letter fails", () => assert.throws(() => ev("date_format", T("2024-01-01T00:00:00Z"), "yyyy-bb"), /INVALID_DATETIME_PATTERN/));
  it("make_date rejects an invalid date", () => assert.throws(() => ev("make_date", 2023, 2, 30), /DATETIME_FIELD_OUT_OF_BOUNDS/));
  it("result types", () => {
    assert.equal(simpleString(evalWithType("to_timestamp", "2020-01-01").dataType), "timestamp");
    assert.equal(simpleString(evalWithType("to_date", "2020-01-01").dataType), "date");
    assert.equal(simpleString(evalWithType("unix_timestamp", "2020-01-01 00:00:00").dataType), "bigint");
    assert.equal(simpleString(evalWithType("year", "2020-01-01").dataType), "int");
  });
  it("current_timestamp and current_date are constant within one evaluator", () => {
    const a = ev("current_timestamp") as number;
    assert.ok(Math.abs(a - Date.now() * 1000) < 5_000_000);
    assert.equal(ev("current_date"), Math.floor(Date.now() / 86_400_000));
  });
  it("patterns from columns work", () => {
    assert.equal(ev("date_format", colv(0, TimestampType), colv("yyyy", StringType)), "1970");
    assert.equal(ev("unix_timestamp", colv("1970/01/02", StringType), colv("yyyy/MM/dd", StringType)), 86400);
    void LongType;
  });
  it("days ↔ civil dates round-trip (property)", () => {
    fc.assert(fc.property(fc.integer({ min: -1_000_000, max: 3_000_000 }), (d) => {
      const c = civilFromDays(d);
      return daysFromCivil(c.year, c.month, c.day) === d;
    }));
  });
  it("format then parse with the same pattern round-trips (property)", () => {
    const fmt = compileFormatter("yyyy-MM-dd HH:mm:ss.SSSSSS");
    const parse = compileParser("yyyy-MM-dd HH:mm:ss.SSSSSS");
    fc.assert(fc.property(fc.integer({ min: 0, max: 253402300799 }), fc.integer({ min: 0, max: 999999 }), (s, us) => parse(fmt(s * 1e6 + us)) === s * 1e6 + us));
  });
});
