/**
 * The harness's command line, behind the npm scripts:
 *   harness:fetch          fetch every real peer into the cache (idempotent)
 *   kafka:start            start a detached Apache Kafka, print `bootstrap=127.0.0.1:PORT`
 *   kafka:stop             stop it
 *   spark:run -- x.py ...  run a PySpark script with the Kafka jars wired in
 * Progress goes to stderr, so stdout carries only the bootstrap line or the script's own output.
 */
import { cacheRoot, formatBytes } from "./cache.js";
import { allComponents, ensureFetched } from "./fetch.js";
import { startDetachedKafka, stopDetachedKafka } from "./kafka-detached.js";
import { runSpark } from "./spark.js";
import { kafkaVersion, pysparkRequirement, sparkKafkaJars } from "./versions.js";

const log = (line: string): void => {
  process.stderr.write(`harness: ${line}\n`);
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "fetch": {
      const started = Date.now();
      log(`cache ${cacheRoot()}; Kafka ${kafkaVersion}, ${pysparkRequirement}, ${sparkKafkaJars.name}`);
      const reports = await ensureFetched(allComponents, { log });
      let total = 0;
      for (const r of reports) {
        total += r.bytes;
        process.stdout.write(`${r.component.padEnd(12)} ${formatBytes(r.bytes).padStart(11)} ${String(r.files).padStart(6)} files  ${r.cached ? "cached" : `fetched in ${r.seconds.toFixed(1)} s`}  ${r.dir}\n`);
      }
      process.stdout.write(`total        ${formatBytes(total).padStart(11)}  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      return 0;
    }
    case "kafka-start": {
      const bootstrap = await startDetachedKafka(log);
      process.stdout.write(`bootstrap=${bootstrap}\n`);
      return 0;
    }
    case "kafka-stop":
      await stopDetachedKafka(log);
      return 0;
    case "spark-run": {
      const [script, ...args] = rest;
      if (script === undefined) {
        log("usage: npm run spark:run -- SCRIPT.py [ARGS...]");
        return 2;
      }
      const res = await runSpark(script, args, { stdio: "inherit", log });
      return res.code;
    }
    default:
      log(`unknown command ${JSON.stringify(command)}; expected fetch, kafka-start, kafka-stop or spark-run`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
