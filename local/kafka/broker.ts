// The embedded platform's Kafka broker: Apache Kafka in KRaft mode, one node (broker + controller), a child JVM
// on loopback ports picked free at each start. State (log segments, committed offsets, cluster ID) lives in
// `<dataDir>/kafka`, so a restart loses nothing; a broker left over by a killed platform is stopped first.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { BROKER_JVM_FLAGS, log4jProperties, serverProperties } from './broker-config.js';
import { kafkaClassPath } from './jars.js';

export interface BrokerOptions {
  /** The platform's data directory; the broker keeps its state in `<dataDir>/kafka`. */
  readonly dataDir: string;
  readonly java?: string;
  /** How long to wait for the broker to answer metadata requests. */
  readonly readyTimeoutMs?: number;
}

export interface BrokerHandle {
  /** host:port of the PLAINTEXT listener. */
  readonly bootstrap: string;
  readonly pid: number;
  /** Milliseconds from spawn (format included on a first start) to the first metadata answer. */
  readonly startMs: number;
  readonly logFile: string;
  /** Resident memory of the JVM in bytes (from /proc), undefined where /proc is absent. */
  rssBytes(): number | undefined;
  stop(): Promise<void>;
}

export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function run(java: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`kafka storage format failed (exit ${code}); see ${logFile}\n${output.slice(-2000)}`));
    });
  });
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** A broker whose platform died by kill -9 still holds the log directory's lock: stop it. */
async function stopLeftover(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (!cmdline.includes('kafka.Kafka')) return;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

async function waitReady(bootstrap: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Kafka broker exited with ${child.exitCode} while starting; see ${logFile}`);
    const admin = new Admin({ clientId: 'stask-ready', bootstrapBrokers: [bootstrap], retries: 0, connectTimeout: 1000, timeout: 2000 });
    try {
      const metadata = await admin.metadata({ topics: [] });
      if (metadata.brokers.size > 0) return;
    } catch (error) {
      lastError = error;
    } finally {
      await admin.close().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the Kafka broker did not answer within ${timeoutMs} ms (${String(lastError)}); see ${logFile}`);
}

export async function startBroker(options: BrokerOptions): Promise<BrokerHandle> {
  const java = options.java ?? process.env.JAVA ?? 'java';
  const classPath = kafkaClassPath();
  const home = join(options.dataDir, 'kafka');
  const logDirs = join(home, 'logs');
  const logFile = join(home, 'broker.log');
  const pidFile = join(home, 'broker.pid');
  mkdirSync(home, { recursive: true });
  await stopLeftover(pidFile);

  const ports = { broker: await freeLoopbackPort(), controller: await freeLoopbackPort() };
  const propsFile = join(home, 'server.properties');
  const log4jFile = join(home, 'log4j2.properties');
  writeFileSync(propsFile, serverProperties(logDirs, ports));
  writeFileSync(log4jFile, log4jProperties(logFile));
  const jvm = [...BROKER_JVM_FLAGS, `-Dlog4j2.configurationFile=${log4jFile}`, '-cp', classPath];

  const started = performance.now();
  if (!existsSync(join(logDirs, 'meta.properties'))) {
    const clusterId = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
    await run(java, [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile, '--ignore-formatted'], logFile);
  }
  const child = spawn(java, [...jvm, 'kafka.Kafka', propsFile], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error(`could not start ${java} for the Kafka broker`);
  const pid = child.pid;
  writeFileSync(pidFile, String(pid));
  const bootstrap = `127.0.0.1:${ports.broker}`;
  try {
    await waitReady(bootstrap, child, options.readyTimeoutMs ?? 60_000, logFile);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const startMs = Math.round(performance.now() - started);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    bootstrap,
    pid,
    startMs,
    logFile,
    rssBytes: () => {
      const status = `/proc/${pid}/status`;
      if (!existsSync(status)) return undefined;
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(status, 'utf8'))?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
