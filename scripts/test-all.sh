#!/usr/bin/env bash
# The one test command: set up, format and lint check, import direction, start the local servers, type-check, build, run every test, stop the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
# Format and lint (Biome, biome.json) before anything else: a finding fails the run here, with the file and line above.
npm run --silent lint || { echo "npm test: the Biome check (npm run lint) failed; fix what it lists (formatting: npx biome format --write FILE)" >&2; exit 1; }
npm run --silent lint:deps # import direction (engines ← control plane ← entry points), .dependency-cruiser.cjs
export RUN=${RUN:-$PWD/.run}
trap 'bash scripts/test-servers.sh stop' EXIT
bash scripts/test-servers.sh start
# shellcheck disable=SC1091
source "$RUN/env"
export NODE_NO_WARNINGS=1 # the SDK's Node 22 notice would drown the test output
# The test servers are on this machine: a proxy named in the environment (HTTPS_PROXY…) must not be asked for them.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
npx tsc -p tsconfig.json --noEmit
if [ -f portal/vite.config.ts ]; then npm run build:portal; fi
npm run build:worker # dist/dth.mjs: the CDK app packages it (worker asset, task image); built once, before the tests
npx vitest run "$@"
