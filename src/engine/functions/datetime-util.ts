/**
 * Calendar arithmetic on the engine's representation (timestamp = microseconds since the epoch,
 * date = days since the epoch, both UTC), Spark's default timestamp/date text forms, and Spark's
 * datetime patterns (`yyyy-MM-dd HH:mm:ss.SSS`) for formatting and parsing.
 */
import { WeirError } from "../../util/errors.js";

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_DAY = 86_400_000_000;

/** Civil date of a day number (Howard Hinnant's days_from_civil inverse), proleptic Gregorian. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Day number of a civil date (month 1-12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** True for leap years. */
export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days in a month (1-12). */
export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** The fields of a timestamp (microseconds), UTC. */
export interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micros: number;
}

/** Splits microseconds since the epoch into UTC calendar fields. */
export function microsToParts(us: number): DateTimeParts {
  const days = Math.floor(us / MICROS_PER_DAY);
  let rem = us - days * MICROS_PER_DAY;
  const hour = Math.floor(rem / 3_600_000_000);
  rem -= hour * 3_600_000_000;
  const minute = Math.floor(rem / 60_000_000);
  rem -= minute * 60_000_000;
  const second = Math.floor(rem / MICROS_PER_SECOND);
  const micros = rem - second * MICROS_PER_SECOND;
  return { ...civilFromDays(days), hour, minute, second, micros };
}

/** Joins UTC calendar fields into microseconds since the epoch. */
export function partsToMicros(p: DateTimeParts): number {
  return daysFromCivil(p.year, p.month, p.day) * MICROS_PER_DAY + ((p.hour * 60 + p.minute) * 60 + p.second) * MICROS_PER_SECOND + p.micros;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, "0");
  return n < 0 ? `-${s}` : s;
}

function yearText(y: number): string {
  return y > 9999 ? `+${y}` : pad(y, 4);
}

/** Spark's text of a date: `2024-01-31`. */
export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${yearText(year)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Spark's text of a timestamp (cast to string, show()): `2024-01-31 12:00:05.25`, fraction without trailing zeros. */
export function formatTimestamp(us: number): string {
  const p = microsToParts(us);
  let s = `${yearText(p.year)}-${pad(p.month, 2)}-${pad(p.day, 2)} ${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}`;
  if (p.micros !== 0) s += "." + pad(p.micros, 6).replace(/0+$/, "");
  return s;
}

const TS_RE =
  /^([+-]?\d{4,7})(?:-(\d{1,2})(?:-(\d{1,2})(?:(?:T| +)(\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:\.(\d*))?)?)?)?)?)?\s*(Z|UTC|GMT|(?:UTC|GMT)?[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?)?$/i;

function zoneOffsetSeconds(z: string | undefined): number {
  if (z === undefined) return 0;
  const m = /([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(z);
  if (m === null) return 0;
  const secs = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] === "-" ? -secs : secs;
}

function validDate(y: number, mo: number, d: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/**
 * Parses a timestamp as Spark's CAST(string AS TIMESTAMP) does: `yyyy[-[m]m[-[d]d[( |T)[h]h[:[m]m[:[s]s[.fraction]]]]]][zone]`
 * with zone `Z`, `UTC`, `+hh[:mm]`; surrounding whitespace ignored. Null when malformed.
 */
export function parseTimestampString(text: string): number | null {
  const m = TS_RE.exec(text.trim());
  if (m === null) return null;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const frac = m[7] ?? "";
  if (frac.length > 9) return null;
  const micros = frac === "" ? 0 : Math.floor(Number(frac.padEnd(6, "0").slice(0, 6)));
  return partsToMicros({ year, month, day, hour, minute, second, micros }) - zoneOffsetSeconds(m[8]) * MICROS_PER_SECOND;
}

const DATE_RE = /^([+-]?\d{4,7})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ].*)?)?)?$/;

/** Parses a date as Spark's CAST(string AS DATE): `yyyy`, `yyyy-[m]m`, `yyyy-[m]m-[d]d` and anything after ` ` or `T` ignored. */
export function parseDateString(text: string): number | null {
  const m = DATE_RE.exec(text.trim());
  if (m === null) return null;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  if (!validDate(year, month, day)) return null;
  return daysFromCivil(year, month, day);
}

/** ISO day of week for a day number: 1 = Monday ... 7 = Sunday. */
export function isoDayOfWeek(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

/** Day of the year, 1-based. */
export function dayOfYear(days: number): number {
  const { year } = civilFromDays(days);
  return days - daysFromCivil(year, 1, 1) + 1;
}

// ---- Spark datetime patterns ----

type Token = { kind: "lit"; text: string } | { kind: "field"; letter: string; count: number };

const PATTERN_LETTERS = "GyuYMLdDQqEeFaHhKkmsSnNAVzOXxZ";

/** Splits a Spark datetime pattern into literal and field tokens; throws ANALYSIS-free WeirError("EXECUTION") for unknown letters. */
export function tokenizePattern(pattern: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) {
        out.push({ kind: "lit", text: "'" });
        i += 2;
        continue;
      }
      if (end < 0) throw badPattern(pattern, "unterminated quote");
      out.push({ kind: "lit", text: pattern.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      if (!PATTERN_LETTERS.includes(c)) throw badPattern(pattern, `unknown pattern letter '${c}'`);
      let j = i;
      while (j < pattern.length && pattern[j] === c) j++;
      out.push({ kind: "field", letter: c, count: j - i });
      i = j;
    } else if (c === "[" || c === "]") {
      i++; // optional sections: formatting prints them, parsing treats their content as optional (approximated as required)
    } else {
      out.push({ kind: "lit", text: c });
      i++;
    }
  }
  return out;
}

function badPattern(pattern: string, why: string): WeirError {
  return new WeirError("EXECUTION", `[INVALID_DATETIME_PATTERN] Unrecognized datetime pattern: ${pattern} (${why}).`, { details: { pattern } });
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** Compiles a Spark datetime pattern into a formatter of timestamps (microseconds, UTC). */
export function compileFormatter(pattern: string): (us: number) => string {
  const tokens = tokenizePattern(pattern);
  const parts = tokens.map((t): ((p: DateTimeParts, days: number) => string) => {
    if (t.kind === "lit") return () => t.text;
    const n = t.count;
    switch (t.letter) {
      case "y":
      case "u":
      case "Y":
        return (p) => (n === 2 ? pad(((p.year % 100) + 100) % 100, 2) : pad(p.year, n));
      case "M":
      case "L":
        return (p) => (n >= 4 ? MONTHS[p.month - 1] : n === 3 ? MONTHS[p.month - 1].slice(0, 3) : pad(p.month, n));
      case "d":
        return (p) => pad(p.day, n);
      case "D":
        return (_p, days) => pad(dayOfYear(days), n);
      case "Q":
      case "q":
        return (p) => pad(Math.floor((p.month - 1) / 3) + 1, n);
      case "E":
        return (_p, days) => (n >= 4 ? WEEKDAYS[isoDayOfWeek(days) - 1] : WEEKDAYS[isoDayOfWeek(days) - 1].slice(0, 3));
      case "e":
        return (_p, days) => pad((isoDayOfWeek(days) % 7) + 1, n);
      case "a":
        return (p) => (p.hour < 12 ? "AM" : "PM");
      case "H":
        return (p) => pad(p.hour, n);
      case "k":
        return (p) => pad(p.hour === 0 ? 24 : p.hour, n);
      case "h":
        return (p) => pad(p.hour % 12 === 0 ? 12 : p.hour % 12, n);
      case "K":
        return (p) => pad(p.hour % 12, n);
      case "m":
        return (p) => pad(p.minute, n);
      case "s":
        return (p) => pad(p.second, n);
      case "S":
        return (p) => pad(p.micros, 6).padEnd(n, "0").slice(0, n);
      case "X":
        return () => "Z";
      case "x":
        return () => (n === 1 ? "+00" : n === 3 || n === 5 ? "+00:00" : "+0000");
      case "Z":
        return () => (n === 4 ? "GMT" : n === 5 ? "Z" : "+0000");
      case "z":
      case "V":
        return () => "UTC";
      case "O":
        return () => "GMT";
      case "G":
        return (p) => (p.year > 0 ? "AD" : "BC");
      default:
        throw badPattern(pattern, `pattern letter '${t.letter}' is not supported`);
    }
  });
  return (us) => {
    const p = microsToParts(us);
    const days = Math.floor(us / MICROS_PER_DAY);
    let s = "";
    for (const f of parts) s += f(p, days);
    return s;
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * Compiles a Spark datetime pattern into a parser of whole strings to timestamps (microseconds,
 * UTC); the parser returns null when the text does not match the pattern or names an invalid date.
 */
export function compileParser(pattern: string): (text: string) => number | null {
  const tokens = tokenizePattern(pattern);
  let re = "^";
  const setters: Array<(p: DateTimeParts & { pm: number; offset: number }, v: string) => boolean> = [];
  for (const t of tokens) {
    if (t.kind === "lit") {
      re += escapeRegex(t.text);
      continue;
    }
    const n = t.count;
    const num = (min: number, max: number): string => `(\\d{${min},${max}})`;
    switch (t.letter) {
      case "y":
      case "u":
      case "Y":
        re += n === 2 ? num(2, 2) : num(n === 1 ? 1 : n, Math.max(n, 6));
        setters.push((p, v) => ((p.year = n === 2 ? 2000 + Number(v) : Number(v)), true));
        break;
      case "M":
      case "L":
        if (n >= 3) {
          re += n === 3 ? "([A-Za-z]{3})" : "([A-Za-z]+)";
          setters.push((p, v) => {
            const i = MONTHS.findIndex((m) => (n === 3 ? m.slice(0, 3) : m).toLowerCase() === v.toLowerCase());
            p.month = i + 1;
            return i >= 0;
          });
        } else {
          re += num(n, 2);
          setters.push((p, v) => ((p.month = Number(v)), true));
        }
        break;
      case "d":
        re += num(n, 2);
        setters.push((p, v) => ((p.day = Number(v)), true));
        break;
      case "H":
      case "k":
        re += num(n, 2);
        setters.push((p, v) => ((p.hour = Number(v) % 24), true));
        break;
      case "h":
      case "K":
        re += num(n, 2);
        setters.push((p, v) => ((p.hour = Number(v) % 12), true));
        break;
      case "a":
        re += "([AaPp][Mm])";
        setters.push((p, v) => ((p.pm = v.toLowerCase() === "pm" ? 1 : 0), true));
        break;
      case "m":
        re += num(n, 2);
        setters.push((p, v) => ((p.minute = Number(v)), true));
        break;
      case "s":
        re += num(n, 2);
        setters.push((p, v) => ((p.second = Number(v)), true));
        break;
      case "S":
        re += num(n, n);
        setters.push((p, v) => ((p.micros = Number(v.padEnd(6, "0").slice(0, 6))), true));
        break;
      case "E":
        re += "[A-Za-z]+";
        break;
      case "X":
      case "x":
      case "Z":
        re += "(Z|[+-]\\d{2}(?::?\\d{2})?)";
        setters.push((p, v) => ((p.offset = zoneOffsetSeconds(v)), true));
        break;
      case "z":
      case "V":
      case "O":
        re += "(?:UTC|GMT|Z)";
        break;
      default:
        throw badPattern(pattern, `pattern letter '${t.letter}' is not supported for parsing`);
    }
  }
  const regex = new RegExp(re + "$");
  return (text) => {
    const m = regex.exec(text);
    if (m === null) return null;
    const p = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, micros: 0, pm: -1, offset: 0 };
    for (let i = 0; i < setters.length; i++) if (!setters[i](p, m[i + 1])) return null;
    if (p.pm === 1) p.hour += 12;
    if (!validDate(p.year, p.month, p.day) || p.hour > 23 || p.minute > 59 || p.second > 59) return null;
    return partsToMicros(p) - p.offset * MICROS_PER_SECOND;
  };
}
