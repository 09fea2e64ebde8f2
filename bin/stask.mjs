#!/usr/bin/env node
// Launcher of the stask CLI (package.json "bin"). Runs the esbuild bundle (dist/cli/stask.mjs, built by
// `npm ci` through the `prepare` script, rebuilt here when a source is newer); `stask dev`, and any run
// where the bundle cannot be built, goes through tsx's TypeScript loader on bin/stask.ts instead.
// `npx stask` reaches it through bin/stask.sh, which starts it with the project's Node 24.
import { existsSync, readFileSync, statSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

// V8's code cache for the bundle (Node ≥ 22.1; a no-op before): later calls skip compiling it.
module.enableCompileCache?.();

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}dist/cli/stask.mjs`;

await run();

/** The newest of the project files the bundle was built from (dist/cli/sources.json, written by the build). */
function newestSource() {
  const sources = JSON.parse(readFileSync(`${root}dist/cli/sources.json`, 'utf8'));
  // A file gone since (renamed) counts as newer: rebuild.
  return Math.max(0, ...sources.map((path) => (existsSync(`${root}${path}`) ? statSync(`${root}${path}`).mtimeMs : Infinity)));
}

async function fresh() {
  try {
    if (statSync(bundle).mtimeMs >= newestSource()) return true;
  } catch {
    // no bundle yet
  }
  try {
    const { buildCli } = await import('../scripts/build-cli.mjs');
    await buildCli();
    return true;
  } catch {
    return false; // no esbuild (a production install): the sources it is
  }
}

async function run() {
  if (process.argv[2] !== 'dev' && (await fresh())) {
    await import(bundle);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('./stask.ts');
  }
}
