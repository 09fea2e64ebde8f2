#!/usr/bin/env bash
# The Python side: uv from PyPI (pip), then python/.venv with the runtime's and the tests' pinned packages,
# on the interpreter matching the Lambda runtime (python3.14) when the machine has it, else the closest ≥ 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v uv >/dev/null 2>&1; then
  echo "setup: installing uv (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check uv || python3 -m pip install --quiet --user uv
  export PATH="$HOME/.local/bin:$PATH"
  hash -r
fi
echo "setup: $(uv --version)"

# PYTHON_RUNTIME in lib/constructs/python-task-function.ts is python3.14: that, else the closest (older first on a tie)
python=""
for minor in 14 13 15 12 11; do
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3."$minor".*/bin/python3."$minor" "$(command -v python3."$minor" 2>/dev/null || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys' 2>/dev/null; then python="$candidate"; break 2; fi
  done
done
if [ -z "$python" ]; then echo "setup: no Python 3.11 or newer found" >&2; exit 1; fi
echo "setup: Python for tests and local Python tasks: $python ($("$python" --version 2>&1))"
if [ ! -x python/.venv/bin/python ] || [ "$(python/.venv/bin/python -c 'import sys; print(sys.version_info[:2])')" != "$("$python" -c 'import sys; print(sys.version_info[:2])')" ]; then
  rm -rf python/.venv
  uv venv --quiet --python "$python" python/.venv
fi
(cd python && uv pip install --quiet --python .venv/bin/python -r requirements-test.txt)
