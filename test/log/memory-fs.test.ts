// MemoryFs: the page-cache model the crash tests rely on.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryFs, SimulatedCrash } from "../../src/log/memory-fs.js";
import { NodeFs, writeFileDurably, writevAll } from "../../src/log/fs.js";
import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isWeirError } from "../../src/util/errors.js";

const text = (fs: MemoryFs, p: string): string => fs.readFile(p).toString();

describe("MemoryFs", () => {
  it("keeps fsynced data and loses the rest on a crash that loses everything unsynced", async () => {
    const fs = new MemoryFs();
    fs.mkdir("/d");
    await fs.fsyncDir("/");
    const f = fs.open("/d/x", "read-write");
    await fs.fsyncDir("/d");
    f.append(Buffer.from("durable"));
    await f.fsync();
    f.append(Buffer.from("-lost"));
    assert.equal(text(fs, "/d/x"), "durable-lost", "reads see the page cache");
    fs.crash("lose-unsynced");
    assert.equal(text(fs, "/d/x"), "durable");
  });

  it("keeps everything written on a process crash (keep-all)", () => {
    const fs = new MemoryFs();
    fs.mkdir("/d");
    fs.open("/d/x", "read-write").append(Buffer.from("abc"));
    fs.crash("keep-all");
    assert.equal(text(fs, "/d/x"), "abc");
  });

  it("drops a file whose directory entry was never fsynced, even if its data was", async () => {
    const fs = new MemoryFs();
    fs.mkdir("/d");
    await fs.fsyncDir("/");
    const f = fs.open("/d/x", "read-write");
    f.append(Buffer.from("data"));
    await f.fsync();
    fs.crash("lose-unsynced");
    assert.equal(fs.exists("/d/x"), false);
  });

  it("tears the last surviving write on a random crash, never reorders writes", () => {
    for (let seed = 1; seed < 50; seed++) {
      const fs = new MemoryFs({ seed });
      fs.mkdir("/d");
      const f = fs.open("/d/x", "read-write");
      f.append(Buffer.from("aaaa"));
      f.append(Buffer.from("bbbb"));
      f.append(Buffer.from("cccc"));
      fs.crash("random");
      if (!fs.exists("/d/x")) continue;
      const got = text(fs, "/d/x");
      // A torn write may leave zeros where its tail should be.
      const trimmed = got.replace(/\0+$/, "");
      assert.match(trimmed, /^(a{0,4}|aaaab{0,4}|aaaabbbbc{0,4})$/, `seed ${seed}: ${JSON.stringify(got)}`);
    }
  });

  it("crashes at the nth write: that call and all later ones throw until crash()", () => {
    const fs = new MemoryFs();
    fs.mkdir("/d");
    const f = fs.open("/d/x", "read-write");
    fs.inject({ action: "crash", nth: 2, ops: ["write"] });
    f.append(Buffer.from("1"));
    assert.throws(() => f.append(Buffer.from("2")), SimulatedCrash);
    assert.ok(fs.isDead());
    assert.throws(() => fs.readdir("/d"), SimulatedCrash);
    fs.crash("keep-all");
    assert.equal(text(fs, "/d/x"), "12", "the write in flight may survive");
    assert.throws(() => f.append(Buffer.from("3")), SimulatedCrash, "handles from before the crash are dead");
  });

  it("fails the nth fsync with EIO without killing the process", async () => {
    const fs = new MemoryFs();
    fs.mkdir("/d");
    const f = fs.open("/d/x", "read-write");
    fs.inject({ action: "eio", nth: 1, ops: ["fsync"] });
    await assert.rejects(f.fsync(), (e) => isWeirError(e, "IO") && e.details.errno === "EIO");
    await f.fsync();
    assert.equal(fs.isDead(), false);
  });

  it("writeFileDurably leaves the old or the new content at every crash point", async () => {
    const probe = new MemoryFs();
    probe.mkdir("/d");
    await writeFileDurably(probe, "/d/cp", Buffer.from("old"));
    const start = probe.mutatingCount();
    await writeFileDurably(probe, "/d/cp", Buffer.from("new"));
    for (let n = 1; n <= probe.mutatingCount() - start; n++) {
      for (const mode of ["lose-unsynced", "keep-all", "random"] as const) {
        const fs = new MemoryFs({ seed: n });
        fs.mkdir("/d");
        await writeFileDurably(fs, "/d/cp", Buffer.from("old"));
        fs.inject({ action: "crash", nth: n });
        await writeFileDurably(fs, "/d/cp", Buffer.from("new")).catch((e: unknown) => assert.ok(e instanceof SimulatedCrash));
        fs.crash(mode);
        assert.ok(["old", "new"].includes(text(fs, "/d/cp")), `crash at ${n} (${mode}): ${text(fs, "/d/cp")}`);
      }
    }
  });

  it("renames and removes directories and files", () => {
    const fs = new MemoryFs();
    fs.mkdir("/a/b");
    fs.open("/a/b/f", "truncate").append(Buffer.from("x"));
    fs.rename("/a/b", "/a/c");
    assert.equal(text(fs, "/a/c/f"), "x");
    assert.throws(() => fs.rmdir("/a/c"), (e) => isWeirError(e, "IO"));
    fs.unlink("/a/c/f");
    fs.rmdir("/a/c");
    assert.deepEqual(fs.readdir("/a"), []);
    assert.throws(() => fs.open("/a/nope", "read"), (e) => isWeirError(e, "NOT_FOUND"));
  });
});

describe("appendv (gathered write)", () => {
  const bufs = (): Buffer[] => [Buffer.from("aaaa"), Buffer.from("bbbb"), Buffer.from("cccc")];

  it("writes every buffer in order with one counted write, and traces the buffer sizes", () => {
    const fs = new MemoryFs({ trace: true });
    fs.mkdir("/d");
    const f = fs.open("/d/x", "read-write");
    const before = fs.counts.write;
    f.appendv(bufs());
    f.appendv([]);
    assert.equal(fs.counts.write - before, 2);
    assert.equal(text(fs, "/d/x"), "aaaabbbbcccc");
    assert.equal(f.size(), 12);
    assert.deepEqual(fs.trace.filter((t) => t.op === "write").map((t) => t.buffers), [[4, 4, 4], []]);
  });

  it("a random crash keeps a prefix of its bytes, torn inside any of its buffers", () => {
    const cuts = new Set<number>();
    for (let seed = 1; seed < 200; seed++) {
      const fs = new MemoryFs({ seed });
      fs.mkdir("/d");
      const f = fs.open("/d/x", "read-write");
      f.appendv(bufs());
      fs.crash("random");
      if (!fs.exists("/d/x")) continue;
      const got = text(fs, "/d/x").replace(/\0+$/, "");
      assert.match(got, /^(a{0,4}|aaaab{0,4}|aaaabbbbc{0,4})$/, `seed ${seed}: ${JSON.stringify(got)}`);
      cuts.add(got.length);
    }
    // Cuts inside the second and the third buffer happen, not only at the first one.
    assert.ok([5, 6, 7].some((n) => cuts.has(n)) && [9, 10, 11].some((n) => cuts.has(n)), `cuts seen: ${[...cuts].sort((a, b) => a - b).join(",")}`);
  });

  it("a crash with keepBytes lets exactly that many bytes in; an EIO with keepBytes leaves them for the caller to cut", () => {
    for (let keep = 0; keep <= 12; keep++) {
      const fs = new MemoryFs();
      fs.mkdir("/d");
      const f = fs.open("/d/x", "read-write");
      fs.inject({ action: "crash", nth: 1, ops: ["write"], keepBytes: keep });
      assert.throws(() => f.appendv(bufs()), SimulatedCrash);
      fs.crash("keep-all");
      assert.equal(text(fs, "/d/x"), "aaaabbbbcccc".slice(0, keep), `keepBytes ${keep}`);
    }
    const fs = new MemoryFs();
    fs.mkdir("/d");
    const f = fs.open("/d/x", "read-write");
    fs.inject({ action: "eio", nth: 1, ops: ["write"], keepBytes: 6 });
    assert.throws(() => f.appendv(bufs()), (e) => isWeirError(e, "IO"));
    assert.equal(fs.isDead(), false);
    assert.equal(text(fs, "/d/x"), "aaaabb");
    // Without keepBytes an EIO writes nothing.
    fs.inject({ action: "eio", nth: 1, ops: ["write"] });
    assert.throws(() => f.appendv(bufs()), (e) => isWeirError(e, "IO"));
    assert.equal(text(fs, "/d/x"), "aaaabb");
  });

  it("writevAll resumes after short writes at the first byte not written, at most maxBuffers per call", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (arrays, maxBuffers, fractions) => {
          const bufs = arrays.map((a) => Buffer.from(a));
          const out: Buffer[] = [];
          let call = 0;
          writevAll(
            bufs,
            (chunk) => {
              assert.ok(chunk.length <= maxBuffers, `${chunk.length} buffers in one call`);
              const all = Buffer.concat(chunk);
              // A short write of at least one byte (when there is one): a random prefix.
              const n = all.length === 0 ? 0 : 1 + Math.floor(fractions[call++ % fractions.length] * (all.length - 1));
              out.push(all.subarray(0, n));
              return n;
            },
            maxBuffers,
          );
          assert.deepEqual(Buffer.concat(out), Buffer.concat(bufs));
        },
      ),
    );
    assert.throws(() => writevAll([Buffer.from("x")], () => 0), /wrote nothing/);
  });

  it("on the real filesystem: writes many buffers (more than one writev's worth) in order", () => {
    const dir = mkdtempSync(join(tmpdir(), "weir-appendv-"));
    try {
      const fs = new NodeFs();
      const f = fs.open(join(dir, "x"), "read-write");
      f.append(Buffer.from("head:"));
      // 3000 buffers: more than IOV_MAX (1024), so several system calls; some are empty.
      const parts = Array.from({ length: 3000 }, (_, i) => Buffer.from(i % 7 === 0 ? "" : `${i},`));
      f.appendv(parts);
      const want = Buffer.concat([Buffer.from("head:"), ...parts]);
      assert.equal(f.size(), want.length);
      f.close();
      assert.deepEqual(readFileSync(join(dir, "x")), want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
