// Runs inside a worker thread: one Lambda execution environment. Loads the function bundle once (init),
// then serves one invocation at a time, as Lambda reuses a warm environment. Plain JavaScript so the
// worker needs no TypeScript loader. process.exit() here ends only this thread.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

const { bundleFile, exportName } = workerData;
// Stack traces name the TypeScript sources (bundles ship source maps), as NODE_OPTIONS=--enable-source-maps does on AWS.
process.setSourceMapsEnabled(true);

// Output goes to the parent over the same channel as results, tagged with the invocation it belongs to,
// so that every line lands in the right task's log in order.
let currentRequestId = null;
for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]]) {
  stream.write = (chunk, encoding, callback) => {
    parentPort.postMessage({ type: 'output', stream: name, requestId: currentRequestId, text: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8') });
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') done();
    return true;
  };
}

function errorShape(error) {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, stackTrace: (error.stack ?? '').split('\n').slice(1).map((l) => l.trim()) };
  }
  return { errorType: 'Error', errorMessage: String(error) };
}

/** As Lambda's Node.js runtime reports a module that fails to load: a missing module or a syntax error get its Runtime.* types. */
function initError(error) {
  if (!(error instanceof Error)) return error;
  const wrap = (name) => Object.assign(new Error(String(error)), { name, stack: `${name}: ${String(error)}\n${(error.stack ?? '').split('\n').slice(1).join('\n')}` });
  if (error instanceof SyntaxError) return wrap('Runtime.UserCodeSyntaxError');
  if (error.code === 'MODULE_NOT_FOUND' || error.code === 'ERR_MODULE_NOT_FOUND') return wrap('Runtime.ImportModuleError');
  return error;
}

let handler;
try {
  const mod = await import(pathToFileURL(bundleFile).href);
  handler = mod[exportName];
  if (typeof handler !== 'function') throw Object.assign(new Error(`${exportName} is not exported by ${bundleFile}`), { name: 'Runtime.HandlerNotFound' });
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: errorShape(initError(error)) });
}

parentPort.on('message', async ({ requestId, event, context }) => {
  currentRequestId = requestId;
  const deadline = Date.now() + context.remainingMs;
  try {
    const result = await handler(event, {
      ...context,
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    });
    parentPort.postMessage({ type: 'result', requestId, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    parentPort.postMessage({ type: 'result', requestId, ok: false, error: errorShape(error) });
  }
});
