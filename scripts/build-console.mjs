// Bundles the web console's page (web/console/: Preact components in TypeScript/JSX, plain CSS) into
// dist/console/ (index.html, app.js, app.css) with esbuild: `stask console` serves these files, nothing from a
// CDN. Run by scripts/build-cli.mjs (so by `npm ci`'s prepare, `npm run build:cli`, and bin/stask.mjs when a
// source is newer than the bundle). Returns the project files it was built from.
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
export const CONSOLE_OUT = 'dist/console';

export async function buildConsole() {
  const out = join(root, CONSOLE_OUT);
  mkdirSync(out, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: 'web/console/main.tsx', 'app-style': 'web/console/styles.css' },
    outdir: CONSOLE_OUT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    logLevel: 'warning',
  });
  // Each file replaced by a rename: a console serving the old page never reads half a file.
  for (const file of result.outputFiles) {
    const name = file.path.endsWith('app-style.css') ? join(out, 'app.css') : file.path;
    writeFileSync(`${name}.${process.pid}.tmp`, file.contents);
    renameSync(`${name}.${process.pid}.tmp`, name);
  }
  copyFileSync(join(root, 'web/console/index.html'), join(out, 'index.html'));
  return [...Object.keys(result.metafile.inputs).filter((path) => !path.includes('node_modules/')), 'web/console/index.html'];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildConsole();
