#!/usr/bin/env bash
# Install what the hub and the tests need on a fresh Debian machine: apt packages and pinned npm deps.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for cmd in skopeo docker-registry htpasswd rclone chromium jq curl python3; do
  command -v "$cmd" >/dev/null 2>&1 || need+=("$cmd")
done
# A CJK font, so the console's Chinese screenshots (test/portal) show characters, not empty boxes.
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
    skopeo docker-registry apache2-utils rclone chromium jq curl python3 ca-certificates fonts-wqy-zenhei
fi
# The cloud path is tested against moto server and cfn-lint, shipped with the machine image's Python 3.11 (not
# installable here: no PyPI). Without them the cloud tests cannot run, so stop now with the reason.
# The local hub (npm start) runs without them: only the test command (`setup.sh --tests`) asks for them.
if [ "${1:-}" = "--tests" ]; then
  for cmd in moto_server cfn-lint; do
    command -v "$cmd" >/dev/null 2>&1 || { echo "setup: $cmd not found. It ships with the machine image's Python 3.11 (moto 5.2.1, cfn-lint 1.51); the cloud tests need it." >&2; exit 1; }
  done
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
