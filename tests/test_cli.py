"""The `identity-harness serve` command, run as a real process.

Each test starts the command in a subprocess, reads the address it announces on
stdout, talks to it over HTTP and stops it with a signal. Every wait has a timeout, and
a process that is still running when a test ends is killed, so a hang fails one test
instead of stalling the suite.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from simulator.config import load_workspace_config

ROOT = Path(__file__).resolve().parents[1]
MODULE = [sys.executable, "-m", "simulator.cli"]
SCRIPT = Path(sys.executable).with_name("identity-harness")

START_TIMEOUT = 30.0  # a cold interpreter importing uvicorn and pydantic
STOP_TIMEOUT = 10.0
RUN_TIMEOUT = 30.0
HTTP_TIMEOUT = 5.0

URL = re.compile(r"http://127\.0\.0\.1:(\d+)")
GENERATED = re.compile(r"Access token \(generated for this run\): (\S+)")
READY = "press Ctrl+C to stop"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "INTERCOM_ACCESS_TOKEN"}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@dataclass
class Served:
    process: subprocess.Popen[str]
    banner: list[str]
    url: str
    stderr: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def get(self, path: str, token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return httpx.get(self.url + path, headers=headers, timeout=HTTP_TIMEOUT)

    def stop(self, signum: int = signal.SIGINT) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=STOP_TIMEOUT)


def _pump(stream, sink: queue.Queue[str | None]) -> None:
    for line in stream:
        sink.put(line.rstrip("\n"))
    sink.put(None)


@contextmanager
def serving(
    *args: str, env: dict[str, str] | None = None, command: list[str] = MODULE
) -> Iterator[Served]:
    """Run `serve --port 0 ARGS` until it has announced itself; kill it afterwards."""
    process = subprocess.Popen(
        [*command, "serve", "--port", "0", *args],
        cwd=ROOT,
        env=env if env is not None else _env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: queue.Queue[str | None] = queue.Queue()
    err: queue.Queue[str | None] = queue.Queue()
    pumps = [
        threading.Thread(target=_pump, args=(process.stdout, out), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, err), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    try:
        banner: list[str] = []
        while not banner or READY not in banner[-1]:
            try:
                line = out.get(timeout=START_TIMEOUT)
            except queue.Empty:
                pytest.fail(f"serve announced nothing in {START_TIMEOUT}s: {banner}")
            if line is None:
                process.wait(timeout=STOP_TIMEOUT)
                pytest.fail(
                    f"serve exited with {process.returncode} before it was ready:\n"
                    + "\n".join(_drain(err))
                )
            banner.append(line)
        found = URL.search(banner[0])
        assert found, f"no http://127.0.0.1:PORT address in {banner[0]!r}"
        served = Served(process, banner, found.group(0))
        yield served
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=STOP_TIMEOUT)
        for pump in pumps:
            pump.join(timeout=STOP_TIMEOUT)
        process.stdout.close()
        process.stderr.close()


def _drain(sink: queue.Queue[str | None]) -> list[str]:
    lines = []
    while True:
        try:
            line = sink.get(timeout=1.0)
        except queue.Empty:
            return lines
        if line is None:
            return lines
        lines.append(line)


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the command to completion (for the ways it refuses to start)."""
    return subprocess.run(
        [*MODULE, *args],
        cwd=ROOT,
        env=env if env is not None else _env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )


# -- serving -------------------------------------------------------------------------


@pytest.mark.loopback
def test_port_zero_announces_the_real_port_and_serves_with_the_token():
    with serving("--token", "T-secret") as served:
        assert served.port != 0
        assert served.banner[1] == "Access token: as given"
        assert "T-secret" not in "\n".join(served.banner)

        me = served.get("/me", "T-secret")
        assert me.status_code == 200
        assert me.json()["type"] == "admin"
        assert me.json()["app"]["id_code"] == "hx7demo1"

        wrong = served.get("/me", "not-T")
        assert wrong.status_code == 401
        assert wrong.json()["errors"][0]["code"] == "unauthorized"
        assert served.get("/me", None).status_code == 401

        assert served.stop(signal.SIGINT) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(served.url + "/me", timeout=HTTP_TIMEOUT)


@pytest.mark.loopback
def test_the_announced_address_accepts_a_connection_at_once():
    # no retry: the address is printed only once the server is listening
    for _ in range(3):
        with serving("--token", "T") as served:
            assert served.get("/me", "T").status_code == 200
            assert served.stop() == 0


@pytest.mark.loopback
def test_sigterm_stops_it_cleanly():
    with serving("--token", "T") as served:
        assert served.get("/me", "T").status_code == 200
        assert served.stop(signal.SIGTERM) == 0


@pytest.mark.loopback
def test_token_from_the_environment():
    with serving(env=_env(INTERCOM_ACCESS_TOKEN="env-token")) as served:
        assert served.banner[1] == "Access token: as given"
        assert served.get("/me", "env-token").status_code == 200
        assert served.get("/me", "other").status_code == 401
        assert served.stop() == 0


@pytest.mark.loopback
def test_the_token_option_wins_over_the_environment():
    with serving("--token", "flag", env=_env(INTERCOM_ACCESS_TOKEN="env")) as served:
        assert served.get("/me", "flag").status_code == 200
        assert served.get("/me", "env").status_code == 401
        assert served.stop() == 0


@pytest.mark.loopback
def test_without_a_token_one_is_generated_printed_and_works():
    with serving() as served:
        found = GENERATED.search(served.banner[1])
        assert found, served.banner
        token = found.group(1)
        assert len(token) >= 24
        assert served.get("/me", token).status_code == 200
        assert served.get("/me", token + "x").status_code == 401
        assert served.stop() == 0


@pytest.mark.loopback
def test_a_workspace_file_is_served(tmp_path: Path):
    config = tmp_path / "small.yaml"
    config.write_text(
        "name: Small shop\napp_id: small01\nidentity_verification:\n  mode: 'off'\n"
        "custom_attributes:\n  - name: plan\n    data_type: string\n",
        encoding="utf-8",
    )
    with serving("--token", "T", "--workspace", str(config)) as served:
        assert "'Small shop'" in served.banner[0]
        assert served.banner[2].startswith("Identity verification: off")
        me = served.get("/me", "T")
        assert me.json()["app"]["id_code"] == "small01"
        attributes = httpx.get(
            served.url + "/data_attributes",
            headers={"Authorization": "Bearer T"},
            timeout=HTTP_TIMEOUT,
        ).json()["data"]
        assert [a["name"] for a in attributes if a["custom"]] == ["plan"]
        assert served.stop() == 0


@pytest.mark.loopback
@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed")
def test_the_console_script():
    with serving("--token", "T", command=[str(SCRIPT)]) as served:
        assert served.get("/me", "T").status_code == 200
        assert served.stop() == 0


# -- refusing to start ---------------------------------------------------------------


def test_a_broken_workspace_file_is_exit_2_naming_file_and_key(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "name: Broken\nidentity_verification:\n  mode: strict\n", encoding="utf-8"
    )

    result = _run("serve", "--port", "0", "--token", "T", "--workspace", str(broken))

    assert result.returncode == 2
    assert str(broken) in result.stderr
    assert "identity_verification.mode" in result.stderr
    assert "'strict' is not allowed" in result.stderr
    assert f"{broken}:3:" in result.stderr  # the line of the offending key
    assert result.stdout == ""


def test_an_unknown_key_in_the_workspace_file_is_exit_2(tmp_path: Path):
    broken = tmp_path / "typo.yaml"
    broken.write_text("name: Typo\nrate_limits:\n  app_per_minute: 5\n", "utf-8")

    result = _run("serve", "--port", "0", "--workspace", str(broken))

    assert result.returncode == 2
    assert str(broken) in result.stderr
    assert "rate_limits" in result.stderr
    assert "rate_limit" in result.stderr.split("allowed:", 1)[1]


def test_a_missing_workspace_file_is_exit_2(tmp_path: Path):
    missing = tmp_path / "nowhere.yaml"

    result = _run("serve", "--port", "0", "--workspace", str(missing))

    assert result.returncode == 2
    assert str(missing) in result.stderr
    assert "cannot read" in result.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com"])
def test_a_non_loopback_host_is_exit_2(host: str):
    result = _run("serve", "--port", "0", "--token", "T", "--host", host)

    assert result.returncode == 2
    assert repr(host) in result.stderr
    assert "loopback only" in result.stderr
    assert result.stdout == ""


def test_the_ipv6_loopback_is_refused_with_a_reason():
    # the loopback server listens on an IPv4 socket only
    result = _run("serve", "--port", "0", "--token", "T", "--host", "::1")

    assert result.returncode == 2
    assert "'::1'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["70000", "-1", "eighty"])
def test_a_bad_port_is_exit_2(port: str):
    result = _run("serve", "--port", port, "--token", "T")

    assert result.returncode == 2
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_exit_2():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        result = _run("serve", "--port", str(port), "--token", "T")

    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_an_unquoted_off_identity_verification_mode_is_accepted(tmp_path: Path):
    config = tmp_path / "plain.yaml"
    config.write_text("identity_verification:\n  mode: off\n", "utf-8")

    assert load_workspace_config(config).identity_verification.mode == "off"
