"""End to end: the Kashoo sandbox, a real ``odoo-bin`` with cron workers, a crash, and the books.

About 500 records are created in the sandbox while Odoo runs; some are updated, some deleted;
webhooks are duplicated, reordered and partly rejected; Odoo is killed with SIGKILL in the
middle of processing and restarted. Afterwards every record has exactly one posted document
with Kashoo's totals and taxes, removed records have none left live, and the balance of every
account the records touch equals Kashoo's. The second test does the same with webhooks off.
"""

import time

from books import START_DATE, SandboxBooks, compare_books, converged, wait_until

RECORDS = 500
UPDATES = 40
DELETES = 20
KILL_AFTER_CREATED = 300
KILL_WHEN_DONE = 30


def _start_sandbox():
    from kashoo_sandbox import SandboxServer

    # time_scale 0.01: Kashoo's webhook retries at +1 min, +10 min, +1 h come after 0.6 s,
    # 6 s and 36 s.
    return SandboxServer(
        seed=7, size=20, rate_limit=0, time_scale=0.01, webhook_verification_delay=0.2
    ).start()


def _run(odoo_server, webhooks):
    sandbox = _start_sandbox()
    try:
        setup = odoo_server.run_setup(sandbox.url, START_DATE, webhooks)
        books = SandboxBooks(sandbox)
        if webhooks:
            for kind, count in (
                ("duplicate", 60),
                ("reorder", 40),
                ("wrong_signature", 20),
                ("stale_timestamp", 10),
                ("signature_other_body", 10),
                ("missing_id", 5),
            ):
                books.control("POST", "/webhook-faults", {"kind": kind, "count": count})
        else:
            books.control("POST", "/webhooks/dispatch", {"mode": "off"})
        odoo_server.start()

        def done_count():
            return odoo_server.query(
                "SELECT count(*) FROM kashoo_transaction WHERE state = 'done'"
            )[0][0]

        def sync_now():
            if not webhooks:
                odoo_server.call("kashoo.backend", "action_kashoo_sync_now", [setup["backend_id"]])

        killed_at = None
        for index in range(RECORDS):
            books.create_one(index)
            if index + 1 == KILL_AFTER_CREATED:
                sync_now()
                assert wait_until(
                    lambda: done_count() >= KILL_WHEN_DONE, 240, 0.2, tick=None
                ), "Odoo imported nothing"
                killed_at = done_count()
                odoo_server.kill()
        assert killed_at is not None and killed_at < RECORDS
        # While Odoo is down: updates and deletes (their webhooks fail and are retried).
        created = list(books.created)
        for record_id in created[:UPDATES]:
            books.update_one(record_id)
        for record_id in created[UPDATES : UPDATES + DELETES]:
            books.delete_one(record_id)
        time.sleep(1)
        odoo_server.start()
        last_tick = [0.0]

        def tick():
            if time.monotonic() - last_tick[0] > 10:
                last_tick[0] = time.monotonic()
                sync_now()

        tick()
        records = books.current()
        assert len(records) == RECORDS
        ok = wait_until(lambda: converged(odoo_server, books.current()), 420, 2.0, tick=tick)
        records = books.current()
        problems = compare_books(odoo_server, records, setup["company_id"], setup["accounts"])
        assert ok, f"not converged; {problems[:20]}"
        assert not problems, "\n".join(problems[:50])
        events = odoo_server.query("SELECT count(*) FROM kashoo_webhook_event")[0][0]
        if webhooks:
            assert events > 0
        else:
            assert events == 0
        # The cron that was killed mid-batch left no row half-done.
        stuck = odoo_server.query(
            "SELECT count(*) FROM kashoo_transaction WHERE state = 'processing'"
        )[0][0]
        assert stuck == 0
        return killed_at
    finally:
        odoo_server.stop()
        sandbox.stop()


def test_webhooks_crash_and_restart_give_the_same_books(odoo_server):
    _run(odoo_server, webhooks=True)


def test_polling_only_gives_the_same_books(odoo_server):
    _run(odoo_server, webhooks=False)
