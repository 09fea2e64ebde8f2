// Bundles the stask CLI (bin/stask.ts and what it imports from bin/ and functions/) into one ESM file, and the
// web console's page (scripts/build-console.mjs) into dist/console/, with
// esbuild, so a call loads plain JavaScript instead of compiling TypeScript with tsx each time. Run by
// `npm ci` / `npm install` (the package's `prepare` script) and by bin/stask.mjs when the bundle is older
// than the sources. npm packages are bundled too, split so that a command loads only what it uses; `stask dev` is not
// served by the bundle (bin/stask.mjs runs it from the sources: the platform finds its files next to them).
import { existsSync, lstatSync, mkdirSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildConsole } from './build-console.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Two levels under the root, like bin/cli/: the bundle's `../../package.json` is the project's. */
export const CLI_BUNDLE = 'dist/cli/stask.mjs';

export async function buildCli() {
  const result = await build({
    metafile: true,
    write: false,
    absWorkingDir: root,
    entryPoints: ['bin/stask.ts'],
    outdir: 'dist/cli',
    outExtension: { '.js': '.mjs' },
    // The commands are imported when run: `stask --help` loads neither them nor the AWS SDK.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    minify: true,
    // CommonJS packages inside an ESM bundle call require() for Node's built-ins.
    banner: { js: "import { createRequire as __stask_createRequire } from 'node:module'; const require = __stask_createRequire(import.meta.url);" },
    logLevel: 'warning',
    // The Kafka client loads its WebAssembly (dist/native.wasm) next to its own files: it stays in node_modules.
    external: ['@platformatic/kafka'],
    plugins: [
      {
        name: 'platform-stays-out',
        setup(b) {
          b.onResolve({ filter: /\/local\/dev-platform\.js$/ }, (args) => ({ path: args.path, external: true }));
        },
      },
    ],
  });
  // Concurrent stask calls may run the old bundle meanwhile: chunks (hashed names) are added, never
  // removed, and the entry is replaced by a rename, so none of them reads a half-written file.
  const entry = join(root, CLI_BUNDLE);
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    const target = file.path === entry ? `${entry}.${process.pid}.tmp` : file.path;
    writeFileSync(target, file.contents);
  }
  renameSync(`${entry}.${process.pid}.tmp`, entry);
  // The project files in the bundle: bin/stask.mjs rebuilds it when one of them is newer.
  // The console's page (scripts/build-console.mjs) is rebuilt with it: its sources count too.
  const sources = [...Object.keys(result.metafile.inputs).filter((path) => !path.includes('node_modules/')), ...(await buildConsole())];
  writeFileSync(join(root, 'dist/cli/sources.json'), `${JSON.stringify(sources)}\n`);
}

/**
 * `npx stask` finds node_modules/.bin/stask and runs it at once. The package declares no "bin" on purpose:
 * npm exec treats a bin of the project itself as a package to install into its cache and loads the whole
 * installed tree first (seconds); so the link is made here, by `npm ci` (prepare).
 */
export function linkBin() {
  const link = join(root, 'node_modules/.bin/stask');
  if (!existsSync(join(root, 'node_modules/.bin'))) return;
  try {
    if (lstatSync(link)) unlinkSync(link);
  } catch {
    // not there yet
  }
  symlinkSync('../../bin/stask.sh', link);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildCli();
  linkBin();
}
