// The stask command line: commander wiring only; each command lives in ./commands/.
import { createRequire } from 'node:module';
import { Command } from 'commander';
import type { DevOptions } from './commands/dev.js';
import type { ExecOptions } from './commands/exec.js';
import type { InvokeOptions } from './commands/invoke.js';
import type { LogsOptions } from './commands/logs.js';
import type { ConsoleOptions } from './commands/console.js';
import type { CostOptions } from './commands/cost.js';
import type { LsOptions } from './commands/ls.js';
import type { ProduceOptions } from './commands/produce.js';
import type { RedriveOptions } from './commands/redrive.js';
import type { CliIO, CommandContext, GlobalOptions } from './context.js';
import type { Services } from './target.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** What the program leaves behind for main(): the exit code and the clients to close. */
export interface RunState {
  exitCode: number;
  services?: Services;
}

export const DEFAULT_DATA_DIR = '.stask';

export function buildProgram(io: CliIO, state: RunState): Command {
  const program = new Command('stask')
    .description('Asynchronous tasks on AWS Lambda and Step Functions, or on the embedded platform (stask dev)')
    .version(version, '-V, --version')
    .option('--json', 'machine-readable output (JSON)')
    .option('--data-dir <dir>', 'data directory of the embedded platform', DEFAULT_DATA_DIR)
    .option('--stack <name>', 'a deployed stack instead (AWS credentials from the default chain, outputs from CloudFormation)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      outputError: (text, write) => write(`stask: ${text.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Exit codes: 0 success; 1 failure (task ended FAILED/STOPPED/EXPIRED with --wait, no platform, AWS errors);
2 bad usage or invalid input; 3 conflict (same ID with another payload, or a status that forbids the request);
4 task not found.`,
    );

  /** Wraps an action: builds its context from the global options (commander passes the command last). */
  const action =
    <A extends unknown[]>(run: (ctx: CommandContext, ...args: A) => Promise<void>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args.at(-1) as Command;
      const globals = command.optsWithGlobals<{ json?: boolean; dataDir: string; stack?: string }>();
      const options: GlobalOptions = {
        json: globals.json === true,
        dataDir: globals.dataDir,
        ...(globals.stack !== undefined ? { stack: globals.stack } : {}),
      };
      const ctx: CommandContext = {
        io,
        options,
        exitCode: 0,
        services: async () => {
          // Loaded on first use, like the commands: `stask --help` never loads the AWS SDK.
          const { connect, resolveTarget } = await import('./target.js');
          state.services ??= connect(await resolveTarget(options));
          return state.services;
        },
        printJson: (value) => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
        print: (text) => void io.stdout.write(text),
      };
      await run(ctx, ...(args.slice(0, -1) as A));
      state.exitCode = ctx.exitCode;
    };

  program
    .command('invoke')
    .description('submit a task (asynchronously); the same ID with the same payload returns the existing task')
    .argument('<function>', 'task name, e.g. analyze-slow-queries')
    .option('--id <id>', 'task ID (letters, digits, _ and -; starts with a letter or _); generated when absent')
    .option('--payload <json>', 'payload as JSON text (default {})')
    .option('--payload-file <file>', 'payload from a JSON file (- for standard input)')
    .option('--wait', 'wait until the task ends, with a progress bar on stderr; exit 0 only if it SUCCEEDED')
    .action(action(async (ctx, name: string, opts: InvokeOptions) => (await import('./commands/invoke.js')).invoke(ctx, name, opts)));

  program
    .command('get')
    .description('show a task: status, attempts, progress, times, error, events')
    .argument('<id>', 'task ID')
    .action(action(async (ctx, id: string) => (await import('./commands/get.js')).get(ctx, id)));

  program
    .command('ls')
    .description('list tasks by status, function or ID prefix — or, with none, the most recent of every function (last day by default) — newest first, a page at a time')
    .option('--status <status>', 'queued, running, retrying, succeeded, failed, stopping, stopped or expired')
    .option('--function <name>', 'task name')
    .option('--prefix <prefix>', 'task ID prefix')
    .option('--since <time>', 'created at or after: ISO time or a duration back from now (15m, 1h, 2d)')
    .option('--until <time>', 'created at or before: ISO time or a duration back from now')
    .option('--limit <n>', 'page size, 1 to 1000 (default 50)')
    .option('--next-token <token>', 'the next page, from a previous ls')
    .action(action(async (ctx, opts: LsOptions) => (await import('./commands/ls.js')).ls(ctx, opts)));

  program
    .command('cost')
    .description('what finished tasks cost (recorded usage × published prices), per task and per function per day, beside an always-on cluster')
    .option('--since <time>', 'tasks created at or after: ISO time or a duration back from now (default 7d)')
    .option('--function <name>', 'only this task name')
    .action(action(async (ctx, opts: CostOptions) => (await import('./commands/cost.js')).cost(ctx, opts)));

  program
    .command('logs')
    .description("print the log lines of a task's attempts, in time order")
    .argument('<id>', 'task ID')
    .option('-f, --follow', 'keep printing new lines until the task ends')
    .action(action(async (ctx, id: string, opts: LogsOptions) => (await import('./commands/logs.js')).logs(ctx, id, opts)));

  program
    .command('stop')
    .description('stop a task: a queued one at once, a running one at its next heartbeat')
    .argument('<id>', 'task ID')
    .action(action(async (ctx, id: string) => (await import('./commands/stop.js')).stop(ctx, id)));

  program
    .command('exec')
    .description('log in to the container of a running long task (ECS Exec): prints the command, or runs it with --run (embedded platform: runs --command, or a shell, in the task\'s scratch directory with its environment; exits with its code)')
    .argument('<id>', 'task ID')
    .option('--run', 'run `aws ecs execute-command` instead of printing it')
    .option('--container <name>', 'container name (default transcoder)')
    .option('--command <cmd>', 'command to run in the container (default /bin/sh; embedded platform: sh -c CMD)')
    .action(action(async (ctx, id: string, options: ExecOptions) => (await import('./commands/exec.js')).exec(ctx, id, options)));

  program
    .command('retry')
    .description('run a FAILED, STOPPED or EXPIRED task again, with the same ID and payload')
    .argument('<id>', 'task ID')
    .action(action(async (ctx, id: string) => (await import('./commands/retry.js')).retry(ctx, id)));

  program
    .command('redrive')
    .description('retry the tasks of the failure records in the dead-letter queue')
    .option('--dlq', 'from the failure destination queue (dead-letter queue)')
    .option('--function <name>', 'only records of this task name')
    .action(action(async (ctx, opts: RedriveOptions) => (await import('./commands/redrive.js')).redrive(ctx, opts)));

  program
    .command('produce')
    .description('send records to a Kafka topic of the embedded platform (one --value, or one per line of a JSONL file)')
    .argument('<topic>', 'topic name, e.g. slow-queries')
    .option('--value <text>', 'the record value')
    .option('--file <file>', 'a JSONL file: one record value per line')
    .option('--key <key>', 'the record key (every record)')
    .action(action(async (ctx, topic: string, opts: ProduceOptions) => (await import('./commands/produce.js')).produce(ctx, topic, opts)));

  program
    .command('streams')
    .description('each Kafka event source mapping: topic, group, lag per partition, last batch, failed records')
    .action(action(async (ctx) => (await import('./commands/streams.js')).streams(ctx)));

  program
    .command('console')
    .description('serve a web console of the target on 127.0.0.1 (tasks, logs, stop, retry, dead-letter queue, streams) until interrupted')
    .option('--port <n>', 'port to listen on (default: a free one)')
    .action(action(async (ctx, opts: ConsoleOptions) => (await import('./commands/console.js')).consoleCommand(ctx, opts)));

  program
    .command('outputs')
    .description("the target's stack outputs")
    .action(action(async (ctx) => (await import('./commands/outputs.js')).outputs(ctx)));

  program
    .command('dev')
    .description('run the embedded platform (no AWS account, no Docker) in --data-dir until interrupted')
    .option('--retry-delay-scale <x>', "scale of Lambda's delays between retries (e.g. 0.001)")
    .option('--verbose', 'print every resource of the template and what serves it, and the endpoints')
    .action(action(async (ctx, opts: DevOptions) => (await import('./commands/dev.js')).dev(ctx, opts)));

  return program;
}
