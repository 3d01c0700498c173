/**
 * The `Weir` session: embedded (own or shared log), connected (over the wire) and local (no
 * log) sessions, the log client each holds, and close().
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Broker } from "../../src/broker/broker.js";
import { EmbeddedLogClient } from "../../src/client/embedded.js";
import { RemoteLogClient } from "../../src/client/remote.js";
import { DataFrame } from "../../src/engine/api/dataframe.js";
import { DataFrameReader } from "../../src/engine/io/reader.js";
import { Weir } from "../../src/engine/session.js";
import { isWeirError } from "../../src/util/errors.js";

const withDir = async (fn: (dir: string) => Promise<void>): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), "weir-session-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe("Weir sessions", () => {
  it("a local session has no log and says how to get one", async () => {
    const weir = Weir.local();
    assert.equal(weir.mode, "local");
    assert.throws(() => weir.logClient(), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && /Weir\.embedded\(\{ dataDir \}\) or Weir\.connect/.test(e.message));
    assert.ok(weir.read instanceof DataFrameReader);
    assert.ok(weir.createDataFrame([{ a: 1 }]) instanceof DataFrame);
    await weir.close();
    assert.throws(() => weir.read, (e: unknown) => isWeirError(e, "CLOSED"));
  });

  it("an embedded session creates its data directory and closes the log it opened", async () => {
    await withDir(async (dir) => {
      const dataDir = join(dir, "a", "b");
      const weir = await Weir.embedded({ dataDir });
      assert.ok(existsSync(dataDir));
      const client = weir.logClient();
      assert.ok(client instanceof EmbeddedLogClient);
      await client.createTopic("t", 2);
      await weir.close();
      await weir.close();
      assert.throws(() => weir.logClient(), (e: unknown) => isWeirError(e, "CLOSED"));
      await assert.rejects(client.listTopics(), (e: unknown) => isWeirError(e, "CLOSED"));
      const again = await Weir.embedded({ dataDir });
      assert.deepEqual((await again.logClient().listTopics()).map((t) => t.name), ["t"]);
      await again.close();
    });
    await assert.rejects(Weir.embedded({}), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && /dataDir/.test(e.message));
  });

  it("shares a running broker's log and leaves it open; connects over the wire", async () => {
    await withDir(async (dataDir) => {
      const broker = await Broker.start({ port: 0, host: "127.0.0.1", dataDir }, { maintenanceIntervalMs: 0 });
      try {
        const shared = await Weir.embedded({ log: broker });
        await shared.logClient().createTopic("s", 1);
        await shared.close();
        const viaLog = await Weir.embedded({ log: broker.log });
        assert.deepEqual((await viaLog.logClient().describeTopics(["s"])).get("s")?.partitions, 1);
        await viaLog.close();
        const remote = await Weir.connect({ bootstrapServers: `127.0.0.1:${broker.address.port}` });
        assert.equal(remote.mode, "remote");
        assert.ok(remote.logClient() instanceof RemoteLogClient);
        assert.deepEqual(await remote.logClient().latestOffsets([{ topic: "s", partition: 0 }]), [0]);
        await remote.close();
      } finally {
        await broker.stop();
      }
    });
    await assert.rejects(Weir.connect({ bootstrapServers: "" }), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT"));
  });
});
