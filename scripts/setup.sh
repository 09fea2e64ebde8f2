#!/usr/bin/env bash
# Everything a fresh machine needs: the host's ffmpeg (Debian package; the transcoder runs it locally),
# the npm packages, Node 24 included (npm package `node`, used by every npm script), uv (PyPI; bundles
# Python tasks and installs host wheels for the embedded platform) and the Python test environment.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
  echo "setup: installing ffmpeg (Debian package)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq ffmpeg >/dev/null
fi
echo "setup: $(ffmpeg -version | head -n 1)"
npm ci --no-audit --no-fund

./scripts/setup-python.sh
