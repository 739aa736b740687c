"""The production layout (prefork: HTTP workers, cron workers, the gevent worker) runs clean.

The gevent worker serves the web client's websocket bus. It once crashed at every start, in a
loop, because gevent's plugin loader could not resolve its own requirements in the project's
virtualenv; the respawns also took the CPU from the import workers (niced by Odoo).
"""

import time

import psutil
import requests


def test_prefork_workers_start_and_stay_up(odoo_server):
    odoo_server.start(workers=2)
    time.sleep(5)  # a crashing worker would have been respawned several times by now
    health = requests.get(f"http://127.0.0.1:{odoo_server.gevent_port}/web/health", timeout=10)
    assert health.status_code == 200, health.text
    children = psutil.Process(odoo_server.process.pid).children()
    gevent_workers = [child for child in children if "gevent" in child.cmdline()]
    assert len(gevent_workers) == 1
    assert time.time() - gevent_workers[0].create_time() >= 4, "the gevent worker restarted"
    log = odoo_server.logs[-1].read_text()
    assert "Traceback" not in log, log[-4000:]
