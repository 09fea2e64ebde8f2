import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { parsePositiveNumber } from '../parse.js';
import { ENDPOINTS_FILE, isProcessAlive, readEndpointsFile } from '../target.js';

/** The project root: cdk.out, functions/ and the stack live there. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface DevOptions {
  readonly retryDelayScale?: string;
  readonly verbose?: boolean;
}

/**
 * `stask dev [--data-dir DIR] [--retry-delay-scale X]`: runs the embedded platform until SIGINT/SIGTERM,
 * then closes it (state stays in DIR) and ends with exit code 0.
 */
export async function dev(ctx: CommandContext, options: DevOptions): Promise<void> {
  const retryDelayScale = options.retryDelayScale === undefined ? undefined : parsePositiveNumber(options.retryDelayScale, '--retry-delay-scale');
  const dataDir = resolve(ctx.options.dataDir);
  const running = await readEndpointsFile(dataDir).catch(() => undefined);
  if (running && running.pid !== process.pid && isProcessAlive(running.pid)) {
    throw new CliError(`an embedded platform is already running in ${ctx.options.dataDir} (pid ${running.pid}, ${join(ctx.options.dataDir, ENDPOINTS_FILE)})`);
  }
  const log = (line: string): void => void ctx.io.stdout.write(`${line}\n`);

  // Loaded only here: the other commands never load the platform (servers, cdk.out reader).
  const { startDevPlatform } = await import('../../../local/dev-platform.js');
  const platform = await startDevPlatform({
    dataDir,
    root: PROJECT_ROOT,
    log,
    ...(options.verbose ? { verbose: true } : {}),
    ...(retryDelayScale !== undefined ? { retryDelayScale } : {}),
  });

  await new Promise<void>((done, fail) => {
    let closing = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) {
        // A second Ctrl-C while closing: give up waiting.
        process.exit(130);
      }
      closing = true;
      log(`stask dev: ${signal} received, closing the embedded platform`);
      platform.close().then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        log('stask dev: closed');
        done();
      }, fail);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
