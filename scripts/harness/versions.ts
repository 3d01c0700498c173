/**
 * The exact versions of the real peers the harness fetches, in one place. Changing a version here
 * changes the cache folder it lands in, so the next `npm run harness:fetch` fetches it afresh.
 *
 * Kafka: 4.3.1 is the newest 4.x whose artifacts are all on Maven Central. `kafka_2.13:4.4.0` is
 * listed there, but `kafka-tools-api:4.4.0` (a runtime dependency of `kafka_2.13:4.4.0`) and
 * `kafka-tools:4.4.0` are not, so 4.4.0 cannot be resolved.
 *
 * Spark: 4.0.0. `spark-sql-kafka-0-10_2.13` is on Maven Central up to 4.2.0, but its compile
 * dependency `spark-token-provider-kafka-0-10_2.13` is there only for 4.0.0 among the 4.x
 * releases (4.0.1-4.2.0: 404), so 4.0.0 is the newest Spark whose Kafka connector resolves. The
 * PyPI `pyspark==4.0.0` bundles Spark 4.0.0 built for Scala 2.13 and runs on Java 17.
 * The spark-kafka jars are taken without their transitive dependencies: the versions of
 * kafka-clients and commons-pool2 are those `spark-sql-kafka-0-10_2.13:4.0.0` declares, and
 * everything else it needs (scala-library, zstd-jni, lz4-java, snappy-java, slf4j) is already in
 * pyspark's own `jars/`.
 */

/** A Maven coordinate. */
export interface MavenArtifact {
  groupId: string;
  artifactId: string;
  version: string;
  /** Dependencies to leave out, as `groupId:artifactId` (`*` allowed as in Maven). */
  exclusions?: string[];
}

/** A set of jars collected into one folder with `dependency:copy-dependencies`. */
export interface JarSet {
  /** Folder name under the cache dir; carries the version so a bump fetches afresh. */
  name: string;
  artifacts: MavenArtifact[];
  /** Take only the listed artifacts, not their dependencies. */
  excludeTransitive: boolean;
}

export const kafkaVersion = "4.3.1";
export const kafkaClientsVersion = "4.3.1";
export const sparkVersion = "4.0.0";
export const scalaBinaryVersion = "2.13";
const log4jVersion = "2.25.5";
/** The slf4j 1.x line, which is what kafka-clients 4.3.1 and kafka_2.13 4.3.1 depend on. */
const slf4jVersion = "1.7.36";

/** maven-dependency-plugin, pinned so Maven does not look up the newest one on every run. */
export const mavenDependencyPluginVersion = "3.8.1";

/**
 * The storage tool's main class. Kafka 4.x keeps it in the core jar as `kafka.tools.StorageTool`
 * (checked in kafka_2.13-4.3.1.jar); `bin/kafka-storage.sh` runs the same class.
 */
export const kafkaStorageToolClass = "kafka.tools.StorageTool";

/** The broker, the perf tools, and a log4j2 binding for slf4j 1.x. */
export const kafkaJars: JarSet = {
  name: `kafka-${kafkaVersion}`,
  excludeTransitive: false,
  artifacts: [
    { groupId: "org.apache.kafka", artifactId: `kafka_${scalaBinaryVersion}`, version: kafkaVersion },
    // ProducerPerformance / ConsumerPerformance need only the clients; connect-runtime (Jetty,
    // Jersey, ...) serves kafka-tools' Connect plugin commands, which the harness does not run.
    {
      groupId: "org.apache.kafka",
      artifactId: "kafka-tools",
      version: kafkaVersion,
      exclusions: ["org.apache.kafka:connect-runtime", "com.fasterxml.jackson.jakarta.rs:*"],
    },
    { groupId: "org.apache.logging.log4j", artifactId: "log4j-slf4j-impl", version: log4jVersion },
    { groupId: "org.apache.logging.log4j", artifactId: "log4j-core", version: log4jVersion },
  ],
};

/** The Java client alone, for the compatibility driver; slf4j-simple logs to stderr. */
export const clientJars: JarSet = {
  name: `kafka-clients-${kafkaClientsVersion}`,
  excludeTransitive: false,
  artifacts: [
    { groupId: "org.apache.kafka", artifactId: "kafka-clients", version: kafkaClientsVersion },
    { groupId: "org.slf4j", artifactId: "slf4j-simple", version: slf4jVersion },
  ],
};

/** Spark's Kafka source and sink, for `spark.jars`. */
export const sparkKafkaJars: JarSet = {
  name: `spark-kafka-${sparkVersion}_${scalaBinaryVersion}`,
  excludeTransitive: true,
  artifacts: [
    { groupId: "org.apache.spark", artifactId: `spark-sql-kafka-0-10_${scalaBinaryVersion}`, version: sparkVersion },
    { groupId: "org.apache.spark", artifactId: `spark-token-provider-kafka-0-10_${scalaBinaryVersion}`, version: sparkVersion },
    { groupId: "org.apache.kafka", artifactId: "kafka-clients", version: "3.9.0" },
    { groupId: "org.apache.commons", artifactId: "commons-pool2", version: "2.12.0" },
  ],
};

export const jarSets: readonly JarSet[] = [kafkaJars, clientJars, sparkKafkaJars];

/** The PyPI distribution installed into the cache's venv. */
export const pysparkRequirement = `pyspark==${sparkVersion}`;
export const pysparkVenvName = `pyspark-${sparkVersion}`;
/** pyspark 4.0 supports Python 3.9 and later; the harness prefers 3.11 (see KAFKA-NOTES.md). */
export const pythonMin: readonly [number, number] = [3, 9];
