// The tour's task API step: the README's `curl --aws-sigv4` example, run as written against the embedded
// platform's HTTP API (the same routes and IAM authorization as API Gateway on AWS): a submit (201), the same
// one again (200, deduplicated), the task read back, and an unsigned request refused (403); then where the web
// console is.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { STACK_OUTPUTS } from '../functions/core/facts.js';
import type { DevPlatform } from './dev-platform.js';
import { requireOutput } from './platform.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './servers.js';
import type { TourIo } from './tour-kafka.js';

const run = promisify(execFile);

export async function taskApiTourStep(dev: DevPlatform, io: TourIo, runId: string, root: string): Promise<void> {
  const url = requireOutput(dev.platform.outputs, STACK_OUTPUTS.taskApiUrl);
  const id = `api-${runId}`;
  const signed = ['--aws-sigv4', `aws:amz:${LOCAL_REGION}:execute-api`, '--user', `${LOCAL_CREDENTIALS.accessKeyId}:${LOCAL_CREDENTIALS.secretAccessKey}`];
  const curl = async (title: string, args: string[]): Promise<void> => {
    io.say(`  $ curl ${args.map((a) => (/[\s"'{}]/.test(a) ? `'${a}'` : a)).join(' ')}`);
    try {
      const { stdout } = await run('curl', ['-sS', '-w', '\n%{http_code}', ...args], { cwd: root, timeout: 30_000 });
      const body = stdout.slice(0, stdout.lastIndexOf('\n'));
      io.say(`  → HTTP ${stdout.slice(stdout.lastIndexOf('\n') + 1)}, ${title}: ${body.length > 300 ? `${body.slice(0, 300)}…` : body}`);
    } catch (error) {
      io.say(`  ${title}: curl failed: ${(error as Error).message}`);
    }
  };

  io.heading('14. The task API (API Gateway HTTP API, IAM/SigV4 auth): the README\'s curl, against this platform');
  const submit = [...signed, '-H', 'content-type: application/json', '-H', `idempotency-key: ${id}`, '--data-binary', '@examples/slow-query-payload.json', `${url}tasks/analyze-slow-queries`];
  await curl('submitted', submit);
  await curl('the same again (deduplicated)', submit);
  await curl('read back', [...signed, `${url}tasks/${id}`]);
  await curl('unsigned', [`${url}tasks/${id}`]);
  io.say('  The web console over the same tasks: npx stask console (it prints its URL with a per-run token).');
}
