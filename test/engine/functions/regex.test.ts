import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { StringType } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { javaRegex, javaSplit, likeRegex } from "../../../src/engine/functions/regex.js";
import { colv, evalScalar as ev } from "./helpers.js";

const cases: [string, unknown[], unknown][] = [
  ["like", ["Spark", "_park"], true],
  ["like", ["Spark", "S%"], true],
  ["like", ["Spark", "s%"], false],
  ["like", ["a\nb", "a%b"], true],
  ["like", ["%SystemDrive%\\Users\\John", "\\%SystemDrive\\%\\\\Users%"], true],
  ["like", ["%SystemDrive%/Users/John", "/%SystemDrive/%//Users%", "/"], true],
  ["like", ["a.c", "a.c"], true],
  ["like", ["abc", "a.c"], false],
  ["ilike", ["Spark", "_PARK"], true],
  ["rlike", ["abc123", "\\d+"], true],
  ["rlike", ["abc", "^\\d+$"], false],
  ["regexp_like", ["ABC", "(?i)abc"], true],
  ["regexp", ["abc", "^\\p{Alpha}+$"], true],
  ["rlike", ["a1", "^\\p{Alnum}{2}$"], true],
  ["rlike", ["ab", "\\Aab\\z"], true],
  ["rlike", ["aaa", "a*+"], true],
  ["rlike", ["a.b", "\\Qa.b\\E"], true],
  ["rlike", ["axb", "^\\Qa.b\\E$"], false],
  ["regexp_extract", ["100-200", "(\\d+)-(\\d+)", 1], "100"],
  ["regexp_extract", ["100-200", "(\\d+)-(\\d+)", 2], "200"],
  ["regexp_extract", ["100-200", "(\\d+)-(\\d+)", 0], "100-200"],
  ["regexp_extract", ["100-200", "(\\d+)-(\\d+)"], "100"],
  ["regexp_extract", ["foo", "(\\d+)", 1], ""],
  ["regexp_extract", ["ab", "(a)|(b)", 2], ""],
  ["regexp_extract_all", ["100-200, 300-400", "(\\d+)-(\\d+)", 1], ["100", "300"]],
  ["regexp_extract_all", ["100-200, 300-400", "(\\d+)-(\\d+)"], ["100", "300"]],
  ["regexp_replace", ["100-200", "(\\d+)", "num"], "num-num"],
  ["regexp_replace", ["a1b2", "(\\d)", "<$1>"], "a<1>b<2>"],
  ["regexp_replace", ["a1", "\\d", "\\$"], "a$"],
  ["regexp_replace", ["aaa", "a", "b", 2], "abb"],
  ["split", ["oneAtwoBthreeC", "[ABC]"], ["one", "two", "three", ""]],
  ["split", ["oneAtwoBthreeC", "[ABC]", -1], ["one", "two", "three", ""]],
  ["split", ["oneAtwoBthreeC", "[ABC]", 2], ["one", "twoBthreeC"]],
  ["split", ["abc", ""], ["a", "b", "c"]],
  ["split", ["a,b,,c,,", ","], ["a", "b", "", "c", "", ""]],
  ["split", ["", ","], [""]],
  ["split", [",a", ","], ["", "a"]],
  ["split", [" a  b ", " "], ["", "a", "", "b", ""]],
  ["split", ["a,b,c", ",", 2], ["a", "b,c"]],
  ["split", ["xAyaz", "(?i)a"], ["x", "y", "z"]],
  ["regexp_count", ["Steven Jones and Stephen Smith are the best players", "Ste(v|ph)en"], 2],
  // Regression: a character above U+FFFF (two UTF-16 units) is one character, as in Java.
  ["like", ["😀", "_"], true],
  ["like", ["ab😀", "%b_"], true],
  ["like", ["😀😀", "_"], false],
  ["rlike", ["😀", "^.$"], true],
  ["rlike", ["a😀", "^[^b]{2}$"], true],
  ["regexp_extract", ["xy😀𝄞", "(.)(.)$", 1], "😀"],
  ["regexp_replace", ["a😀b", ".", "*"], "***"],
  ["regexp_replace", ["a😀b", "x*", "-"], "-a-😀-b-"],
  ["split", ["a😀b", "."], ["", "", "", ""]],
  ["split", ["a😀b", ""], ["a", "😀", "b"]],
  ["split", ["😀,😀", "(?=,)"], ["😀", ",😀"]],
  // Regression: Java escapes and literals that JavaScript's `u` mode refuses.
  ["rlike", ["a-b", "^a\\-b$"], true],
  ["rlike", ["a:b", "a\\:b"], true],
  ["rlike", ["x]y}", "x]y}"], true],
  ["rlike", ["w-", "^[\\w-]+$"], true],
  ["rlike", ["a-b.c", "^\\Qa-b.c\\E$"], true],
  ["rlike", ["A", "^\\x{41}$"], true],
  ["rlike", ["A", "^\\0101$"], true],
  ["rlike", ["\u001b", "^\\e$"], true],
  ["rlike", ["é", "^\\p{L}$"], true],
  ["rlike", ["é", "^\\pL$"], true],
  ["rlike", ["é", "^\\p{IsLatin}$"], true],
  // Java's \s is ASCII whitespace; `.` and `$` know Java's line terminators.
  ["rlike", ["\u00a0", "\\s"], false],
  ["rlike", ["\u00a0", "\\h"], true],
  ["rlike", ["\u0085", "."], false],
  ["regexp_extract", ["ab\n", "(.)$", 1], "b"],
  ["rlike", ["ab\n", "b\\z"], false],
];

describe("LIKE and regex functions", () => {
  for (const [fn, args, want] of cases) {
    it(`${fn}(${args.map((a) => JSON.stringify(a)).join(", ")}) = ${JSON.stringify(want)}`, () => assert.deepEqual(ev(fn, ...args), want));
  }
  it("patterns from columns are compiled per value", () => {
    assert.equal(ev("rlike", colv("abc", StringType), colv("b", StringType)), true);
    assert.equal(ev("rlike", colv("abc", StringType), colv("^b", StringType)), false);
    assert.equal(ev("like", colv("abc", StringType), colv("a%", StringType)), true);
  });
  it("a group index out of range fails", () => {
    assert.throws(() => ev("regexp_extract", "100-200", "(\\d+)-(\\d+)", 3), (e: unknown) => isWeirError(e, "EXECUTION") && /REGEX_GROUP_INDEX/.test(e.message));
  });
  it("an invalid regex fails with the pattern named", () => {
    assert.throws(() => ev("rlike", "a", "(unclosed"), (e: unknown) => isWeirError(e, "EXECUTION") && /\(unclosed/.test(e.message));
  });
  it("an escape before an ordinary character in LIKE fails", () => {
    assert.throws(() => likeRegex("a\\b"), /ESC_IN_THE_MIDDLE/);
  });
  it("split with a limit keeps the rest in the last element (property)", () => {
    fc.assert(fc.property(fc.array(fc.stringMatching(/^[a-z]*$/), { maxLength: 6 }), fc.integer({ min: 1, max: 8 }), (parts, limit) => {
      const s = parts.join(",");
      const got = javaSplit(s, javaRegex(",", "g"), limit);
      return got.join(",") === s && got.length <= limit;
    }));
  });
  it("split without limit agrees with String.split for a literal separator", () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const want = s.split(";");
      return JSON.stringify(javaSplit(s, javaRegex(";", "g"), -1)) === JSON.stringify(want);
    }));
  });
});
