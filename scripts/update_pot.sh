#!/usr/bin/env bash
# `make pot`: regenerate kashoo_connector/i18n/kashoo_connector.pot, the translation template,
# from a throwaway database with only kashoo_connector installed (no demo data), then drop it.
# Run it after changing any user-facing string; the Odoo test TestTranslationTemplate fails
# until the committed file matches the code.
set -euo pipefail
source "$(dirname "$0")/common.sh"

prepare_environment

POT="$REPO_ROOT/kashoo_connector/i18n/kashoo_connector.pot"
DB="kashoo_pot_$(date +%Y%m%d%H%M%S)_$$"
WORK_DIR=$(mktemp -d /tmp/kashoo-pot.XXXXXX)
cleanup() {
    "$VENV/bin/python" "$REPO_ROOT/scripts/pgtool.py" drop "$DB" >/dev/null 2>&1 || true
    rm -rf "$WORK_DIR"
    stop_throwaway_postgres
}
trap cleanup EXIT

write_odoo_conf "$WORK_DIR/odoo.conf"
# Odoo writes the .pot with the terms of the installed module's records and of its code.
run_odoo() {
    "$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$WORK_DIR/odoo.conf" -d "$DB" --no-http "$@" \
        >> "$WORK_DIR/odoo.log" 2>&1 || { tail -n 40 "$WORK_DIR/odoo.log" >&2; die "odoo-bin $* failed"; }
}
say "installing kashoo_connector on the throwaway database $DB"
run_odoo -i kashoo_connector --without-demo=all --stop-after-init
say "exporting the translation template"
# Without --language, Odoo 18 exports a template (empty msgstr); written aside first so that a
# failed export leaves the committed file as it was.
run_odoo --i18n-export="$WORK_DIR/kashoo_connector.pot" --modules=kashoo_connector
mkdir -p "$(dirname "$POT")"
mv "$WORK_DIR/kashoo_connector.pot" "$POT"
say "wrote ${POT#"$REPO_ROOT"/} ($(grep -c '^msgid "' "$POT") entries, the header included)"
