// The embedded Step Functions with its storage servers (test/local/stepfunctions/harness.ts), started before a
// test file's tests and stopped after them, for every file that drives state machines through the SFN API.
import { afterAll, beforeAll } from 'vitest';
import { removeDir, startSfn, startStorage, type Sfn, type Storage } from '../local/stepfunctions/harness.js';

export interface StartedStepFunctions {
  readonly storage: Storage;
  readonly sfn: Sfn;
}

/** Registers the file's beforeAll (start, then `onStart`) and afterAll (stop, remove the data directory). */
export function useStepFunctions(onStart: (started: StartedStepFunctions) => void): void {
  let started: StartedStepFunctions | undefined;
  beforeAll(async () => {
    const storage = await startStorage();
    started = { storage, sfn: await startSfn(storage) };
    onStart(started);
  });
  afterAll(async () => {
    if (!started) return;
    await started.sfn.close();
    await started.storage.close();
    removeDir(started.sfn.dataDir);
  });
}
