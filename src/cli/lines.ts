/**
 * Input of `weir produce`: a byte stream cut into lines (records), and a line cut into key and
 * value at a separator, as kcat's `-K` does. Bytes stay bytes: nothing is decoded as text, so
 * values that are not UTF-8 arrive unchanged.
 */

/** The line feed that ends a line. */
const LF = 0x0a;

/**
 * The lines of `input` without their "\n" (a "\r" before it is kept: it is data). A last line
 * without "\n" is a line too; the empty string after a final "\n" is not. `onBytes` is told of
 * every chunk read (for progress).
 */
export async function* readLines(input: AsyncIterable<Buffer | string>, onBytes?: (n: number) => void): AsyncGenerator<Buffer, void, undefined> {
  let rest: Buffer | null = null;
  for await (const chunk of input) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    onBytes?.(buf.length);
    let start = 0;
    let nl = buf.indexOf(LF);
    while (nl >= 0) {
      const piece = buf.subarray(start, nl);
      if (rest !== null) {
        yield Buffer.concat([rest, piece]);
        rest = null;
      } else {
        yield piece;
      }
      start = nl + 1;
      nl = buf.indexOf(LF, start);
    }
    if (start < buf.length) rest = rest === null ? Buffer.from(buf.subarray(start)) : Buffer.concat([rest, buf.subarray(start)]);
  }
  if (rest !== null && rest.length > 0) yield rest;
}

/**
 * Cuts `line` at the first `separator` into key and value; a line without the separator is a
 * value with a null key (an empty key before the separator stays an empty key).
 */
export function splitKey(line: Buffer, separator: Buffer | null): { key: Buffer | null; value: Buffer } {
  if (separator === null) return { key: null, value: line };
  const at = line.indexOf(separator);
  if (at < 0) return { key: null, value: line };
  return { key: line.subarray(0, at), value: line.subarray(at + separator.length) };
}

/** `\t`, `\n`, `\r`, `\0` and `\\` in a separator typed on a command line, as the characters they name. */
export function unescapeSeparator(text: string): string {
  return text.replace(/\\([tnr0\\])/g, (_, c: string) => ({ t: "\t", n: "\n", r: "\r", "0": "\0", "\\": "\\" })[c]!);
}
