// The Kafka side of the embedded platform for `stask produce` and `stask streams`: the broker and the
// mappings `stask dev` names in endpoints.json. A deployed stack's MSK cluster needs IAM-signed SASL from the
// CLI, which it does not have: those verbs say so instead.
import { ENDPOINTS_FILE, type StreamEndpoint } from '../../functions/core/facts.js';
import { CliError, UsageError } from './errors.js';
import { readEndpointsFile, type TargetOptions } from './target.js';

export interface StreamsTarget {
  readonly bootstrap: string;
  readonly streams: readonly StreamEndpoint[];
}

export async function streamsTarget(options: TargetOptions): Promise<StreamsTarget> {
  if (options.stack !== undefined) {
    throw new CliError(`stask cannot reach the MSK cluster of stack ${options.stack}: MSK IAM auth needs a SASL/OAUTHBEARER signer the CLI does not ship; ` +
      'produce with a Kafka client inside the VPC, and watch the mapping in the Lambda console (OffsetLag metric)');
  }
  const parsed = await readEndpointsFile(options.dataDir);
  if (!parsed) throw new CliError(`no embedded platform in ${options.dataDir} (no ${ENDPOINTS_FILE}): start it with \`stask dev\``);
  const streams = parsed.streams ?? [];
  const bootstrap = streams[0]?.bootstrap;
  if (!bootstrap) throw new UsageError(`the embedded platform in ${options.dataDir} has no Kafka source (the template declares no MSK event source mapping)`);
  return { bootstrap, streams };
}
