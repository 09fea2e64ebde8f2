// The console's page: dist/console/ (index.html, app.js, app.css), built by scripts/build-console.mjs with
// the CLI (`npm ci`'s prepare). Every path that is not a file is the page itself (the page routes by path).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_DIST = 'dist/console';

const TYPES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.js.map': 'application/json; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'index.html': 'text/html; charset=utf-8',
};

/** The project's root: the nearest directory above this file (its source or its bundle chunk) with package.json. */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('stask console cannot find the project directory (package.json)');
    dir = up;
  }
  return dir;
}

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** Reads the built files once; a missing build says how to make it. */
export function loadAssets(root: string = projectRoot()): ReadonlyMap<string, Asset> {
  const dir = join(root, CONSOLE_DIST);
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(TYPES)) {
    const file = join(dir, name);
    if (existsSync(file)) assets.set(`/${name}`, { type, body: readFileSync(file) });
  }
  if (!assets.has('/index.html') || !assets.has('/app.js')) {
    throw new Error(`the console's page is not built (${dir}): run npm run build:cli`);
  }
  return assets;
}

/** The asset a GET of `path` serves: a built file, or the page for any other path without a dot. */
export function assetFor(assets: ReadonlyMap<string, Asset>, path: string): Asset | undefined {
  const file = assets.get(path);
  if (file) return file;
  return /^\/[\w/-]*$/.test(path) ? assets.get('/index.html') : undefined;
}
