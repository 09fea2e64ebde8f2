// A python3.x function of the template on the embedded platform: the host interpreter chosen for its
// runtime (printed once), host wheels of its asset's pins, environments from python-function.ts.
import type { FunctionSpec } from '../provisioner.js';
import type { Handler } from './lambda-service.js';
import { pythonFunction } from './python-function.js';
import { hostDependencies } from './python-host-deps.js';
import { describePython, findPython } from './python-interpreter.js';

const announced = new Set<string>();

export function pythonRunner(
  spec: FunctionSpec,
  env: () => Readonly<Record<string, string>>,
  cacheRoot: string,
  onLine: (requestId: string, line: string) => void,
  log: (line: string) => void,
): Handler & { close(): void } {
  if (!spec.python) throw new Error(`${spec.name} is not a Python function`);
  const { assetDir, handler, runtime } = spec.python;
  const python = findPython(runtime);
  if (!announced.has(runtime)) {
    announced.add(runtime);
    log(describePython(runtime, python));
  }
  let deps: Promise<string> | undefined;
  return pythonFunction({
    assetDir,
    handler,
    python,
    hostDeps: () => (deps ??= hostDependencies(assetDir, python, cacheRoot)),
    env,
    memoryMb: spec.memoryMb,
    timeoutSeconds: spec.timeoutSeconds,
    onLine,
  });
}
