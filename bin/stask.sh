#!/bin/sh
# `npx stask` / `npm exec stask` (package.json "bin"): npm puts the host's own node first on PATH, so a
# `#!/usr/bin/env node` launcher would start on it (Node 20 here: slower to start, and not the Node the
# project pins). This starts bin/stask.mjs with the project's Node 24 instead, when it is installed.
self=$(readlink -f "$0")
root=$(dirname "$(dirname "$self")")
node="$root/node_modules/node/bin/node"
[ -x "$node" ] || node=node
exec "$node" "$root/bin/stask.mjs" "$@"
