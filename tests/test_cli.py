"""The `identity-harness serve` command.

Where the process itself is the point (the console script runs, a signal stops it, the
address it announces accepts a connection at once, port 0 announces the real port) a
test starts the command in a subprocess, reads the address it announces on stdout,
talks to it over HTTP and stops it with a signal. Every wait has a timeout, and a
process that is still running when a test ends is killed, so a hang fails one test
instead of stalling the suite.

The rest (which token and workspace it serves, the ways it refuses to start) call
`simulator.cli.main` in-process: a Python process costs about a second of CPU to start.
`main` returns the exit code, or argparse raises SystemExit with it.
"""

from __future__ import annotations

import _thread
import io
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from simulator.cli import main
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


class _Lines(io.TextIOBase):
    """A stand-in for sys.stdout that hands each complete line to a queue."""

    def __init__(self, sink: queue.Queue[str | None]) -> None:
        super().__init__()
        self.sink = sink
        self.partial = ""

    def write(self, text: str) -> int:
        self.partial += text
        *lines, self.partial = self.partial.split("\n")
        for line in lines:
            self.sink.put(line)
        return len(text)


@dataclass
class InProcess:
    """What `main` announced when run in-process, and how to reach it."""

    banner: list[str]
    url: str

    def get(self, path: str, token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return httpx.get(self.url + path, headers=headers, timeout=HTTP_TIMEOUT)


def serve_in_process(
    monkeypatch: pytest.MonkeyPatch, *args: str, check: Callable[[InProcess], None]
) -> None:
    """Run `main(["serve", "--port", "0", *ARGS])` in this thread until it has
    announced itself, call `check` from another thread, then stop it with SIGTERM.

    `main` installs its SIGTERM handler only in the main thread (as xdist runs tests);
    the signal is sent to that thread only while the handler is Python's, so the test
    process itself is never terminated.
    """
    assert threading.current_thread() is threading.main_thread()
    out: queue.Queue[str | None] = queue.Queue()
    monkeypatch.setattr(sys, "stdout", _Lines(out))
    failures: list[BaseException] = []

    def drive() -> None:
        banner: list[str] = []
        try:
            while not banner or READY not in banner[-1]:
                line = out.get(timeout=START_TIMEOUT)
                if line is None:  # main returned before it was ready
                    failures.append(AssertionError(f"serve ended early: {banner}"))
                    return
                banner.append(line)
            found = URL.search(banner[0])
            assert found, f"no http://127.0.0.1:PORT address in {banner[0]!r}"
            check(InProcess(banner, found.group(0)))
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            # main's own SIGTERM handler is in place from before the banner until
            # the serving loop ends, which only a signal makes it do
            if banner and READY in banner[-1]:
                handler = signal.getsignal(signal.SIGTERM)
                if callable(handler):
                    signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)
                else:
                    failures.append(AssertionError(f"no SIGTERM handler: {handler}"))
                    _thread.interrupt_main(signal.SIGINT)

    driver = threading.Thread(target=drive, daemon=True)
    driver.start()
    try:
        code = main(["serve", "--port", "0", *args])
    finally:
        out.put(None)
        driver.join(timeout=START_TIMEOUT)
    if failures:
        raise failures[0]
    assert code == 0


def run_in_process(
    capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int | str | None, str, str]:
    """Run the command to completion in-process (for the ways it refuses to start):
    the exit code, stdout and stderr."""
    try:
        code: int | str | None = main(list(args))
    except SystemExit as exit:  # argparse's refusals
        code = exit.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def _no_token_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERCOM_ACCESS_TOKEN", raising=False)


# -- serving, as a real process -------------------------------------------------------


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
def test_the_announced_address_accepts_a_connection_at_once(
    monkeypatch: pytest.MonkeyPatch,
):
    # no retry: the address is printed only once the server is listening. The other
    # real-process tests connect at once too; here the command also starts and stops
    # three times over in-process, where a start costs no interpreter
    with serving("--token", "T") as served:
        assert served.get("/me", "T").status_code == 200
        assert served.stop() == 0

    def at_once(served: InProcess) -> None:
        assert served.get("/me", "T").status_code == 200

    for _ in range(3):
        serve_in_process(monkeypatch, "--token", "T", check=at_once)


@pytest.mark.loopback
def test_sigterm_stops_it_cleanly():
    with serving("--token", "T") as served:
        assert served.get("/me", "T").status_code == 200
        assert served.stop(signal.SIGTERM) == 0


@pytest.mark.loopback
@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed")
def test_the_console_script():
    with serving("--token", "T", command=[str(SCRIPT)]) as served:
        assert served.get("/me", "T").status_code == 200
        assert served.stop() == 0


# -- serving, in-process --------------------------------------------------------------


@pytest.mark.loopback
def test_token_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("INTERCOM_ACCESS_TOKEN", "env-token")

    def check(served: InProcess) -> None:
        assert served.banner[1] == "Access token: as given"
        assert served.get("/me", "env-token").status_code == 200
        assert served.get("/me", "other").status_code == 401

    serve_in_process(monkeypatch, check=check)


@pytest.mark.loopback
def test_the_token_option_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("INTERCOM_ACCESS_TOKEN", "env")

    def check(served: InProcess) -> None:
        assert served.get("/me", "flag").status_code == 200
        assert served.get("/me", "env").status_code == 401

    serve_in_process(monkeypatch, "--token", "flag", check=check)


@pytest.mark.loopback
def test_without_a_token_one_is_generated_printed_and_works(
    monkeypatch: pytest.MonkeyPatch,
):
    def check(served: InProcess) -> None:
        found = GENERATED.search(served.banner[1])
        assert found, served.banner
        token = found.group(1)
        assert len(token) >= 24
        assert served.get("/me", token).status_code == 200
        assert served.get("/me", token + "x").status_code == 401

    serve_in_process(monkeypatch, check=check)


@pytest.mark.loopback
def test_a_workspace_file_is_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = tmp_path / "small.yaml"
    config.write_text(
        "name: Small shop\napp_id: small01\nidentity_verification:\n  mode: 'off'\n"
        "custom_attributes:\n  - name: plan\n    data_type: string\n",
        encoding="utf-8",
    )

    def check(served: InProcess) -> None:
        assert "'Small shop'" in served.banner[0]
        assert served.banner[2].startswith("Identity verification: off")
        me = served.get("/me", "T")
        assert me.json()["app"]["id_code"] == "small01"
        attributes = served.get("/data_attributes", "T").json()["data"]
        assert [a["name"] for a in attributes if a["custom"]] == ["plan"]

    serve_in_process(
        monkeypatch, "--token", "T", "--workspace", str(config), check=check
    )


# -- refusing to start ---------------------------------------------------------------


def test_a_broken_workspace_file_is_exit_2_naming_file_and_key(tmp_path: Path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "name: Broken\nidentity_verification:\n  mode: strict\n", encoding="utf-8"
    )

    code, out, err = run_in_process(
        capsys, "serve", "--port", "0", "--token", "T", "--workspace", str(broken)
    )

    assert code == 2
    assert str(broken) in err
    assert "identity_verification.mode" in err
    assert "'strict' is not allowed" in err
    assert f"{broken}:3:" in err  # the line of the offending key
    assert out == ""


def test_an_unknown_key_in_the_workspace_file_is_exit_2(tmp_path: Path, capsys):
    broken = tmp_path / "typo.yaml"
    broken.write_text("name: Typo\nrate_limits:\n  app_per_minute: 5\n", "utf-8")

    code, _, err = run_in_process(
        capsys, "serve", "--port", "0", "--workspace", str(broken)
    )

    assert code == 2
    assert str(broken) in err
    assert "rate_limits" in err
    assert "rate_limit" in err.split("allowed:", 1)[1]


def test_a_missing_workspace_file_is_exit_2(tmp_path: Path, capsys):
    missing = tmp_path / "nowhere.yaml"

    code, _, err = run_in_process(
        capsys, "serve", "--port", "0", "--workspace", str(missing)
    )

    assert code == 2
    assert str(missing) in err
    assert "cannot read" in err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com"])
def test_a_non_loopback_host_is_exit_2(host: str, capsys):
    code, out, err = run_in_process(
        capsys, "serve", "--port", "0", "--token", "T", "--host", host
    )

    assert code == 2
    assert repr(host) in err
    assert "loopback only" in err
    assert out == ""


def test_the_ipv6_loopback_is_refused_with_a_reason(capsys):
    # the loopback server listens on an IPv4 socket only; in-process, an exception
    # instead of the refusal would fail the test with its traceback
    code, _, err = run_in_process(
        capsys, "serve", "--port", "0", "--token", "T", "--host", "::1"
    )

    assert code == 2
    assert "'::1'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("port", ["70000", "-1", "eighty"])
def test_a_bad_port_is_exit_2(port: str, capsys):
    code, _, err = run_in_process(capsys, "serve", "--port", port, "--token", "T")

    assert code == 2
    assert "--port" in err
    assert "Traceback" not in err


def test_a_port_in_use_is_exit_2(capsys):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        code, _, err = run_in_process(
            capsys, "serve", "--port", str(port), "--token", "T"
        )

    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err


def test_an_unquoted_off_identity_verification_mode_is_accepted(tmp_path: Path):
    config = tmp_path / "plain.yaml"
    config.write_text("identity_verification:\n  mode: off\n", "utf-8")

    assert load_workspace_config(config).identity_verification.mode == "off"
