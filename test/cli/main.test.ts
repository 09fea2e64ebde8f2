import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/cli/main.js';
import { fakeIO } from './fake-io.js';
import { useTempDirs } from './temp-dirs.js';

const tempDir = useTempDirs();

/** A data directory with no platform in it. */
const emptyDataDir = (): Promise<string> => tempDir('stask-cli-');

/** The ID of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('could not spawn a process');
  return child.pid;
}

describe('usage errors (exit 2), before any target is looked for', () => {
  it.each([
    [['invoke'], "stask: missing required argument 'function'"],
    [['get'], "stask: missing required argument 'id'"],
    [['get', 'a', 'b'], 'stask: too many arguments for'],
    [['frobnicate'], "stask: unknown command 'frobnicate'"],
    [['ls', '--colour'], "stask: unknown option '--colour'"],
    [['ls', '--since', '2000-01-01T00:00:00Z'], 'stask: ls without --status, --function or --prefix spans at most 400 days'],
    [['ls', '--status', 'done'], "stask: --status 'done' is not a task status"],
    [['ls', '--status', 'running', '--since', 'last week'], "stask: --since 'last week' is neither an ISO time"],
    [['ls', '--prefix', 'a', '--limit', '0'], "stask: --limit '0' must be an integer from 1 to 1000"],
    [['get', '9lives'], "stask: task ID '9lives' must start with a letter or '_'"],
    [['stop', 'a b'], "stask: task ID 'a b' has a character that is not allowed"],
    [['invoke', 'analyze-slow-queries', '--id', 'bad/id'], "stask: task ID 'bad/id' has a character that is not allowed"],
    [['invoke', 'analyze-slow-queries', '--payload', '{oops'], 'stask: payload is not valid JSON'],
    [['invoke', 'analyze-slow-queries', '--payload', '{}', '--payload-file', 'x.json'], 'stask: give --payload or --payload-file, not both'],
    [['redrive'], 'stask: redrive needs a source: --dlq'],
    [['dev', '--retry-delay-scale', 'fast'], "stask: --retry-delay-scale 'fast' must be a positive number"],
  ])('%j → exit 2 with one line on stderr', async (argv, message) => {
    // Prepare
    const io = fakeIO();
    const dataDir = await emptyDataDir();
    // Act
    const code = await main([...argv, '--data-dir', dataDir], io);
    // Assess
    expect(code).toBe(2);
    expect(io.err()).toContain(message);
    expect(io.err().trimEnd().split('\n')).toHaveLength(1);
    expect(io.out()).toBe('');
  });
});

describe('target resolution errors (exit 1)', () => {
  it('says no platform runs in the data directory, naming it as given', async () => {
    const io = fakeIO();
    const code = await main(['get', 'abc'], io);
    expect(code).toBe(1);
    expect(io.err()).toBe('stask: no embedded platform is running in .stask (start one with: stask dev)\n');
  });

  it('treats an endpoints file whose process has ended as no platform', async () => {
    // Prepare: what a platform killed with -9 leaves behind.
    const dataDir = await emptyDataDir();
    await writeFile(
      join(dataDir, 'endpoints.json'),
      JSON.stringify({
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        endpoints: { dynamodb: 'http://127.0.0.1:1' },
        outputs: {},
        pid: deadPid(),
      }),
    );
    const io = fakeIO();
    // Act
    const code = await main(['--data-dir', dataDir, 'ls', '--status', 'running', '--json'], io);
    // Assess
    expect(code).toBe(1);
    expect(io.err()).toBe(`stask: no embedded platform is running in ${dataDir} (start one with: stask dev)\n`);
    expect(io.out()).toBe('');
  });

  it('refuses an endpoints file that is not one, without a stack trace', async () => {
    const dataDir = await emptyDataDir();
    await writeFile(join(dataDir, 'endpoints.json'), JSON.stringify({ pid: process.pid }));
    const io = fakeIO();
    const code = await main(['outputs', '--data-dir', dataDir], io);
    expect(code).toBe(1);
    expect(io.err()).toMatch(/^stask: .*endpoints\.json is not an endpoints file of stask dev \(region: /);
    expect(io.err()).not.toContain('    at ');
  });

  it('prints the stack trace too with STASK_DEBUG=1', async () => {
    const dataDir = await emptyDataDir();
    const io = fakeIO({ env: { STASK_DEBUG: '1' } });
    const code = await main(['get', 'abc', '--data-dir', dataDir], io);
    expect(code).toBe(1);
    expect(io.err()).toMatch(/^stask: no embedded platform is running in .*\nCliError: no embedded platform[^\n]*\n {4}at /);
  });
});

describe('help and version', () => {
  it('prints help on stdout with exit 0, exit codes included', async () => {
    const io = fakeIO();
    const code = await main(['--help'], io);
    expect(code).toBe(0);
    expect(io.out()).toContain('Usage: stask [options] [command]');
    for (const command of ['invoke', 'get', 'ls', 'logs', 'stop', 'retry', 'redrive', 'outputs', 'dev']) {
      expect(io.out()).toMatch(new RegExp(`\\n  ${command} `));
    }
    expect(io.out()).toContain('4 task not found');
    expect(io.err()).toBe('');
  });

  it('prints the help of one command', async () => {
    const io = fakeIO();
    const code = await main(['ls', '--help'], io);
    expect(code).toBe(0);
    expect(io.out()).toContain('--next-token <token>');
  });

  it('prints the version', async () => {
    const io = fakeIO();
    const code = await main(['--version'], io);
    expect(code).toBe(0);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
