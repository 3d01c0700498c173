/**
 * Fetches the real peers into the cache: jar sets with Maven (`dependency:copy-dependencies` on
 * stub POMs written into the cache), pyspark with pip into a venv. Each step is done once; a
 * completion stamp holding the step's spec marks it done, so a later call is a few `stat`s.
 * Fetching happens under a lock file, so parallel test processes fetch once between them.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cachePaths, dirSize, formatBytes, readStamp, withLock, writeStamp, type CachePaths } from "./cache.js";
import { runChecked, run } from "./proc.js";
import {
  clientJars,
  kafkaJars,
  mavenDependencyPluginVersion,
  pysparkRequirement,
  pysparkVenvName,
  pythonMin,
  scalaBinaryVersion,
  sparkKafkaJars,
  sparkVersion,
  type JarSet,
} from "./versions.js";

export type Component = "kafka" | "clients" | "spark-kafka" | "pyspark";
export const allComponents: readonly Component[] = ["kafka", "clients", "spark-kafka", "pyspark"];

const componentJars: Partial<Record<Component, JarSet>> = { kafka: kafkaJars, clients: clientJars, "spark-kafka": sparkKafkaJars };

export interface FetchOptions {
  /** Progress lines; silent by default. */
  log?: (line: string) => void;
  paths?: CachePaths;
}

/** What `ensureFetched` found or fetched for one component. */
export interface FetchReport {
  component: Component;
  dir: string;
  bytes: number;
  files: number;
  cached: boolean;
  seconds: number;
}

function jarSetSpec(set: JarSet): string {
  return JSON.stringify({ set, plugin: mavenDependencyPluginVersion });
}

function pysparkSpec(): string {
  return JSON.stringify({ requirement: pysparkRequirement, scala: scalaBinaryVersion });
}

function specOf(c: Component): string {
  const set = componentJars[c];
  return set === undefined ? pysparkSpec() : jarSetSpec(set);
}

function dirOf(c: Component, paths: CachePaths): string {
  const set = componentJars[c];
  return set === undefined ? paths.venvDir(pysparkVenvName) : paths.jarSetDir(set.name);
}

function isFetched(c: Component, paths: CachePaths): boolean {
  return readStamp(dirOf(c, paths))?.spec === specOf(c);
}

/** True when every listed component is in the cache already (no lock, no I/O beyond stats). */
export function harnessReady(components: readonly Component[] = allComponents, paths: CachePaths = cachePaths()): boolean {
  return components.every((c) => isFetched(c, paths));
}

/** Makes sure the listed components are in the cache, fetching the missing ones. */
export async function ensureFetched(components: readonly Component[] = allComponents, opts: FetchOptions = {}): Promise<FetchReport[]> {
  const paths = opts.paths ?? cachePaths();
  const log = opts.log ?? (() => undefined);
  const cachedReport = (c: Component): FetchReport => {
    const stamp = readStamp(dirOf(c, paths))!;
    return { component: c, dir: dirOf(c, paths), bytes: stamp.bytes, files: stamp.files, cached: true, seconds: 0 };
  };
  if (harnessReady(components, paths)) return components.map(cachedReport);

  return withLock(
    paths.lockFile,
    async () => {
      // Another process may have fetched while we waited for the lock.
      const missing = components.filter((c) => !isFetched(c, paths));
      const fetched = new Map<Component, FetchReport>();
      const jarSets = missing.flatMap((c) => (componentJars[c] === undefined ? [] : [{ c, set: componentJars[c] }]));
      if (jarSets.length > 0) {
        const started = Date.now();
        log(`fetching with Maven into ${paths.root}: ${jarSets.map(({ set }) => set.artifacts.map(coordinate).join(", ")).join("; ")}`);
        await copyJarSets(jarSets.map(({ set }) => set), paths);
        const seconds = (Date.now() - started) / 1000;
        for (const { c, set } of jarSets) {
          const dir = paths.jarSetDir(set.name);
          const size = dirSize(join(dir, "lib"));
          writeStamp(dir, { spec: jarSetSpec(set), ...size, fetchedAt: new Date().toISOString(), seconds });
          fetched.set(c, { component: c, dir, ...size, cached: false, seconds });
        }
      }
      if (missing.includes("pyspark")) fetched.set("pyspark", await installPyspark(paths, log));
      const reports = components.map((c) => fetched.get(c) ?? cachedReport(c));
      for (const r of reports.filter((x) => !x.cached)) {
        log(`fetched ${r.component}: ${r.files} files, ${formatBytes(r.bytes)} in ${r.seconds.toFixed(1)} s (${r.dir})`);
      }
      return reports;
    },
    undefined,
    log,
  );
}

function coordinate(a: { groupId: string; artifactId: string; version: string }): string {
  return `${a.groupId}:${a.artifactId}:${a.version}`;
}

const xmlEscape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function modulePom(set: JarSet, outputDir: string): string {
  const deps = set.artifacts
    .map((a) => {
      const exclusions = (a.exclusions ?? [])
        .map((x) => {
          const [g, art] = x.split(":");
          return `<exclusion><groupId>${g}</groupId><artifactId>${art}</artifactId></exclusion>`;
        })
        .join("");
      return `    <dependency><groupId>${a.groupId}</groupId><artifactId>${a.artifactId}</artifactId><version>${a.version}</version>${
        exclusions === "" ? "" : `<exclusions>${exclusions}</exclusions>`
      }</dependency>`;
    })
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/harness/fetch.ts: a stub project whose only purpose is to collect jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>weir.harness</groupId>
  <artifactId>${set.name}</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId>
    <artifactId>maven-dependency-plugin</artifactId>
    <version>${mavenDependencyPluginVersion}</version>
    <configuration>
      <outputDirectory>${xmlEscape(outputDir)}</outputDirectory>
      <includeScope>runtime</includeScope>
      <excludeTransitive>${set.excludeTransitive}</excludeTransitive>
    </configuration>
  </plugin></plugins></build>
</project>
`;
}

function aggregatorPom(modules: readonly string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>weir.harness</groupId>
  <artifactId>harness</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <modules>
${modules.map((m) => `    <module>${m}</module>`).join("\n")}
  </modules>
</project>
`;
}

/** Maven Central, or `$WEIR_HARNESS_MAVEN_URL` (a mirror of it). */
function mavenRepositoryUrl(): string {
  const url = process.env.WEIR_HARNESS_MAVEN_URL;
  return url !== undefined && url !== "" ? url : "https://repo.maven.apache.org/maven2";
}

/**
 * Settings that send every repository to Maven Central. Spark's parent POM declares its own
 * repository (`gcs-maven-central-mirror`, a Google mirror of Central) ahead of Central, and Maven
 * fails outright when that host cannot be reached instead of moving on to Central.
 */
function mavenSettings(url: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0">
  <mirrors>
    <mirror><id>weir-harness-central</id><mirrorOf>*</mirrorOf><url>${xmlEscape(url)}</url></mirror>
  </mirrors>
</settings>
`;
}

/** One Maven run for all the missing jar sets: an aggregator POM with one module per set. */
async function copyJarSets(sets: readonly JarSet[], paths: CachePaths): Promise<void> {
  rmSync(paths.mavenProject, { recursive: true, force: true });
  for (const set of sets) {
    const dir = paths.jarSetDir(set.name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(paths.mavenProject, set.name), { recursive: true });
    writeFileSync(join(paths.mavenProject, set.name, "pom.xml"), modulePom(set, join(dir, "lib")));
  }
  writeFileSync(join(paths.mavenProject, "pom.xml"), aggregatorPom(sets.map((s) => s.name)));
  const settings = join(paths.mavenProject, "settings.xml");
  writeFileSync(settings, mavenSettings(mavenRepositoryUrl()));
  const args = ["-q", "-B", "-s", settings, `-Dmaven.repo.local=${paths.mavenRepo}`, "-f", join(paths.mavenProject, "pom.xml"), "dependency:copy-dependencies"];
  await runChecked("mvn", args, {
    cwd: paths.mavenProject,
    timeoutMs: 30 * 60_000,
  });
  for (const set of sets) {
    const jars = readdirSync(join(paths.jarSetDir(set.name), "lib")).filter((n) => n.endsWith(".jar"));
    for (const a of set.artifacts) {
      if (!jars.includes(`${a.artifactId}-${a.version}.jar`)) throw new Error(`Maven did not deliver ${coordinate(a)} into ${set.name}/lib`);
    }
  }
}

/** The Python the venv is made from: $WEIR_HARNESS_PYTHON, else python3.11, else python3. */
async function findPython(): Promise<string> {
  const explicit = process.env.WEIR_HARNESS_PYTHON;
  const candidates = explicit !== undefined && explicit !== "" ? [explicit] : ["python3.11", "python3"];
  const tried: string[] = [];
  for (const py of candidates) {
    const res = await run(py, ["-c", "import sys; print(sys.executable); print(sys.version_info[0], sys.version_info[1])"]).catch(() => null);
    if (res === null || res.code !== 0) {
      tried.push(`${py}: not runnable`);
      continue;
    }
    const [exe, ver] = res.stdout.trim().split("\n");
    const [major, minor] = ver.split(" ").map(Number) as [number, number];
    if (major > pythonMin[0] || (major === pythonMin[0] && minor >= pythonMin[1])) return exe;
    tried.push(`${py}: Python ${major}.${minor}`);
  }
  throw new Error(`pyspark needs Python >= ${pythonMin.join(".")}; found ${tried.join("; ")}. Set WEIR_HARNESS_PYTHON.`);
}

async function installPyspark(paths: CachePaths, log: (s: string) => void): Promise<FetchReport> {
  const started = Date.now();
  const dir = paths.venvDir(pysparkVenvName);
  const python = await findPython();
  log(`installing ${pysparkRequirement} from PyPI into a venv of ${python} at ${dir}`);
  // A venv records its absolute path, so it is built in place; the stamp written last marks it whole.
  rmSync(dir, { recursive: true, force: true });
  await runChecked(python, ["-m", "venv", dir]);
  const venvPython = join(dir, "bin", "python");
  // No pip cache: the venv is the cache, and a second copy of the ~400 MB sdist helps nobody.
  await runChecked(venvPython, ["-m", "pip", "install", "--quiet", "--no-cache-dir", pysparkRequirement], { timeoutMs: 30 * 60_000 });
  const jarsDir = (await runChecked(venvPython, ["-c", "import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), 'jars'))"])).stdout.trim();
  const coreJar = `spark-core_${scalaBinaryVersion}-${sparkVersion}.jar`;
  if (!readdirSync(jarsDir).includes(coreJar)) {
    throw new Error(`${pysparkRequirement} does not bundle ${coreJar} in ${jarsDir}: its Scala build does not match the spark-kafka jars`);
  }
  const size = dirSize(dir);
  const seconds = (Date.now() - started) / 1000;
  writeStamp(dir, { spec: pysparkSpec(), ...size, fetchedAt: new Date().toISOString(), seconds });
  return { component: "pyspark", dir, ...size, cached: false, seconds };
}
