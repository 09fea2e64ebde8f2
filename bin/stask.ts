// stask: the CLI of Serverless Task for AWS. Commands are in ./cli/; run through tsx (see bin/stask.mjs).
import { main } from './cli/main.js';

// `stask logs ID | head`: the reader went away; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Idle SDK sockets or a closed platform's leftovers must not keep the process alive.
setTimeout(() => process.exit(code), 1000).unref();
