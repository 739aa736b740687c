"""A real Odoo 18 server (``odoo-bin``, HTTP + cron threads) on a database of its own.

Used by the end-to-end test and the benchmark. Everything goes through processes, sockets and
SQL: nothing of Odoo is imported here.
"""

import getpass
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
SETUP_SCRIPT = Path(__file__).with_name("setup_odoo.py")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_params(dbname="postgres"):
    params = {
        "dbname": dbname,
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": os.environ.get("PGPORT", "5432"),
        "user": os.environ.get("PGUSER") or getpass.getuser(),
    }
    if os.environ.get("PGPASSWORD"):
        params["password"] = os.environ["PGPASSWORD"]
    return params


def admin_sql(statement):
    connection = psycopg2.connect(**pg_params())
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


class OdooServer:
    """One database and the ``odoo-bin`` processes that serve it."""

    def __init__(self, odoo_path, dbname, workdir, encryption_key, cron_threads=2):
        self.odoo_path = Path(odoo_path)
        self.dbname = dbname
        self.workdir = Path(workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cron_threads = cron_threads
        self.gevent_port = None
        self.process = None
        self.logs = []
        self.env = dict(os.environ, KASHOO_ENCRYPTION_KEY=encryption_key, PYTHONPATH=str(REPO_ROOT))
        self.conf = self.workdir / "odoo.conf"
        params = pg_params()
        lines = [
            "[options]",
            f"addons_path = {self.odoo_path / 'addons'},{REPO_ROOT}",
            f"data_dir = {self.workdir / 'data'}",
            f"db_host = {params['host']}",
            f"db_port = {params['port']}",
            f"db_user = {params['user']}",
            "list_db = False",
            f"db_filter = ^{re.escape(dbname)}$",
        ]
        if params.get("password"):
            lines.append(f"db_password = {params['password']}")
        self.conf.write_text("\n".join(lines) + "\n")

    def _odoo(self, *args, command=()):
        return [
            sys.executable,
            str(self.odoo_path / "odoo-bin"),
            *command,
            "-c",
            str(self.conf),
            "-d",
            self.dbname,
            *args,
        ]

    def install(self, modules="kashoo_connector,l10n_ca"):
        self._run(
            self._odoo("-i", modules, "--stop-after-init", "--without-demo=all", "--no-http"),
            "install",
            timeout=900,
        )

    def run_setup(self, sandbox_url, start_date, webhooks, extra_env=None):
        env = dict(
            self.env,
            KASHOO_SANDBOX_URL=sandbox_url,
            KASHOO_ODOO_URL=self.url,
            KASHOO_E2E_START=start_date,
            KASHOO_E2E_WEBHOOKS="1" if webhooks else "0",
            **(extra_env or {}),
        )
        result = subprocess.run(
            self._odoo("--no-http", command=("shell",)),
            input=SETUP_SCRIPT.read_text(),
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
        for line in result.stdout.splitlines():
            if line.startswith("KASHOO_E2E_SETUP "):
                import json  # noqa: PLC0415

                return json.loads(line.split(" ", 1)[1])
        raise AssertionError(f"setup failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")

    def _run(self, command, what, timeout):
        log = self.workdir / f"{what}.log"
        with open(log, "w") as handle:
            result = subprocess.run(
                command,
                stdout=handle,
                stderr=subprocess.STDOUT,
                env=self.env,
                timeout=timeout,
                check=False,
            )
        if result.returncode:
            raise AssertionError(f"odoo {what} failed, see {log}:\n{log.read_text()[-4000:]}")

    def start(self, workers=0):
        """Start ``odoo-bin``: threaded (``workers=0``), or prefork with that many HTTP
        workers, where each cron worker is a process of its own (production's layout)."""
        log = self.workdir / f"server-{len(self.logs)}.log"
        self.logs.append(log)
        handle = open(log, "w")  # noqa: SIM115 - closed with the process
        # Prefork also starts the gevent worker (the web client's websocket bus) on its port.
        self.gevent_port = free_port()
        self.process = subprocess.Popen(  # noqa: S603
            self._odoo(
                "--http-port",
                str(self.port),
                "--http-interface",
                "127.0.0.1",
                "--gevent-port",
                str(self.gevent_port),
                "--max-cron-threads",
                str(self.cron_threads),
                "--workers",
                str(workers),
                "--limit-time-real",
                "600",
                "--limit-time-cpu",
                "600",
                "--limit-memory-soft",
                str(2 << 30),
                "--limit-memory-hard",
                str(3 << 30),
            ),
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        self.process.log_handle = handle
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"odoo exited:\n{log.read_text()[-4000:]}")
            if self._answers_health_check():
                return
            time.sleep(0.3)
        raise AssertionError("odoo did not answer within 120 s")

    def _answers_health_check(self):
        try:
            return requests.get(self.url + "/web/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False  # not listening yet: the caller tries again

    def kill(self):
        """SIGKILL: no shutdown, no commit; what was not committed is lost."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)
        if self.process:
            self.process.log_handle.close()
        self.process = None

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.process:
            self.process.log_handle.close()
        self.process = None

    def query(self, sql, params=None):
        connection = psycopg2.connect(**pg_params(self.dbname))
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def call(self, model, method, *args):
        """Call a model method as admin over JSON-RPC (as the web client's buttons do)."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [self.dbname, 2, "admin", model, method, list(args)],
            },
        }
        response = requests.post(self.url + "/jsonrpc", json=payload, timeout=60)
        response.raise_for_status()
        answer = response.json()
        if answer.get("error"):
            raise AssertionError(answer["error"])
        return answer.get("result")


def new_workdir():
    return tempfile.mkdtemp(prefix="kashoo_e2e_")
