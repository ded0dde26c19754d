#!/usr/bin/env bash
# Format the whole tree once and apply Biome's safe lint fixes (biome.json decides the folders and the rules).
# Run on main after the last branch has merged; afterwards `npm run lint` (biome ci) keeps it that way.
set -euo pipefail
cd "$(dirname "$0")/.."
npx biome lint --write . || true # safe fixes first (they change line lengths); what is left is listed by the check below
npx biome format --write .
npx biome format --write . # a second pass: Biome 2.6.8 settles a few call chains only then
npm run --silent lint
