// `stask console [--port N]`: the web console of the target, served on 127.0.0.1 until interrupted.
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

export interface ConsoleOptions {
  readonly port?: string;
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65_535) throw new UsageError(`--port '${value}' is not a port number (0 to 65535; 0 picks a free one)`);
  return n;
}

export async function consoleCommand(ctx: CommandContext, options: ConsoleOptions): Promise<void> {
  const port = parsePort(options.port);
  const services = await ctx.services();
  // The AWS console links need the stack's region: the SDK's, from the default chain.
  const awsRegion = ctx.options.stack !== undefined ? await services.sqs().config.region() : undefined;
  const { startConsoleServer } = await import('../console/server.js');
  const server = await startConsoleServer(
    { services, target: ctx.options, now: () => ctx.io.now(), ...(awsRegion !== undefined ? { awsRegion } : {}) },
    { port },
  );
  if (ctx.options.json) ctx.printJson({ url: server.url, port: server.port });
  else ctx.print(`stask console for ${services.target.description}: ${server.url}\n(only this URL opens it: it carries this run's token; Ctrl-C stops the console)\n`);

  await new Promise<void>((done) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void server.close().then(done);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
