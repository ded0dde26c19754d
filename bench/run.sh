#!/usr/bin/env bash
# npm run bench: our engine vs rclone (and skopeo sync) on local s3rver/registry processes; report in bench/out/.
#   BENCH_SCALE=0.05 BENCH_ROUNDS=1 npm run bench     # quick run
#   BENCH_ONLY=small,noop npm run bench               # some workloads only (raw small medium mixed large huge noop diff images fanout)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "bench: GNU time (/usr/bin/time) is required: apt-get install time" >&2; exit 1; }
command -v rclone >/dev/null || { echo "bench: rclone is required: npm run setup" >&2; exit 1; }
# Measure the CLI as it ships (one bundled file) when the bundler script exists.
if [ -f scripts/build-worker.mjs ] && [ "${BENCH_NO_BUILD:-}" != 1 ]; then npm run -s build:worker; fi
export NODE_NO_WARNINGS=1 AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED AWS_RESPONSE_CHECKSUM_VALIDATION=WHEN_REQUIRED AWS_EC2_METADATA_DISABLED=true
exec node --import tsx bench/main.ts "$@"
