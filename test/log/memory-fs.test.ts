// MemoryFs: the page-cache model the crash tests rely on.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryFs, SimulatedCrash } from "../../src/log/memory-fs.js";
import { writeFileDurably } from "../../src/log/fs.js";
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
