#!/usr/bin/env bash
# `make run`: build the demo marketplace, load it into SQLite, scan it, serve the UI.
set -euo pipefail
CM=$1 DEMO=$2 HOST=$3 PORT=$4
export COUNTERMARK_DATA_DIR=${COUNTERMARK_DATA_DIR:-var}

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "demo marketplace -> $DEMO"
[ -f "$DEMO/bundle.json" ] || "$CM" demo "$DEMO" --listings 3000 --seed 1
step "database: $COUNTERMARK_DATA_DIR/countermark.db (SQLite)"
"$CM" db upgrade
step "import $DEMO"
"$CM" import "$DEMO" || [ $? -eq 3 ]
if "$CM" scan --help >/dev/null 2>&1; then
  step "proactive scan of the database"
  "$CM" scan --db || true
fi
if "$CM" serve --help >/dev/null 2>&1; then
  step "serving http://$HOST:$PORT"
  "$CM" users demo-accounts 2>/dev/null || true
  exec "$CM" serve --host "$HOST" --port "$PORT"
fi
echo "done. Try: $CM --help"
