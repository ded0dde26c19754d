#!/usr/bin/env bash
# The README's main command: install what is missing, build the console, run the local hub on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -f portal/vite.config.ts ]; then npm run build:portal; fi
export NODE_NO_WARNINGS=1
exec node bin/dth.mjs serve "$@"
