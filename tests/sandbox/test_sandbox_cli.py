"""``python -m kashoo_sandbox``: first line names the bound URL; SIGTERM/SIGINT stop it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest
import requests
from sandbox_helpers import REPO_ROOT, TIMEOUT

FIRST_LINE = re.compile(r"^Kashoo sandbox listening on (http://127\.0\.0\.1:(\d+))$")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_the_bound_url_first_and_stops_cleanly(stop_signal):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kashoo_sandbox",
            "--port",
            "0",
            "--seed",
            "5",
            "--size",
            "45",
            "--api-prefix",
            "/v2",
            "--rate-limit",
            "0",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline().rstrip("\n")
        match = FIRST_LINE.match(first_line)
        assert match, first_line
        url = match.group(1)
        assert int(match.group(2)) > 0
        assert requests.get(f"{url}/", timeout=TIMEOUT).json()["apiPrefix"] == "/v2"
        token = requests.post(
            f"{url}/v2/authTokens", auth=("demo@kashoo.test", "demo"), timeout=TIMEOUT
        ).text
        records = requests.get(
            f"{url}/v2/businesses/1001/records",
            timeout=TIMEOUT,
            headers={"Authorization": f"TOKEN uuid:{token}"},
        )
        assert len(records.json()) == 45
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
        assert "Kashoo sandbox stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_importing_the_package_starts_nothing():
    code = (
        "import threading, kashoo_sandbox; "
        "assert threading.active_count() == 1, threading.enumerate(); print('quiet')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "quiet\n"
