import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's pom.xml: the one owner of the broker's Kafka version (scripts/setup.sh copies its jars). */
export const POM_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pom.xml');

export function kafkaVersion(pomFile = POM_FILE): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pomFile, 'utf8'));
  if (!match?.[1]) throw new Error(`${pomFile} declares no <kafka.version>`);
  return match[1];
}

/** Where `mvn dependency:copy-dependencies` puts the broker's jars: $STASK_KAFKA_JARS or the user's cache. */
export function kafkaJarsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STASK_KAFKA_JARS) return env.STASK_KAFKA_JARS;
  const cache = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cache, 'serverless-task', `kafka-${kafkaVersion()}`);
}

/** The broker's class path; throws with the fix when the jars were never fetched. */
export function kafkaClassPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = kafkaJarsDir(env);
  const version = kafkaVersion();
  const jars = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jar')) : [];
  if (!jars.includes(`kafka_2.13-${version}.jar`)) {
    throw new Error(`the Kafka broker's jars (Apache Kafka ${version}) are not in ${dir}: run scripts/setup.sh ` +
      `(it runs mvn dependency:copy-dependencies -DoutputDirectory=${dir})`);
  }
  return jars.map((f) => join(dir, f)).join(':');
}
