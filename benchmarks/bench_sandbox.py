"""Benchmark of the Kashoo sandbox: data generation time and page-of-100 latency.

Run from the repository root:

    python benchmarks/bench_sandbox.py [--size 10000] [--requests 200]

Targets: generating 10,000 records < 10 s; a page of 100 records served in < 50 ms
(median and p95, measured by an HTTP client on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kashoo_sandbox import SandboxServer
from kashoo_sandbox.clock import Clock
from kashoo_sandbox.generator import generate
from kashoo_sandbox.store import RecordQuery, Store

GENERATION_TARGET_S = 10.0
LATENCY_TARGET_MS = 50.0


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def bench_generation(size: int, seed: int) -> float:
    started = time.perf_counter()
    store = Store(Clock())
    generate(store, seed=seed, size=size)
    elapsed = time.perf_counter() - started
    primary = len(store.business_data(1001).records)
    secondary = len(store.business_data(1002).records)
    verdict = "OK" if elapsed < GENERATION_TARGET_S else "TOO SLOW"
    print(
        f"generate {primary:,} records (+{secondary:,} in business 1002): "
        f"{elapsed:.2f} s  [target < {GENERATION_TARGET_S:.0f} s: {verdict}]"
    )
    return elapsed


def bench_latency(size: int, seed: int, count: int, label: str, **params) -> tuple[float, float]:
    with SandboxServer(seed=seed, size=size, rate_limit=0) as server:
        headers = {"Authorization": f"Bearer {server.issue_tokens()['access_token']}"}
        url = f"{server.api_url}/businesses/1001/records"
        session = requests.Session()
        matching = len(
            server.store.list_records(
                1001, RecordQuery(params.get("type"), params.get("startDate")), size, 0
            )
        )
        pages = max(1, matching // 100)  # only offsets that return full pages
        for offset in range(0, 500, 100):  # warm up
            session.get(url, headers=headers, params={"limit": 100, "offset": offset}, timeout=10)
        samples = []
        for i in range(count):
            query = {"limit": 100, "offset": (i % pages) * 100, **params}
            started = time.perf_counter()
            response = session.get(url, headers=headers, params=query, timeout=10)
            elapsed_ms = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            assert len(response.json()) == 100
            samples.append(elapsed_ms)
    median, p95 = statistics.median(samples), percentile(samples, 0.95)
    verdict = "OK" if p95 < LATENCY_TARGET_MS else "TOO SLOW"
    print(
        f"GET page of 100 {label} over {count} requests ({size:,} records): "
        f"median {median:.1f} ms, p95 {p95:.1f} ms  "
        f"[target < {LATENCY_TARGET_MS:.0f} ms: {verdict}]"
    )
    return median, p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    generation = bench_generation(args.size, args.seed)
    _, p95 = bench_latency(args.size, args.seed, args.requests, "(plain offset paging)")
    bench_latency(
        args.size,
        args.seed,
        args.requests,
        "(type=invoice, startDate filter)",
        type="invoice",
        startDate="2026-03-01",
    )
    ok = generation < GENERATION_TARGET_S and p95 < LATENCY_TARGET_MS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
