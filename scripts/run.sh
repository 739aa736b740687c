#!/usr/bin/env bash
# `make run`: the Kashoo sandbox plus an Odoo 18 server on http://localhost:8069 whose database has
# kashoo_connector installed with demo data and its backend pointed at the sandbox. Ctrl-C stops both.
set -euo pipefail
source "$(dirname "$0")/common.sh"

prepare_environment

DB=${KASHOO_DEMO_DB:-kashoo_demo}
HTTP_PORT=${ODOO_HTTP_PORT:-8069}
SANDBOX_PORT=${KASHOO_SANDBOX_PORT:-8075}
SANDBOX_SEED=${KASHOO_SANDBOX_SEED:-42}
RUN_DIR="$CACHE_DIR/run"
mkdir -p "$RUN_DIR"
CONF="$RUN_DIR/odoo.conf"
# The demo database keeps its secrets encrypted under a key kept beside it, outside the repository.
if [ -z "${KASHOO_ENCRYPTION_KEY:-}" ]; then
    KEY_FILE="$RUN_DIR/encryption.key"
    [ -s "$KEY_FILE" ] || (umask 077 && "$VENV/bin/python" -c \
        'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' > "$KEY_FILE")
    KASHOO_ENCRYPTION_KEY=$(cat "$KEY_FILE")
fi
export KASHOO_ENCRYPTION_KEY
write_odoo_conf "$CONF"
# exec: the process started in the background is odoo-bin itself, so stopping it stops Odoo.
odoo() { exec "$VENV/bin/python" "$ODOO_PATH/odoo-bin" "$@" -c "$CONF" -d "$DB"; }

CHILDREN=()
shutdown() {
    trap - INT TERM EXIT
    say "stopping"
    local index pid
    # Newest first: Odoo before the sandbox its crons talk to. Odoo finishes its running cron
    # batch on the first signal; a second one, 15 s later, forces it.
    for ((index = ${#CHILDREN[@]} - 1; index >= 0; index--)); do
        pid=${CHILDREN[index]}
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    stop_throwaway_postgres
}
trap shutdown INT TERM EXIT

# 1. The Kashoo sandbox, seeded with the demo company.
say "starting the Kashoo sandbox on 127.0.0.1:$SANDBOX_PORT (seed $SANDBOX_SEED)"
PYTHONPATH="$REPO_ROOT" "$VENV/bin/python" -u -m kashoo_sandbox --port "$SANDBOX_PORT" \
    --seed "$SANDBOX_SEED" > "$RUN_DIR/sandbox.log" 2>&1 &
CHILDREN+=($!)
for _ in $(seq 50); do
    grep -q "listening on" "$RUN_DIR/sandbox.log" 2>/dev/null && break
    kill -0 "${CHILDREN[0]}" 2>/dev/null || die "the sandbox did not start: $(cat "$RUN_DIR/sandbox.log")"
    sleep 0.2
done
SANDBOX_URL=$(grep -o 'http://[^ ]*' "$RUN_DIR/sandbox.log" | head -n 1)
[ -n "$SANDBOX_URL" ] || die "the sandbox did not report its URL: $(cat "$RUN_DIR/sandbox.log")"

# 2. The demo database: a Canadian company (so account loads l10n_ca's chart), then the addon,
#    installed or updated to the code of this checkout, then its backend connected to the sandbox.
if ! "$VENV/bin/python" "$REPO_ROOT/scripts/pgtool.py" exists "$DB"; then
    say "creating the demo database $DB (about a minute)"
    (odoo --stop-after-init --log-level=warn -i base)
fi
echo "env['ir.module.module']._get('account').state == 'installed' or env.company.write({'country_id': env.ref('base.ca').id}); env.cr.commit()" |
    (odoo shell --log-level=warn) >/dev/null
say "installing or updating kashoo_connector in $DB"
(odoo --stop-after-init --log-level=warn -i kashoo_connector,l10n_ca)
(KASHOO_SANDBOX_URL=$SANDBOX_URL odoo shell --log-level=warn) < "$REPO_ROOT/scripts/demo_setup.py" |
    grep -E '^Kashoo backend' >&2 ||
    die "connecting the demo backend to the sandbox failed: run scripts/demo_setup.py by hand to see why"

# 3. Odoo itself, with cron workers so imports run in the background.
say "starting Odoo on port $HTTP_PORT"
(odoo --http-port="$HTTP_PORT" --db-filter="^$DB\$") > "$RUN_DIR/odoo.log" 2>&1 &
CHILDREN+=($!)
for _ in $(seq 150); do
    "$VENV/bin/python" - "$HTTP_PORT" <<'EOF' 2>/dev/null && break
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/web/login", timeout=2)
EOF
    kill -0 "${CHILDREN[1]}" 2>/dev/null || die "Odoo did not start: see $RUN_DIR/odoo.log"
    sleep 0.4
done

cat <<EOF

  Odoo 18 with kashoo_connector:  http://localhost:$HTTP_PORT   (login: admin, password: admin)
  Kashoo connection settings:     Accounting > Configuration > Settings > Kashoo Integration
  Kashoo sandbox:                 $SANDBOX_URL   (demo OAuth client: odoo-demo)
  Logs:                           $RUN_DIR/odoo.log, $RUN_DIR/sandbox.log

  Press Ctrl-C to stop both.
EOF
wait -n "${CHILDREN[@]}" || true
