// `stask console` end to end: a spawned `stask dev`, tasks submitted with the CLI, and the console (a real
// `stask console` process) driven in headless Chromium: list, filter, open a task, watch a transcode's progress,
// stop it, retry a failed task, redrive the dead-letter queue; and its API refusing calls without the token.
// Takes the README's screenshots: into docs/console/ with STASK_UPDATE_SCREENSHOTS=1, else into a temporary
// directory (a test run leaves the tracked files alone).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedTarget } from '../../bin/cli/target.js';
import { launchChromium, startConsole, type ConsoleProcess } from './console-process.js';
import { ROOT, startDev, stask, type DevProcess } from './stask-process.js';

const SHOTS = process.env['STASK_UPDATE_SCREENSHOTS'] === '1' ? join(ROOT, 'docs', 'console') : join(tmpdir(), `stask-console-shots-${process.pid}`);
const WAIT = { timeout: 120_000 };

let dir: string;
let dev: DevProcess;
let web: ConsoleProcess;
let browser: Browser;
let page: Page;
let media: string;

const invoke = async (fn: string, id: string, payload: unknown): Promise<void> => {
  const { code, stderr } = await stask(['invoke', fn, '--id', id, '--payload', JSON.stringify(payload), '--data-dir', dir]);
  expect(code, stderr).toBe(0);
};

/** Status code and body of a raw request to the console (any Host header, which fetch cannot set). */
function raw(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const url = new URL(path, web.origin);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** What the server answers to bytes that are not HTTP. */
function rawBytes(bytes: string): Promise<string> {
  const { hostname, port } = new URL(web.origin);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

const taskRow = (id: string) => page.locator(`tr[data-task-id="${id}"]`);
const heading = () => page.getByRole('heading', { level: 1 });

async function confirm(button: string, confirmLabel: string): Promise<void> {
  await page.getByRole('button', { name: button }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: confirmLabel }).click();
  await dialog.waitFor({ state: 'detached' });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stask-console-e2e-'));
  // INFO: the transcoder's phase lines, which the task page's logs follow (the test setup sets WARN, which children inherit).
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  dev = await startDev(dir, '0.001');
  // A clip long enough to be stopped mid-way (as transcode.test.ts makes it), in the stack's media bucket.
  const clip = join(dir, 'long.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-t', '40', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip]);
  const target = await embeddedTarget(dir);
  const s3 = new S3Client(target.clientConfig('s3'));
  media = target.outputs.MediaBucketName ?? '';
  await s3.send(new PutObjectCommand({ Bucket: media, Key: 'long.mp4', Body: readFileSync(clip) }));
  s3.destroy();
  web = await startConsole(dir);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  mkdirSync(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await dev?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the console API', () => {
  it('refuses a call without the token (401), with a wrong one (403), and a foreign Host (421) or Origin (403)', async () => {
    const host = new URL(web.origin).host;
    expect((await fetch(`${web.origin}/api/tasks`)).status).toBe(401);
    expect((await fetch(`${web.origin}/api/tasks`, { headers: { 'X-Stask-Token': 'not-the-token' } })).status).toBe(403);
    expect((await raw('/api/tasks', { host: `rebound.example:${host.split(':')[1]}`, 'x-stask-token': web.token })).status).toBe(421);
    expect((await raw('/api/tasks', { host, origin: 'http://evil.example', 'x-stask-token': web.token })).status).toBe(403);
    const ok = await fetch(`${web.origin}/api/info`, { headers: { 'X-Stask-Token': web.token } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toMatch(/script-src 'self'.*frame-ancestors 'none'/);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers garbage with a 4xx and keeps serving', async () => {
    const headers = { 'X-Stask-Token': web.token };
    const statuses = await Promise.all(
      ['/api/tasks/%E0%A4%A', '/api/tasks/..%2F..', '/api/tasks?status=bogus', '/api/tasks?since=yesterday', '/api/tasks/nope', '/api/nothing', '/api/tasks/x/logs?since=-1'].map(
        async (path) => (await fetch(`${web.origin}${path}`, { headers })).status,
      ),
    );
    expect(statuses).toEqual([400, 400, 400, 400, 404, 404, 400]);
    expect((await fetch(`${web.origin}/api/tasks`, { method: 'DELETE', headers })).status).toBe(405);
    expect((await fetch(`${web.origin}/api/tasks/x/stop`, { method: 'POST', headers, body: 'x'.repeat(10_000) })).status).toBe(413);
    expect((await fetch(`${web.origin}/app.js.bak`)).status).toBe(404);
    expect(await rawBytes('GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawBytes(`GET /api/info HTTP/1.1\r\nHost: ${new URL(web.origin).host}\r\nX-Bad\u0001: 1\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${web.origin}/api/info`, { headers })).status).toBe(200);
  });
});

describe('the console in Chromium', { timeout: 240_000 }, () => {
  it('lists tasks, filters them and opens one', async () => {
    await invoke('analyze-slow-queries', 'web_ok', { log: readFileSync(join(ROOT, 'examples', 'mysql-slow.log'), 'utf8'), top: 3 });
    await invoke('always-fails', 'web_fail', {});
    await page.goto(web.url);
    await taskRow('web_fail').getByText('FAILED').waitFor(WAIT);
    await taskRow('web_ok').getByText('SUCCEEDED').waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'list.png') });

    await page.getByLabel('Function').selectOption('always-fails');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/function=always-fails/);
    await taskRow('web_ok').waitFor({ state: 'detached', ...WAIT });
    // The filtered list re-renders as it refreshes: wait (bounded) for the row rather than look once.
    await taskRow('web_fail').waitFor({ state: 'visible', ...WAIT });
    expect(await taskRow('web_fail').isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('ID prefix').fill('web_o');
    await page.getByLabel('ID prefix').press('Enter');
    await taskRow('web_fail').waitFor({ state: 'detached', ...WAIT });
    // By keyboard: the task's link is a real link.
    await taskRow('web_ok').getByRole('link', { name: 'web_ok' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/tasks\/web_ok$/);
    await heading().getByText('SUCCEEDED').waitFor(WAIT);
    await page.getByRole('heading', { name: 'Result' }).waitFor();
    expect(await page.getByRole('list', { name: 'Events' }).getByText('SUCCEEDED').count()).toBeGreaterThan(0);
  });

  it("follows a transcode's progress as it advances, and stops it after the confirmation", async () => {
    await invoke('transcode', 'web_transcode', { bucket: media, object: 'long.mp4', output_dir: 'console', dst_format: 'webm', preset: 'veryslow' });
    await page.goto(`${web.origin}/tasks/web_transcode`);
    const bar = page.locator('main > .progress');
    const percent = async (): Promise<number> => Number(await bar.getAttribute('data-percent'));
    await expect.poll(percent, { timeout: WAIT.timeout, interval: 250 }).toBeGreaterThan(0);
    const first = await percent();
    await expect.poll(percent, { timeout: WAIT.timeout, interval: 250 }).toBeGreaterThan(first);
    await heading().getByText('RUNNING').waitFor();
    // The container's lines, stamped with the task ID, arrive while it runs.
    await page.getByLabel('Log lines').getByText(/web_transcode/).waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'task-progress.png'), fullPage: true });

    // The dialog first: Escape cancels it and leaves the task running; then the stop for real.
    await page.getByRole('button', { name: 'Stop…' }).click();
    await page.getByRole('dialog').waitFor();
    expect(await page.getByRole('dialog').locator(':focus').textContent()).toBe('Cancel');
    // Focus stays in the dialog (a modal <dialog>: the page behind it is inert).
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      expect(await page.locator(':focus').evaluate((el) => el.closest('dialog') !== null)).toBe(true);
    }
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await confirm('Stop…', 'Stop task');
    await heading().getByText('STOPPED').waitFor(WAIT);
    await page.getByRole('list', { name: 'Events' }).getByText('STOPPED').first().waitFor();
  });

  it('retries a failed task after the confirmation: a new attempt is shown', async () => {
    await page.goto(`${web.origin}/tasks/web_fail`);
    await heading().getByText('FAILED').waitFor(WAIT);
    await confirm('Retry…', 'Retry task');
    const events = page.getByRole('list', { name: 'Events' });
    await events.getByText(/retry requested after FAILED/).waitFor(WAIT);
    // always-fails fails again: its new attempts are on the timeline after the retry.
    await heading().getByText('FAILED').waitFor(WAIT);
    const texts = await events.locator('li').allTextContents();
    const retriedAt = texts.findIndex((t) => /retry requested after FAILED/.test(t));
    expect(texts.slice(retriedAt + 1).some((t) => /attempt started/.test(t))).toBe(true);
  });

  it('shows the dead-letter queue and redrives it after the confirmation: the records moved are shown', async () => {
    await invoke('always-fails', 'web_dlq', {});
    await page.goto(`${web.origin}/dlq`);
    await page.getByRole('row').filter({ hasText: 'web_dlq' }).waitFor(WAIT);
    expect(await page.getByRole('row').filter({ hasText: 'web_dlq' }).getByText('RetriesExhausted').count()).toBe(1);
    await page.getByRole('row').filter({ hasText: 'web_transcode' }).waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'dlq.png'), fullPage: true });

    await confirm('Redrive all…', 'Redrive');
    const report = page.locator('.report');
    await report.getByRole('heading', { name: /^Redriven \d+, skipped \d+$/ }).waitFor(WAIT);
    await report.getByRole('link', { name: 'web_dlq' }).waitFor();
    // The stopped transcode's record is left for a retry on purpose.
    await report.getByText(/skipped web_transcode/).waitFor();
    await report.getByRole('link', { name: 'web_dlq' }).click();
    await page.getByRole('list', { name: 'Events' }).getByText(/retry requested after FAILED/).waitFor(WAIT);
  });

  it('says when the target has no stream lane, and reads on a phone', async () => {
    await page.goto(`${web.origin}/streams`);
    await page.getByText(/no Kafka source/).waitFor(WAIT);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${web.origin}/`);
    await taskRow('web_transcode').getByText('STOPPED').waitFor(WAIT);
    // No sideways scrolling on a phone.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SHOTS, 'list-phone.png') });
  });
});
