"""Where the import's time goes: one process imports N sandbox records under cProfile.

Run from the repository root with the project's virtualenv, an Odoo 18.0 tree and PostgreSQL
(``ODOO_PATH`` and the standard ``PG*`` variables, as for ``bench_import.py``):

    ODOO_PATH=~/src/odoo-18.0 python benchmarks/profile_import.py [--kind invoice]
        [--size 1000] [--raw] [--top 40]

It builds the same mapped database and sandbox records as ``bench_import.py``, stages the
records by one polling fetch (not profiled), then profiles ``_kashoo_process_batches`` in a
single ``odoo-bin shell`` process (or, with ``--raw``, Odoo's own batched create + post of the
same documents) and prints the rate, the SQL queries per record and the top functions by
cumulative and by own time. Figures, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from bench_import import (
    START_DATE,
    clone,
    drop,
    encryption_key,
    seed_records,
)
from harness import OdooServer, new_workdir

from kashoo_sandbox import SandboxServer

PROFILE_SCRIPT = """
import cProfile, io, json, pstats, time
from odoo.addons.kashoo_connector.models.sync.kashoo_move_builder import IMPORT_CONTEXT
backend = env["kashoo.backend"].search([], limit=1)
backend._kashoo_fetch()
env.cr.commit()
queries = env.cr.sql_log_count
profile = cProfile.Profile()
started = time.perf_counter()
if RAW:
    builder = env["kashoo.move.builder"]
    with backend._kashoo_client() as client:
        records = [r for r in client.iter_records(start_date=backend.sync_start_date)]
    prepared = builder._kashoo_prepare(backend, records)
    vals = [item for _record, item in prepared if isinstance(item, dict)]
    Move = env["account.move"].with_context(**IMPORT_CONTEXT)
    env.cr.commit()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    profile.enable()
    for start in range(0, len(vals), 100):
        Move.create(vals[start:start + 100]).action_post()
        env.cr.commit()
    profile.disable()
    done = len(vals)
else:
    profile.enable()
    backend._kashoo_process_batches(time_budget=7200)
    profile.disable()
    env.cr.commit()
    done = env["kashoo.transaction"].search_count([("state", "=", "done")])
elapsed = time.perf_counter() - started
profile.dump_stats(STATS_OUT)
stream = io.StringIO()
stats = pstats.Stats(profile, stream=stream)
stats.sort_stats("cumulative").print_stats(TOP)
stats.sort_stats("tottime").print_stats(TOP)
print(stream.getvalue())
print("KASHOO_PROFILE " + json.dumps({"records": done, "seconds": elapsed,
                                      "queries": env.cr.sql_log_count - queries}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("invoice", "entry"), default="invoice")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument(
        "--raw",
        action="store_true",
        help="profile Odoo's own create + post of the same documents instead",
    )
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--stats-out",
        default="profile_import.pstats",
        help="where the raw profile is written (for pstats or snakeviz)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database (its name is " "printed) to profile again",
    )
    args = parser.parse_args()
    odoo_path = os.environ.get("ODOO_PATH") or sys.exit("set ODOO_PATH to an Odoo 18.0 tree")
    key = encryption_key()
    base = f"kashoo_profile_base_{os.getpid()}"
    base_server = OdooServer(odoo_path, base, new_workdir(), key)
    print(f"installing kashoo_connector + l10n_ca on {base} ...", flush=True)
    base_server.install()
    sandbox = SandboxServer(seed=42, size=200, rate_limit=0, time_scale=0.01).start()
    name = clone(base, "profile")
    try:
        server = OdooServer(odoo_path, name, new_workdir(), key)
        server.run_setup(sandbox.url, START_DATE, webhooks=False)
        if args.keep:
            print(f"database {name} kept")
        seed_records(sandbox, args.kind, args.size)
        script = (
            PROFILE_SCRIPT.replace("RAW", str(args.raw))
            .replace("TOP", str(args.top))
            .replace("STATS_OUT", repr(os.path.abspath(args.stats_out)))
        )
        result = subprocess.run(
            server._odoo("--no-http", "--log-level", "warn", command=("shell",)),
            input=script,
            capture_output=True,
            text=True,
            env=server.env,
            timeout=7200,
            check=False,
        )
        print(result.stdout[-60000:])
        for line in result.stdout.splitlines():
            if line.startswith("KASHOO_PROFILE "):
                figures = json.loads(line.split(" ", 1)[1])
                rate = figures["records"] / figures["seconds"] * 60
                print(
                    f"{'raw create+post' if args.raw else 'import'} of {figures['records']} "
                    f"{args.kind} records in {figures['seconds']:.1f} s (profiled) = "
                    f"{rate:,.0f}/min, {figures['queries'] / max(figures['records'], 1):.1f} "
                    "queries per record"
                )
                break
        else:
            print(result.stderr[-6000:])
    finally:
        sandbox.stop()
        if not args.keep:
            drop(name)
        drop(base)


if __name__ == "__main__":
    main()
