#!/usr/bin/env bash
# Everything a fresh machine needs: Debian's ffmpeg, chromium, curl and jq (below), the npm packages, Node 24
# included (npm package `node`, used by every npm script), the Kafka broker's jars, uv (PyPI; bundles Python tasks and installs host wheels for the embedded platform), the Python test environment
# and the IaC scanners.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages: the host's ffmpeg (the transcoder runs it locally), headless Chromium (test/e2e/console.test.ts
# drives it with playwright-core), curl and jq (the README's task API example, run by test/e2e/task-api-clients.test.ts).
missing=()
for pair in ffmpeg:ffmpeg ffprobe:ffmpeg chromium:chromium curl:curl jq:jq; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  echo "setup: installing Debian packages: $packages"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $packages >/dev/null
fi
echo "setup: $(ffmpeg -version | head -n 1); $(chromium --version 2>/dev/null | head -n 1); $(curl --version | head -n 1 | cut -d' ' -f1-2); $(jq --version)"
npm ci --no-audit --no-fund
# The embedded platform's Kafka broker (Apache Kafka, KRaft): its jars from Maven Central into the user's cache,
# as pom.xml declares them (local/kafka/jars.ts finds them there; STASK_KAFKA_JARS overrides the directory).
if ! command -v mvn >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  echo "setup: installing Maven and Java 17 (Debian packages)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq maven openjdk-17-jre-headless >/dev/null
fi
kafka_jars="$(npm exec --offline -- tsx -e 'import("./local/kafka/jars.ts").then((m) => console.log(m.kafkaJarsDir()))')"
if [ ! -f "$kafka_jars/.complete" ]; then
  echo "setup: fetching the Kafka broker's jars into $kafka_jars"
  mvn -q -B -f pom.xml dependency:copy-dependencies -DoutputDirectory="$kafka_jars"
  touch "$kafka_jars/.complete"
fi
echo "setup: Kafka broker jars in $kafka_jars"

# uv and the Python runtime's test environment (python/.venv).
./scripts/setup-python.sh

# IaC scanners (PyPI) for test/infra/iac-scan.test.ts, in a git-ignored virtual environment.
if [ ! -x .venv-tools/bin/cfn-lint ] || [ ! -x .venv-tools/bin/checkov ] || [ scripts/iac-tools.txt -nt .venv-tools/.installed ]; then
  echo "setup: installing cfn-lint and checkov into .venv-tools"
  if command -v uv >/dev/null 2>&1; then
    uv venv --quiet --allow-existing .venv-tools && uv pip install --quiet --python .venv-tools/bin/python -r scripts/iac-tools.txt
  else
    python3 -m venv .venv-tools && .venv-tools/bin/pip install --quiet -r scripts/iac-tools.txt
  fi
  touch .venv-tools/.installed
fi
