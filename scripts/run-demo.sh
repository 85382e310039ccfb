#!/usr/bin/env bash
# `make run`: build the demo marketplace, load it into SQLite, link sellers, scan, serve the UI.
set -euo pipefail
CM=$1 DEMO=$2 HOST=$3 PORT=$4
export COUNTERMARK_DATA_DIR=${COUNTERMARK_DATA_DIR:-var}

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "demo marketplace -> $DEMO (3,000 listings, labelled; see docs/demo.md)"
[ -f "$DEMO/bundle.json" ] || "$CM" demo "$DEMO" --listings 3000 --seed 1
step "database: $COUNTERMARK_DATA_DIR/countermark.db (SQLite; set COUNTERMARK_DATABASE_URL for PostgreSQL)"
"$CM" db upgrade
step "import $DEMO (idempotent: safe to run again)"
"$CM" import "$DEMO" --rejects "$COUNTERMARK_DATA_DIR/demo.rejects.jsonl" || [ $? -eq 3 ]
step "brand reference images into the hash bank"
"$CM" images bank add brand-reference --bundle "$DEMO"
step "seller network: link accounts run by one party"
"$CM" network --db
step "proactive scan: flag listings into the review queue"
"$CM" scan --db
step "demo logins (one per role)"
"$CM" users demo-accounts
step "serving http://$HOST:$PORT  (Ctrl-C to stop; data stays in $COUNTERMARK_DATA_DIR/)"
exec "$CM" serve --host "$HOST" --port "$PORT"
