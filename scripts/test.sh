#!/usr/bin/env bash
# `make test`: lint, format check, the pytest suite in tests/, and the addon's Odoo tests on fresh
# databases (one without l10n_ca, one with it), then one closing line "N passed, N failed" for all
# suites.
set -euo pipefail
source "$(dirname "$0")/common.sh"

prepare_environment
ensure_chromium

# A throwaway key for this run: the tests store secrets encrypted, as production does.
KASHOO_ENCRYPTION_KEY=$("$VENV/bin/python" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export KASHOO_ENCRYPTION_KEY

RUN_ID="$(date +%Y%m%d%H%M%S)_$$"
LOG_DIR=${KASHOO_TEST_LOG_DIR:-"$REPO_ROOT/.cache/test-logs/$RUN_ID"}
mkdir -p "$LOG_DIR"
DATABASES=()
cleanup() {
    if [ ${#DATABASES[@]} -gt 0 ]; then
        "$VENV/bin/python" "$REPO_ROOT/scripts/pgtool.py" drop "${DATABASES[@]}" || true
    fi
    stop_throwaway_postgres
}
trap cleanup EXIT

PASSED=0
FAILED=0
add_counts() { PASSED=$((PASSED + $1)); FAILED=$((FAILED + $2)); }

cd "$REPO_ROOT"

say "ruff check"
if "$VENV/bin/ruff" check --quiet .; then add_counts 1 0; else add_counts 0 1; fi

say "ruff format --check"
if "$VENV/bin/ruff" format --check .; then add_counts 1 0; else add_counts 0 1; fi

say "pytest tests/"
set +e
PYTHONPATH="$REPO_ROOT" "$VENV/bin/python" -m pytest tests -q -p no:cacheprovider \
    --junit-xml="$LOG_DIR/pytest.xml" 2>&1 | tee "$LOG_DIR/pytest.log"
set -e
read -r passed failed < <("$VENV/bin/python" "$REPO_ROOT/scripts/test_counts.py" junit "$LOG_DIR/pytest.xml")
add_counts "$passed" "$failed"

# Runs the addon's Odoo tests on a new database; $1 = label, $2 = modules to install, $3 = test tags.
odoo_tests() {
    local label=$1 modules=$2 tags=$3 db="kashoo_test_${RUN_ID}_$1" conf="$LOG_DIR/odoo-$1.conf"
    DATABASES+=("$db")
    write_odoo_conf "$conf"
    say "Odoo tests ($label): -i $modules --test-tags $tags on database $db"
    set +e
    "$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$conf" -d "$db" -i "$modules" \
        --test-enable --test-tags "$tags" --stop-after-init --without-demo=all \
        --http-port="$(free_port)" --screenshots="$LOG_DIR/screenshots" --log-level=info \
        > "$LOG_DIR/odoo-$label.log" 2>&1
    local rc=$?
    set -e
    grep -E ' (ERROR|CRITICAL) |: skipped |tests when loading database' "$LOG_DIR/odoo-$label.log" | tail -n 40 >&2 || true
    read -r passed failed < <("$VENV/bin/python" "$REPO_ROOT/scripts/test_counts.py" odoo "$LOG_DIR/odoo-$label.log" "$rc")
    add_counts "$passed" "$failed"
}
free_port() { "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

odoo_tests without_l10n_ca kashoo_connector kashoo_install/kashoo_connector
odoo_tests with_l10n_ca kashoo_connector,l10n_ca /kashoo_connector

say "logs in $LOG_DIR"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
