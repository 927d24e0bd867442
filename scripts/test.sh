#!/usr/bin/env bash
# Run the whole test suite (SQLite unless DATABASE_URL says otherwise).
# Extra arguments go to pytest, e.g. scripts/test.sh tests/catalog -x
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-dev.txt
exec .venv/bin/python -m pytest "$@"
