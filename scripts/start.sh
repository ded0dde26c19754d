#!/usr/bin/env bash
# The README's main command (`npm start`): install what is missing, build the console and the dth bundle,
# then run the local hub on 127.0.0.1 (console + GraphQL API + engines). Options go to `dth serve`:
#   npm start -- --port 8470 --data ~/.dth --secrets ./secrets.json
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -f portal/vite.config.ts ]; then
  npm run --silent build:portal || echo "start: the console did not build; the API still runs (see the error above)" >&2
fi
if [ -f scripts/build-worker.mjs ]; then
  if ! npm run --silent build:worker; then
    echo "start: the dth bundle did not build; running from the TypeScript sources" >&2
    export DTH_FROM_SOURCE=1
  fi
fi
export NODE_NO_WARNINGS=1
# The bin itself: its first lines exec node with its flags (lib/node-flags.ts).
exec bin/dth.mjs serve "$@"
