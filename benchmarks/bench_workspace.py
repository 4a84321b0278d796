"""Throughput of the mock workspace, against the floor of the client stack.

Prints, in one run:
- requests per second for a mix of contact create, get, update and search sent by an
  httpx client through the in-process transport (the strict respx router);
- the same mix through a plain `httpx.MockTransport` that returns one constant answer
  (what the client stack costs with no workspace behind it), and the ratio of the two;
- requests per second on the loopback server (uvicorn on 127.0.0.1, in its own process)
  from a concurrent client: threads, each with its own keep-alive connection.

Run: python benchmarks/bench_workspace.py [--rounds N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import itertools
import json
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from simulator.clock import SimulatedClock
from simulator.config import DEFAULT_WORKSPACE, RateLimitConfig, load_workspace_config
from simulator.workspace import Workspace, mount

TOKEN = "bench-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://api.intercom.io"
# the benchmark measures the workspace, not its rate limiter's 429s
UNLIMITED = RateLimitConfig(app_per_minute=10**12, workspace_per_minute=10**12)
SEED_CONTACTS = 200


def _workspace(clock: SimulatedClock) -> Workspace:
    config = load_workspace_config().model_copy(update={"rate_limit": UNLIMITED})
    return Workspace(config, clock=clock, tokens=[TOKEN])


def _seed(client: httpx.Client) -> list[str]:
    ids = []
    for n in range(SEED_CONTACTS):
        response = client.post(
            "/contacts",
            json={
                "external_id": f"seed-{n}",
                "email": f"seed{n}@example.com",
                "custom_attributes": {"login_status": "anonymous"},
            },
        )
        ids.append(response.json()["id"])
    return ids


def _mix(client: httpx.Client, ids: list[str], rounds: int, tag: str) -> int:
    """Send `rounds` x (create, get, update, search); return the request count."""
    for n in range(rounds):
        client.post("/contacts", json={"external_id": f"{tag}-{n}", "role": "user"})
        contact_id = ids[n % len(ids)]
        client.get(f"/contacts/{contact_id}")
        client.put(
            f"/contacts/{contact_id}",
            json={"custom_attributes": {"login_status": "logged_in"}},
        )
        client.post(
            "/contacts/search",
            json={
                "query": {
                    "operator": "AND",
                    "value": [
                        {
                            "field": "external_id",
                            "operator": "=",
                            "value": f"seed-{n % 50}",
                        },
                        {
                            "field": "custom_attributes.login_status",
                            "operator": "!=",
                            "value": "logged_out",
                        },
                    ],
                },
                "pagination": {"per_page": 10},
            },
        )
    return rounds * 4


def _rate(fn, repeats: int) -> float:
    """The median requests per second of `repeats` runs of `fn` (returns a count)."""
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        count = fn()
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates)


def in_process(rounds: int, repeats: int) -> float:
    workspace = _workspace(SimulatedClock())
    with mount(workspace), httpx.Client(base_url=BASE, headers=HEADERS) as client:
        ids = _seed(client)
        runs = iter(range(repeats))
        return _rate(lambda: _mix(client, ids, rounds, f"run{next(runs)}"), repeats)


def floor(rounds: int, repeats: int) -> float:
    constant = json.dumps({"type": "contact", "id": "0" * 24}).encode()

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Type": "application/json"}, content=constant
        )

    transport = httpx.MockTransport(answer)
    with httpx.Client(base_url=BASE, headers=HEADERS, transport=transport) as client:
        ids = [f"{n:024x}" for n in range(SEED_CONTACTS)]
        return _rate(lambda: _mix(client, ids, rounds, "floor"), repeats)


def _loopback_load(url: str, total: int, concurrency: int, ids: list[str]) -> float:
    """Send `total` requests of the mix from `concurrency` threads, each with its
    own keep-alive connection; return requests per second."""
    counter = itertools.count()

    def worker() -> None:
        with httpx.Client(base_url=url, headers=HEADERS) as client:
            while (n := next(counter)) < total:
                kind = n % 4
                contact_id = ids[n % len(ids)]
                if kind == 0:
                    client.post(
                        "/contacts", json={"external_id": f"lb-{n}", "role": "user"}
                    )
                elif kind == 1:
                    client.get(f"/contacts/{contact_id}")
                elif kind == 2:
                    client.put(
                        f"/contacts/{contact_id}",
                        json={"custom_attributes": {"login_status": "logged_in"}},
                    )
                else:
                    client.post(
                        "/contacts/search",
                        json={
                            "query": {
                                "field": "external_id",
                                "operator": "=",
                                "value": f"seed-{n % 50}",
                            }
                        },
                    )

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(worker) for _ in range(concurrency)]:
            future.result()
    return total / (time.perf_counter() - started)


def loopback(total: int, concurrency: int) -> float:
    """Serve with `identity-harness serve` in its own process, as a real client sees it.

    In one process the client's event loop and the server's thread would take turns
    on the GIL, and the figure would measure that instead of the server.
    """
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "workspace.yaml"
        data = yaml.safe_load(DEFAULT_WORKSPACE.read_text())
        data["rate_limit"] = UNLIMITED.model_dump()
        config.write_text(yaml.safe_dump(data))
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simulator.cli",
                "serve",
                "--port",
                "0",
                "--token",
                TOKEN,
                "--workspace",
                str(config),
                "--log-level",
                "warning",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            url = _wait_for_url(server)
            with httpx.Client(base_url=url, headers=HEADERS) as client:
                ids = _seed(client)
            return _loopback_load(url, total, concurrency, ids)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=10)


def _wait_for_url(server: subprocess.Popen[str]) -> str:
    assert server.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found:
            return found.group(0)
        if not line and server.poll() is not None:
            break
    raise RuntimeError("the workspace server did not report its address")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=500, help="mix rounds per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs, median taken")
    parser.add_argument("--loopback-requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"httpx {httpx.__version__}"
    )
    base = floor(args.rounds, args.repeats)
    mock = in_process(args.rounds, args.repeats)
    print(f"floor (httpx.MockTransport, constant answer): {base:9.0f} req/s")
    print(f"in-process workspace (respx):                 {mock:9.0f} req/s")
    print(
        f"ratio floor / in-process:                     {base / mock:9.2f}x "
        "(aim: within 3x)"
    )
    served = loopback(args.loopback_requests, args.concurrency)
    print(
        f"loopback server, {args.concurrency} concurrent clients:       "
        f"{served:9.0f} req/s"
    )


if __name__ == "__main__":
    main()
