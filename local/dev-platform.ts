import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { ENDPOINTS_FILE, type EndpointsFile } from '../functions/core/facts.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './servers.js';
import { startPlatform, type Platform, type PlatformOptions } from './platform.js';

export interface DevPlatformOptions extends Pick<PlatformOptions, 'cdkOut' | 'stackName' | 'scheduleScale' | 'functionEnv' | 'synth'> {
  readonly dataDir: string;
  readonly root: string;
  readonly retryDelayScale?: number;
  readonly log?: (line: string) => void;
}

/** What `stask dev` writes to DIR/endpoints.json (the type lives with the other shared facts). */
export type { EndpointsFile };

export interface DevPlatform {
  readonly platform: Platform;
  readonly endpointsFile: string;
  close(): Promise<void>;
}

/**
 * `stask dev`: the embedded platform over a data directory. Refuses to start twice on one directory,
 * writes DIR/endpoints.json once everything accepts work, then logs a line containing `ready`.
 */
export async function startDevPlatform(options: DevPlatformOptions): Promise<DevPlatform> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolvePath(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const endpointsFile = join(dataDir, ENDPOINTS_FILE);
  refuseIfRunning(endpointsFile);

  const started = Date.now();
  const platform = await startPlatform({ ...options, dataDir, retryDelayScale: options.retryDelayScale ?? 0.01, log });
  const content: EndpointsFile = {
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    endpoints: platform.endpoints,
    outputs: platform.outputs,
    pid: process.pid,
  };
  writeFileSync(`${endpointsFile}.tmp`, `${JSON.stringify(content, null, 2)}\n`);
  renameSync(`${endpointsFile}.tmp`, endpointsFile);

  printResources(platform, log);
  if (platform.resumedEvents || platform.restoredMessages) {
    log(`resumed ${platform.resumedEvents} pending invocation(s) and restored ${platform.restoredMessages} queue message(s) from ${dataDir}`);
  }
  log(`ready in ${Date.now() - started} ms: data in ${dataDir}, endpoints in ${endpointsFile}`);

  let closed = false;
  return {
    platform,
    endpointsFile,
    close: async () => {
      if (closed) return;
      closed = true;
      rmSync(endpointsFile, { force: true });
      await platform.close();
    },
  };
}

function refuseIfRunning(endpointsFile: string): void {
  if (!existsSync(endpointsFile)) return;
  try {
    const { pid } = JSON.parse(readFileSync(endpointsFile, 'utf8')) as EndpointsFile;
    process.kill(pid, 0);
    if (pid !== process.pid) throw new Error(`an embedded platform (pid ${pid}) is already running on ${endpointsFile}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH' && !(error instanceof SyntaxError)) throw error;
    // The previous platform died without cleaning up (kill -9): its data is reused.
  }
}

function printResources(platform: Platform, log: (line: string) => void): void {
  const rows = platform.resources.map((r) => [r.type, r.logicalId, r.servedBy]);
  const head = ['resource type', 'logical ID', 'served locally by'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  log(line(head));
  log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) log(line(r));
  log('');
  for (const [service, endpoint] of Object.entries(platform.endpoints)) log(`${service.padEnd(9)} ${endpoint}`);
}
