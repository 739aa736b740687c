"""Benchmark of the whole import: Kashoo sandbox -> real odoo-bin cron workers -> posted moves.

Run from the repository root with the project's virtualenv, an Odoo 18.0 tree and PostgreSQL
(the same settings as ``make test``: ``ODOO_PATH`` and the standard ``PG*`` variables):

    ODOO_PATH=~/src/odoo-18.0 python benchmarks/bench_import.py [--sizes 1000 10000]
        [--kinds invoice entry] [--cron-threads 2] [--senders 50] [--deliveries 2000]

For each kind and size it prints, in one run:

- **end to end**: records created in the sandbox, Odoo started on an empty copy of a mapped
  database, polling triggered, timed until every record is posted; records per minute;
- **raw**: on another copy of the same database, the same documents (the vals our move builder
  prepares, untimed) given to Odoo's own batched ``create()`` + ``action_post()`` in batches of
  100 with a commit per batch, one worker; documents per minute;
- their **ratio** (end to end / raw; target >= 1.0, floor 0.6);
- **peak memory**: the sum of the peak resident sizes (VmHWM) of the Odoo server's processes
  during the end-to-end import;

and once: the **webhook acknowledgement latency** (p50, p99) of ``POST
/kashoo/webhook/transaction`` with correctly signed deliveries from ``--senders`` concurrent
senders offering ``--rates`` deliveries per second together (target p99 < 50 ms), Odoo
otherwise idle; and again while Odoo imports the largest set of the first kind a second time,
``--load-rate`` deliveries per second announcing its records (the import rate meanwhile is
printed too).

Kinds: ``invoice`` (customer invoices, two lines, HST 13 %) and ``entry`` (expenses paid from
the bank: journal entries with explicit tax lines).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
E2E = REPO_ROOT / "tests" / "e2e"
for path in (REPO_ROOT, REPO_ROOT / "kashoo_connector", E2E):
    sys.path.insert(0, str(path))

from harness import OdooServer, admin_sql, new_workdir  # noqa: E402
from kashoo_api.signature import sign_webhook  # noqa: E402

from kashoo_sandbox import SandboxServer  # noqa: E402

BUSINESS_ID = 1001
START_DATE = "2026-11-21"  # after the generated books (they end on 2026-11-20)
BENCH_DATES = [f"2026-11-{day}" for day in range(21, 31)]
WEBHOOK_SECRET = "whsec_" + "YmVuY2htYXJrLXNlY3JldC1rZXktMzItYnl0ZXM="  # bench-only, not real
RAW_BATCH = 100
SETTLE_SECONDS = 20

# Run by `odoo-bin shell` on a copy of the mapped database: Odoo's own batched create() + post
# of the documents our builder prepares for the sandbox's records. Prints one JSON line.
RAW_SCRIPT = """
import json, time
backend = env["kashoo.backend"].search([], limit=1)
builder = env["kashoo.move.builder"]
with backend._kashoo_client() as client:
    records = [r for r in client.iter_records(start_date=START) if r.get("type") in KINDS]
prepared = builder._kashoo_prepare(backend, records)
vals = [item for _record, item in prepared if isinstance(item, dict)]
Move = env["account.move"].with_context(**IMPORT_CONTEXT)
env.cr.commit()
started = time.perf_counter()
for start in range(0, len(vals), BATCH):
    Move.create(vals[start:start + BATCH]).action_post()
    env.cr.commit()
    env.invalidate_all()  # a bounded cache per batch, as the import does
elapsed = time.perf_counter() - started
print("KASHOO_BENCH_RAW " + json.dumps({"documents": len(vals), "seconds": elapsed,
                                        "records": len(records)}))
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--kinds", nargs="+", choices=("invoice", "entry"), default=["invoice", "entry"]
    )
    parser.add_argument("--cron-threads", type=int, default=2)
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="Odoo HTTP worker processes (0: threaded server, crons as threads)",
    )
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument(
        "--rates",
        type=float,
        nargs="+",
        default=[10.0, 50.0],
        help="webhook deliveries per second offered by all senders together",
    )
    parser.add_argument(
        "--load-rate",
        type=float,
        default=50.0,
        help="webhook deliveries per second sent during a second import of "
        "the first kind at the largest size (0: none)",
    )
    parser.add_argument(
        "--no-latency", action="store_true", help="skip the webhook acknowledgement measurement"
    )
    parser.add_argument(
        "--timeout", type=int, default=3600, help="seconds allowed to one end-to-end import"
    )
    return parser.parse_args()


def encryption_key():
    from cryptography.fernet import Fernet  # noqa: PLC0415

    return os.environ.get("KASHOO_ENCRYPTION_KEY") or Fernet.generate_key().decode()


def seed_records(sandbox, kind, size):
    """Create ``size`` records of ``kind`` in the sandbox, straight into its store (no HTTP);
    return their ids."""
    store = sandbox.app.store
    data = store.business_data(BUSINESS_ID)
    accounts = {account["number"]: account["id"] for account in data.accounts.values()}
    hst_on = next(tax["id"] for tax in data.taxes.values() if tax["name"] == "HST ON")
    contacts = [
        contact
        for contact in data.contacts.values()
        if contact["type"] == "CUSTOMER" and contact.get("currency", "CAD") == "CAD"
    ]
    ids = []
    for index in range(size):
        lines = [
            {
                "account": accounts["4000" if line == 0 else "4100"],
                "description": f"Item {index}-{line}",
                "quantity": str(1 + index % 7),
                "unitPrice": 1000 + (index * 37 + line * 101) % 90000,
                "discount": 0,
                "taxes": [hst_on],
            }
            for line in range(2)
        ]
        spec = {"date": BENCH_DATES[index % len(BENCH_DATES)], "memo": f"bench {index}"}
        if kind == "invoice":
            spec.update(
                type="invoice", contact=contacts[index % len(contacts)]["id"], lineItems=lines
            )
        else:
            for line in lines:
                line["account"] = accounts["5300"]
            spec.update(type="expense", paidFrom=accounts["1000"], lineItems=lines)
        ids.append(store.create_record(BUSINESS_ID, spec, emit=False)["id"])
    return ids


def clone(template, label):
    name = f"kashoo_bench_{label}_{os.getpid()}_{time.time_ns()}"
    admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def drop(name):
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def raw_rate(odoo_path, key, template, kind):
    name = clone(template, "raw")
    server = OdooServer(odoo_path, name, new_workdir(), key)
    try:
        script = (
            RAW_SCRIPT.replace(
                "START", f"__import__('datetime').date.fromisoformat(" f"{START_DATE!r})"
            )
            .replace("KINDS", repr({"invoice": ("invoice",), "entry": ("expense",)}[kind]))
            .replace("BATCH", str(RAW_BATCH))
            .replace(
                "IMPORT_CONTEXT",
                "__import__('odoo.addons.kashoo_connector.models.sync."
                "kashoo_move_builder', fromlist=['x']).IMPORT_CONTEXT",
            )
        )
        result = subprocess.run(
            server._odoo("--no-http", command=("shell",)),
            input=script,
            capture_output=True,
            text=True,
            env=server.env,
            timeout=7200,
            check=False,
        )
        for line in result.stdout.splitlines():
            if line.startswith("KASHOO_BENCH_RAW "):
                return json.loads(line.split(" ", 1)[1])
        raise RuntimeError(f"raw run failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    finally:
        drop(name)


def peak_memory_mb(pid):
    """Peak resident memory (VmHWM) of the Odoo server and its worker processes, in MB."""
    import psutil  # noqa: PLC0415 - in Odoo's requirements

    peaks = []
    root = psutil.Process(pid)
    for process in [root, *root.children(recursive=True)]:
        try:
            with open(f"/proc/{process.pid}/status") as status:
                peaks += [
                    int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:")
                ]
        except OSError:
            continue
    return sum(peaks)


def end_to_end(
    odoo_path, key, template, size, cron_threads, workers, timeout, webhooks_during=None
):
    """Import from empty to all posted; with ``webhooks_during=(senders, rate, record_ids)``
    signed deliveries announcing those records arrive meanwhile (their latency is returned)."""
    name = clone(template, "e2e")
    server = OdooServer(odoo_path, name, new_workdir(), key, cron_threads=cron_threads)
    senders = None
    try:
        backend_id = server.query("SELECT id FROM kashoo_backend LIMIT 1")[0][0]
        server.start(workers=workers)
        started = time.monotonic()
        server.call("kashoo.backend", "action_kashoo_sync_now", [backend_id])
        if webhooks_during:
            count, rate, record_ids = webhooks_during
            senders = WebhookSenders(server.url, count, rate, record_ids)
        deadline = started + timeout
        posted = 0
        while time.monotonic() < deadline:
            ((posted, quarantined),) = server.query(
                "SELECT count(*) FILTER (WHERE state = 'done'),"
                "       count(*) FILTER (WHERE state = 'quarantined') FROM kashoo_transaction"
            )
            if posted + quarantined >= size:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        under_load = senders.finish() if senders else None
        peak = peak_memory_mb(server.process.pid)
        ((moves,),) = server.query(
            "SELECT count(*) FROM account_move WHERE state = 'posted' " "AND kashoo_id IS NOT NULL"
        )
        return {
            "seconds": elapsed,
            "done": posted,
            "quarantined": quarantined,
            "posted_moves": moves,
            "peak_mb": peak,
            "webhooks": under_load,
        }
    finally:
        if senders:
            senders.finish()
        server.stop()
        drop(name)


def measure_webhooks(url, senders, rate, record_ids=None, deliveries=None, stop=None):
    """p50/p99 of signed webhook acknowledgements from ``senders`` concurrent senders offering
    ``rate`` deliveries per second together, until ``deliveries`` are sent or ``stop`` is set.

    Each sender opens a connection per delivery (as a webhook sender does) and paces itself:
    the latency measured is the acknowledgement time under that load, not the queue of a
    closed loop (50 senders firing back to back would measure 50 / throughput whatever the
    endpoint does). Every delivery is a real event: it is stored and wakes the import. With
    ``record_ids`` the events announce those records (version 1), else unknown ones.
    """
    lock = threading.Lock()
    sequence = iter(range(10**9))
    latencies, failures = [], []
    per_sender = max(1, deliveries // senders) if deliveries else 10**9
    interval = senders / rate

    def deliver():
        number = next(sequence)
        record_id = record_ids[number % len(record_ids)] if record_ids else 900000 + number
        body = json.dumps(
            {
                "type": "transaction.created",
                "timestamp": int(time.time()),
                "data": {"businessId": BUSINESS_ID, "id": record_id, "version": 1},
            }
        ).encode()
        webhook_id = f"msg_{uuid.uuid4().hex}"
        stamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign_webhook(WEBHOOK_SECRET, webhook_id, stamp, body),
        }
        begin = time.perf_counter()
        try:
            status = requests.post(
                url + "/kashoo/webhook/transaction", data=body, headers=headers, timeout=30
            ).status_code
        except requests.RequestException as error:
            status = type(error).__name__
        took = (time.perf_counter() - begin) * 1000
        with lock:
            latencies.append(took)
            if status != 200:
                failures.append(status)

    def sender(number):
        next_at = time.perf_counter() + interval * number / senders
        for _index in range(per_sender):
            if stop is not None and stop.is_set():
                return
            time.sleep(max(0.0, next_at - time.perf_counter()))
            next_at += interval
            deliver()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "deliveries": len(latencies),
        "failures": len(failures),
        "offered_rate": rate,
        "achieved_rate": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies) if latencies else 0.0,
    }


# The senders run in a process of their own: in this one the sandbox serves Odoo's polling
# under the same GIL, which would add its pauses to the latency measured.
_SPAWN = multiprocessing.get_context("spawn")


def _measure_into(queue, args, kwargs):
    queue.put(measure_webhooks(*args, **kwargs))


def in_process(function, *args, **kwargs):
    """``measure_webhooks(*args, **kwargs)`` in a new process; its result."""
    queue = _SPAWN.Queue()
    process = _SPAWN.Process(target=_measure_into, args=(queue, args, kwargs))
    process.start()
    result = queue.get()
    process.join()
    return result


class WebhookSenders:
    """Senders delivering to ``url`` in another process until :meth:`finish`."""

    def __init__(self, url, senders, rate, record_ids):
        self.queue = _SPAWN.Queue()
        self.stop = _SPAWN.Event()
        self.result = None
        self.process = _SPAWN.Process(
            target=_measure_into,
            args=(self.queue, (url, senders, rate, record_ids), {"stop": self.stop}),
        )
        self.process.start()

    def finish(self):
        if self.result is None and self.process.is_alive():
            self.stop.set()
            self.result = self.queue.get()
            self.process.join()
        return self.result


def webhook_latency(odoo_path, key, template, senders, deliveries, workers, rates):
    """Webhook acknowledgement latency at each offered rate, Odoo otherwise idle."""
    name = clone(template, "webhook")
    server = OdooServer(odoo_path, name, new_workdir(), key, cron_threads=1)
    try:
        server.start(workers=workers)
        time.sleep(SETTLE_SECONDS)  # a fresh database runs every due cron once at start
        in_process(measure_webhooks, server.url, 1, 100.0, deliveries=20)  # warm-up
        results = [
            in_process(measure_webhooks, server.url, senders, rate, deliveries=deliveries)
            for rate in rates
        ]
        ((stored,),) = server.query("SELECT count(*) FROM kashoo_webhook_event")
        results[-1]["stored"] = stored - 20  # all rates together: one event per delivery
        return results
    finally:
        server.stop()
        drop(name)


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main():
    args = parse_args()
    odoo_path = os.environ.get("ODOO_PATH")
    if not odoo_path:
        sys.exit("set ODOO_PATH to an Odoo 18.0 source tree")
    key = encryption_key()
    base = f"kashoo_bench_base_{os.getpid()}"
    base_server = OdooServer(odoo_path, base, new_workdir(), key)
    print(f"installing kashoo_connector + l10n_ca on {base} ...", flush=True)
    base_server.install()
    results = []
    latency = loaded = None
    try:
        for kind in args.kinds:
            for size in args.sizes:
                # Same seed: the same reference data (accounts, taxes, contacts) every run.
                sandbox = SandboxServer(seed=42, size=200, rate_limit=0, time_scale=0.01).start()
                template = clone(base, "mapped")
                try:
                    mapped = OdooServer(odoo_path, template, new_workdir(), key)
                    env = {"KASHOO_E2E_WEBHOOK_SECRET": WEBHOOK_SECRET}
                    mapped.run_setup(sandbox.url, START_DATE, webhooks=False, extra_env=env)
                    started = time.perf_counter()
                    record_ids = seed_records(sandbox, kind, size)
                    seeded = time.perf_counter() - started
                    raw = raw_rate(odoo_path, key, template, kind)
                    e2e = end_to_end(
                        odoo_path,
                        key,
                        template,
                        size,
                        args.cron_threads,
                        args.workers,
                        args.timeout,
                    )
                    if latency is None and not args.no_latency:
                        latency = webhook_latency(
                            odoo_path,
                            key,
                            template,
                            args.senders,
                            args.deliveries,
                            args.workers,
                            args.rates,
                        )
                    if (
                        not args.no_latency
                        and args.load_rate
                        and kind == args.kinds[0]
                        and size == max(args.sizes)
                    ):
                        # The same import again, while Kashoo announces its records.
                        loaded = end_to_end(
                            odoo_path,
                            key,
                            template,
                            size,
                            args.cron_threads,
                            args.workers,
                            args.timeout,
                            webhooks_during=(args.senders, args.load_rate, record_ids),
                        )
                finally:
                    drop(template)
                    sandbox.stop()
                e2e_rate = e2e["done"] / e2e["seconds"] * 60
                raw_docs_rate = raw["documents"] / raw["seconds"] * 60
                results.append((kind, size, seeded, e2e, e2e_rate, raw, raw_docs_rate))
                print(
                    f"{kind:7} {size:6}: end to end {e2e['done']} posted "
                    f"({e2e['quarantined']} quarantined) in {e2e['seconds']:.1f} s = "
                    f"{e2e_rate:,.0f}/min; raw create+post {raw['documents']} in "
                    f"{raw['seconds']:.1f} s = {raw_docs_rate:,.0f}/min; ratio "
                    f"{e2e_rate / raw_docs_rate:.2f}; peak memory {e2e['peak_mb']:.0f} MB "
                    f"(seeded in {seeded:.1f} s)",
                    flush=True,
                )
    finally:
        drop(base)
    print()
    print(f"{'kind':7} {'records':>7} {'e2e/min':>9} {'raw/min':>9} {'ratio':>6} {'peak MB':>8}")
    for kind, size, _seeded, e2e, e2e_rate, _raw, raw_docs_rate in results:
        print(
            f"{kind:7} {size:7} {e2e_rate:9,.0f} {raw_docs_rate:9,.0f} "
            f"{e2e_rate / raw_docs_rate:6.2f} {e2e['peak_mb']:8.0f}"
        )
    for result in latency or ():
        print(
            f"webhook acknowledgement, {args.senders} concurrent senders offering "
            f"{result['offered_rate']:.0f}/s (achieved {result['achieved_rate']:.1f}/s), "
            f"{result['deliveries']} signed deliveries: p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms, "
            f"{result['failures']} not 200"
        )
    if latency:
        print(
            f"webhook events stored: {latency[-1]['stored']} of "
            f"{sum(result['deliveries'] for result in latency)} deliveries"
        )
    if loaded and loaded["webhooks"]:
        result = loaded["webhooks"]
        print(
            f"webhook acknowledgement during the import of {max(args.sizes)} "
            f"{args.kinds[0]} records, {args.senders} senders offering "
            f"{result['offered_rate']:.0f}/s (achieved {result['achieved_rate']:.1f}/s), "
            f"{result['deliveries']} signed deliveries announcing them: p50 "
            f"{result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, max "
            f"{result['max_ms']:.1f} ms, {result['failures']} not 200; import meanwhile "
            f"{loaded['done'] / loaded['seconds'] * 60:,.0f}/min"
        )
    print(
        f"Odoo: {args.workers} HTTP workers, {args.cron_threads} cron workers; "
        f"{os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
