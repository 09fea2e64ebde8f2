// Runs inside a worker thread: loads one function bundle from cdk.out and serves a single invocation.
// Plain JavaScript so the worker needs no TypeScript loader. process.exit() here ends only this thread.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

const { bundleFile, exportName, event, context } = workerData;
// Stack traces name the TypeScript sources (bundles ship source maps), as NODE_OPTIONS=--enable-source-maps does on AWS.
process.setSourceMapsEnabled(true);
const deadline = Date.now() + context.remainingMs;

function errorShape(error) {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, stackTrace: (error.stack ?? '').split('\n').slice(1).map((l) => l.trim()) };
  }
  return { errorType: 'Error', errorMessage: String(error) };
}

try {
  const mod = await import(pathToFileURL(bundleFile).href);
  const handler = mod[exportName];
  if (typeof handler !== 'function') throw Object.assign(new Error(`${exportName} is not exported by ${bundleFile}`), { name: 'Runtime.HandlerNotFound' });
  const result = await handler(event, {
    ...context,
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  });
  parentPort.postMessage({ ok: true, result: result === undefined ? null : result });
} catch (error) {
  parentPort.postMessage({ ok: false, error: errorShape(error) });
}
