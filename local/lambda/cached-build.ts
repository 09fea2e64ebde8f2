// A directory built once and cached (host wheels of a Python asset, a long job's venv): built in a staging
// directory, marked complete, then renamed into place, so a crash mid-build leaves nothing that looks done;
// concurrent requests for the same directory in this process share one build.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const COMPLETE_MARKER = '.complete';
const building = new Map<string, Promise<string>>();

/** `dir` once `build(staging)` has filled a staging directory and it has been moved there. */
export function cachedBuild(dir: string, build: (staging: string) => Promise<void>): Promise<string> {
  const pending = building.get(dir);
  if (pending) return pending;
  const work = (async () => {
    if (existsSync(join(dir, COMPLETE_MARKER))) return dir;
    await mkdir(dirname(dir), { recursive: true });
    const staging = `${dir}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    await build(staging);
    await writeFile(join(staging, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
    if (!existsSync(join(dir, COMPLETE_MARKER))) await rm(dir, { recursive: true, force: true }); // a crashed build's leftover
    try {
      await rename(staging, dir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(join(dir, COMPLETE_MARKER))) throw error; // else another platform built it meanwhile
    }
    return dir;
  })();
  building.set(dir, work);
  work.catch(() => building.delete(dir));
  return work;
}
