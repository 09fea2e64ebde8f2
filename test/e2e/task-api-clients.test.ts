// The task API from other languages against a spawned `stask dev`: the README's curl (--aws-sigv4) and Python
// (botocore SigV4) examples, and a property-based run of docs/task-api.openapi.json with schemathesis (signed with
// botocore): no 5xx, every status, content type and body as the document says.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS_FILE, EndpointsFileSchema, STACK_OUTPUTS } from '../../functions/core/facts.js';
import { childEnv, ROOT, startDev, staskJson, type DevProcess } from './stask-process.js';

const run = promisify(execFile);
const PYTHON = join(ROOT, 'python', '.venv', 'bin', 'python');
const SCHEMATHESIS = join(ROOT, 'python', '.venv', 'bin', 'schemathesis');
/** Examples per operation and phase: bounded so that the run takes well under two minutes. */
const MAX_EXAMPLES = 25;

let dev: DevProcess;
let dir: string;
let url: string;
let env: NodeJS.ProcessEnv;
let region: string;
let credentials: { accessKeyId: string; secretAccessKey: string };

/** The code blocks of the README's "Task API" section, by language. */
function readmeExamples(): { sh: string; python: string } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Task API');
  if (start < 0) throw new Error("README.md has no '## Task API' section");
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const block = (lang: string): string => new RegExp(`\`\`\`${lang}\n([\\s\\S]*?)\`\`\``).exec(section)?.[1] ?? '';
  return { sh: block('sh'), python: block('python') };
}

beforeAll(async () => {
  // The README's examples run where `stask` finds the platform by default: in .stask of the working directory.
  dir = join(await mkdtemp(join(tmpdir(), 'stask-api-')), '.stask');
  dev = await startDev(dir, '0.01');
  const endpoints = EndpointsFileSchema.parse(JSON.parse(readFileSync(join(dir, ENDPOINTS_FILE), 'utf8')));
  url = (endpoints.outputs[STACK_OUTPUTS.taskApiUrl] ?? '').replace(/\/$/, '');
  ({ region, credentials } = endpoints);
  env = childEnv({ AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: region, AWS_DEFAULT_REGION: region });
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
}, 300_000);

afterAll(async () => {
  await dev?.stop();
  if (dir) await rm(dirname(dir), { recursive: true, force: true });
});

describe('the task API of stask dev', () => {
  it('is in endpoints.json and in stask outputs', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { json } = await staskJson<Record<string, string>>(['outputs', '--data-dir', dir]);
    expect(json[STACK_OUTPUTS.taskApiUrl]).toBe(`${url}/`);
  });

  it('answers curl --aws-sigv4 (submit with an Idempotency-Key)', async () => {
    const { stdout } = await run(
      'curl',
      ['-sS', '--aws-sigv4', `aws:amz:${region}:execute-api`, '--user', `${credentials.accessKeyId}:${credentials.secretAccessKey}`,
        '-H', 'content-type: application/json', '-H', 'idempotency-key: readme-curl-1', '-d', '{"n": 1}', '-w', '\n%{http_code}', `${url}/tasks/always-fails`],
      { env },
    );
    const [body = '', status] = stdout.split('\n');
    expect(status, body).toBe('201');
    expect(JSON.parse(body)).toMatchObject({ deduplicated: false, task: { taskId: 'readme-curl-1', function: 'always-fails' } });
  });

  it('runs the README’s curl example as written', async () => {
    const { sh } = readmeExamples();
    expect(sh).toMatch(/curl --aws-sigv4/);
    const { stdout } = await run('bash', ['-ec', sh], { cwd: dirname(dir), env });
    expect(JSON.parse(stdout)).toMatchObject({ deduplicated: false, task: { taskId: 'nightly-2026-12-02', function: 'analyze-slow-queries' } });
  });

  it('runs the README’s Python snippet as written', async () => {
    const { python } = readmeExamples();
    expect(python).toMatch(/SigV4Auth/);
    const { stdout } = await run(PYTHON, ['-c', `url = ${JSON.stringify(`${url}/`)}\n${python}`], { env });
    expect(stdout).toMatch(/"tasks":\[/);
  });

  it('answers the Python (botocore SigV4) example script', async () => {
    const { stdout } = await run(PYTHON, [join(ROOT, 'examples', 'task_api_client.py'), url, 'always-fails', '{"n": 2}', 'readme-python-1'], { env });
    const [submitted = '', got = ''] = stdout.trim().split('\n');
    expect(submitted).toMatch(/^201 \{.*"taskId": "readme-python-1"/);
    expect(got).toMatch(/^200 (QUEUED|RUNNING|RETRYING|FAILED)$/);
  });

  it(`keeps to docs/task-api.openapi.json under schemathesis (${MAX_EXAMPLES} examples per operation and phase): no 5xx`, async () => {
    const started = Date.now();
    const result = await run(
      SCHEMATHESIS,
      ['run', join(ROOT, 'docs', 'task-api.openapi.json'), '--url', url, '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
        '--max-examples', String(MAX_EXAMPLES), '--seed', '11', '--request-timeout', '30', '--no-color'],
      // cwd: its cache (.schemathesis/) goes to the test's temporary directory, not into the repository.
      { cwd: dirname(dir), env: { ...env, PYTHONPATH: join(ROOT, 'test', 'e2e', 'fixtures'), SCHEMATHESIS_HOOKS: 'schemathesis_sigv4' }, maxBuffer: 16 * 1024 * 1024, timeout: 110_000 },
    ).catch((error: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: error.stdout ?? '', stderr: `${error.stderr ?? ''}\n(exit ${String(error.code)})` }));
    const output = `${result.stdout}\n${result.stderr}`;
    console.log(`schemathesis: ${Math.round((Date.now() - started) / 1000)} s\n${output.split('\n').filter((l) => /passed|failed|cases|operations|Test cases|Seed/i.test(l)).join('\n')}`);
    expect(output).not.toMatch(/Server error|5\d\d Internal/);
    // Every generated case passed every check (a failure is listed as `N generated, M passed, K failed`).
    const [, generated, passed] = /(\d+) generated, (\d+) passed(?!,)/.exec(output) ?? [];
    expect(Number(generated), output).toBeGreaterThan(100);
    expect(passed, output).toBe(generated);
  }, 120_000);
});
