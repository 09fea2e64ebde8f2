#!/usr/bin/env node
// Launcher of the stask CLI (package.json "bin"): registers tsx's TypeScript loader, then runs bin/stask.ts.
// Runs under the project's Node 24 when started through npm (node_modules/.bin comes first on PATH).
import { register } from 'tsx/esm/api';

register();
await import('./stask.ts');
