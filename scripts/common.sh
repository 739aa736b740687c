# Shared set-up for scripts/test.sh and scripts/run.sh: find Odoo 18.0, build the virtualenv,
# find (or start) PostgreSQL, and make sure browser tests can really run.
# Sourced, not executed. Every function fails with a message that says what to set.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${KASHOO_CACHE_DIR:-"${XDG_CACHE_HOME:-$HOME/.cache}/kashoo_connector"}
ODOO_UPSTREAM=${ODOO_UPSTREAM:-https://github.com/odoo/odoo.git}

say() { printf '[kashoo] %s\n' "$*" >&2; }
die() { printf '[kashoo] ERROR: %s\n' "$*" >&2; exit 2; }

# --- Python -----------------------------------------------------------------------------------
# Odoo 18.0 supports Python 3.10 to 3.12; its pins are tested on 3.11 and 3.12.
find_python() {
    if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
    local candidate
    for candidate in python3.11 python3.12 python3.10 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null; then
            echo "$candidate"; return
        fi
    done
    die "no Python 3.10-3.12 found: install one or set PYTHON=/path/to/python3.11"
}

# --- Odoo source tree -------------------------------------------------------------------------
is_odoo18_tree() {
    [ -f "$1/odoo-bin" ] && [ -f "$1/odoo/release.py" ] &&
        grep -qE "^version_info = \(18, 0," "$1/odoo/release.py"
}

# Sets ODOO_PATH to an Odoo 18.0 source tree: $ODOO_PATH, an importable odoo 18.0, the cached
# clone, or (when the network allows) a fresh shallow clone of upstream 18.0 into the cache.
find_odoo() {
    local python=$1
    if [ -n "${ODOO_PATH:-}" ]; then
        is_odoo18_tree "$ODOO_PATH" || die "ODOO_PATH=$ODOO_PATH is not an Odoo 18.0 source tree (no odoo-bin, or not version 18.0)"
        return
    fi
    local imported
    imported=$("$python" -c 'import os, odoo.release as r; assert r.version_info[:2] == (18, 0); print(os.path.dirname(os.path.dirname(r.__file__)))' 2>/dev/null) || true
    if [ -n "$imported" ] && is_odoo18_tree "$imported"; then
        ODOO_PATH=$imported; return
    fi
    local cached="$CACHE_DIR/odoo-18.0"
    if is_odoo18_tree "$cached"; then ODOO_PATH=$cached; return; fi
    say "no Odoo 18.0 source tree found; trying a shallow clone of upstream 18.0 into $cached"
    mkdir -p "$CACHE_DIR"
    if timeout 600 git clone --quiet --depth 1 --branch 18.0 "$ODOO_UPSTREAM" "$cached.tmp" 2>/dev/null; then
        mv "$cached.tmp" "$cached"; ODOO_PATH=$cached; return
    fi
    rm -rf "$cached.tmp"
    die "Odoo 18.0 not found and upstream could not be cloned. Clone it yourself
    (git clone --depth 1 -b 18.0 https://github.com/odoo/odoo.git /some/path)
    and set ODOO_PATH=/some/path"
}

# --- Virtualenv -------------------------------------------------------------------------------
# One virtualenv per (Python, Odoo requirements, our requirements), cached outside the clone so a
# clean clone (CI) reuses it. python-ldap is skipped: it needs LDAP headers and only auth_ldap uses it.
ensure_venv() {
    local python=$1 key
    key=$( { "$python" -c 'import sys; print(sys.version)'; cat "$ODOO_PATH/requirements.txt" \
        "$REPO_ROOT/requirements.txt" "$REPO_ROOT/requirements-test.txt" "$REPO_ROOT/constraints.txt"; } |
        sha256sum | cut -c1-16)
    VENV=${KASHOO_VENV:-"$CACHE_DIR/venv-$key"}
    if [ -f "$VENV/.complete" ]; then return; fi
    say "building the virtualenv $VENV (first run only; a few minutes)"
    rm -rf "$VENV"
    "$python" -m venv "$VENV" || die "could not create a virtualenv with $python (Debian: apt-get install python3-venv)"
    local odoo_reqs
    odoo_reqs=$(mktemp)
    grep -viE '^python-ldap' "$ODOO_PATH/requirements.txt" > "$odoo_reqs"
    PIP_CONSTRAINT="$REPO_ROOT/constraints.txt" PIP_DISABLE_PIP_VERSION_CHECK=1 \
        "$VENV/bin/pip" install -r "$odoo_reqs" \
        -r "$REPO_ROOT/requirements.txt" -r "$REPO_ROOT/requirements-test.txt" > "$VENV.pip.log" 2>&1 ||
        { rm -f "$odoo_reqs"; tail -n 30 "$VENV.pip.log" >&2; die "pip install failed (log: $VENV.pip.log)"; }
    rm -f "$odoo_reqs"
    touch "$VENV/.complete"
}

# --- PostgreSQL -------------------------------------------------------------------------------
# Standard PG* variables win; else 127.0.0.1:5432 as the current user. When nothing answers and
# initdb/pg_ctl exist, a throwaway cluster is started in a temporary folder on a free port.
THROWAWAY_PGDATA=""
pg_answers() { "$VENV/bin/python" "$REPO_ROOT/scripts/pgtool.py" ping >/dev/null 2>&1; }

find_pg_bin() {
    local name=$1 dir
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/$name" ] && { echo "$dir/$name"; return; }
    done
    return 1
}

ensure_postgres() {
    export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-$(id -un)}
    [ "$PGUSER" = postgres ] && die "Odoo refuses to connect as the PostgreSQL role 'postgres': set PGUSER to another role"
    if pg_answers; then return; fi
    local initdb pg_ctl
    initdb=$(find_pg_bin initdb) && pg_ctl=$(find_pg_bin pg_ctl) ||
        die "no PostgreSQL server answers at $PGHOST:$PGPORT as $PGUSER, and initdb/pg_ctl are not installed.
    Start a server, or set PGHOST/PGPORT/PGUSER/PGPASSWORD, or install PostgreSQL (Debian: apt-get install postgresql)"
    THROWAWAY_PGDATA=$(mktemp -d /tmp/kashoo-pg.XXXXXX)
    local port run_as=()
    port=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if [ "$(id -u)" = 0 ]; then
        # PostgreSQL refuses to run as root: run the throwaway cluster as an unprivileged user.
        id postgres >/dev/null 2>&1 || die "running as root with no 'postgres' system user to run a throwaway cluster"
        chown postgres "$THROWAWAY_PGDATA"; run_as=(runuser -u postgres --)
    fi
    say "no server at $PGHOST:$PGPORT; starting a throwaway cluster on 127.0.0.1:$port"
    "${run_as[@]}" "$initdb" -D "$THROWAWAY_PGDATA/data" -U kashoo --auth=trust >/dev/null ||
        die "initdb failed"
    "${run_as[@]}" "$pg_ctl" -D "$THROWAWAY_PGDATA/data" -l "$THROWAWAY_PGDATA/log" -w \
        -o "-p $port -k $THROWAWAY_PGDATA -c listen_addresses=127.0.0.1" start >/dev/null ||
        die "the throwaway cluster did not start (log: $THROWAWAY_PGDATA/log)"
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=kashoo
    unset PGPASSWORD
    trap stop_throwaway_postgres EXIT
}

stop_throwaway_postgres() {
    [ -n "$THROWAWAY_PGDATA" ] || return 0
    local pg_ctl run_as=()
    pg_ctl=$(find_pg_bin pg_ctl)
    [ "$(id -u)" = 0 ] && run_as=(runuser -u postgres --)
    "${run_as[@]}" "$pg_ctl" -D "$THROWAWAY_PGDATA/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$THROWAWAY_PGDATA"
}

# --- Browser ----------------------------------------------------------------------------------
# Odoo 18 skips tours (and still exits 0) without a Chromium binary; install Debian's when we can.
ensure_chromium() {
    local bin
    for bin in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$bin" >/dev/null 2>&1 && return
    done
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing Debian's chromium for the browser tests"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null ||
            die "apt-get install chromium failed"
        return
    fi
    die "no Chromium found: install it (Debian: sudo apt-get install chromium); Odoo would silently skip the browser tests"
}

# Writes an odoo.conf for this run: the repo's odoo.conf with addons_path and database set.
write_odoo_conf() {
    local target=$1
    {
        grep -vE '^(addons_path|db_host|db_port|db_user|db_password|data_dir) *=' "$REPO_ROOT/odoo.conf"
        echo "addons_path = $ODOO_PATH/addons,$REPO_ROOT"
        echo "db_host = $PGHOST"
        echo "db_port = $PGPORT"
        echo "db_user = $PGUSER"
        echo "db_password = ${PGPASSWORD:-False}"
        echo "data_dir = $CACHE_DIR/filestore"
    } > "$target"
}

# Everything a script needs before it starts Odoo.
prepare_environment() {
    local python
    python=$(find_python)
    find_odoo "$python"
    say "Odoo 18.0 at $ODOO_PATH; Python $("$python" -c 'import platform; print(platform.python_version())')"
    ensure_venv "$python"
    ensure_postgres
    export ODOO_PATH VENV
}
