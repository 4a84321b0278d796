"""The `identity-harness` command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .clock import WallClock
from .config import DEFAULT_WORKSPACE, WorkspaceConfig, load_workspace_config
from .errors import ConfigError

if TYPE_CHECKING:
    from .workspace import LoopbackServer

__all__ = ["main"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

# The hosts `serve` binds. The loopback server listens on an IPv4 socket, so the IPv6
# loopback (::1) is not among them.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="identity-harness",
        description="Simulate app identity lifecycles against a mock Intercom "
        "workspace and judge how its routing and guards treat people.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the mock workspace's REST API and Messenger endpoints on loopback",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind")
    serve.add_argument("--port", type=_port, default=8765, help="port (0 picks one)")
    serve.add_argument(
        "--token",
        help="access token clients must send (default: $INTERCOM_ACCESS_TOKEN, "
        "else a generated one, printed at start)",
    )
    serve.add_argument(
        "--workspace",
        default=str(DEFAULT_WORKSPACE),
        help="workspace config file (default: the bundled default.yaml)",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    review = commands.add_parser(
        "review",
        help="run the readiness review: is the workspace and integration safe to "
        "launch? (exit 0 ready, 1 not ready, 2 usage or config error)",
    )
    review.add_argument(
        "--workspace",
        default=str(DEFAULT_WORKSPACE),
        metavar="FILE",
        help="workspace config (default: the bundled fixtures/workspaces/default.yaml)",
    )
    review.add_argument("--workflow", metavar="NAME", help="override the workflow")
    review.add_argument(
        "--guard", metavar="NAME", help="run every procedure behind this guard"
    )
    review.add_argument(
        "--integration",
        default="recommended",
        metavar="NAME",
        help="how the app drives the SDK (default: recommended)",
    )
    review.add_argument(
        "--platforms",
        default="ios,android,web",
        metavar="LIST",
        help="comma-separated platforms (default: ios,android,web)",
    )
    review.add_argument(
        "--target",
        default="inprocess",
        choices=["inprocess", "loopback"],
        help="where the mock workspace runs (default: inprocess)",
    )
    review.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the reports (default: a timestamped folder under reports/)",
    )
    review.add_argument(
        "-n",
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="run the scenarios in N worker processes (needs pytest-xdist)",
    )
    diff = commands.add_parser(
        "diff",
        help="compare two review.json files: new, fixed and unchanged findings "
        "(exit 1 on a new blocking finding)",
    )
    diff.add_argument("old", help="the earlier review.json")
    diff.add_argument("new", help="the later review.json")
    diff.add_argument("--format", choices=["text", "json"], default="text")
    diff.add_argument(
        "--verbose", action="store_true", help="list the unchanged findings too"
    )
    diff.add_argument(
        "--fail-on",
        choices=["critical", "high", "medium", "low"],
        default="high",
        help="the least severe new finding that fails (default: high)",
    )
    steps = commands.add_parser(
        "steps",
        help="list every step of the Gherkin step library, with its parameters",
    )
    steps.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        default="text",
        help="output format",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "review":
        return _review(args)
    if args.command == "diff":
        from .review.diff import main_diff

        return main_diff(
            args.old,
            args.new,
            output_format=args.format,
            verbose=args.verbose,
            fail_on=args.fail_on,
        )
    if args.command == "steps":
        try:
            return _steps(args.format)
        except BrokenPipeError:  # `identity-harness steps | head`
            sys.stderr.close()
            return EXIT_OK
    return EXIT_USAGE  # pragma: no cover - argparse refuses unknown commands


def _review(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .review.runner import ReviewOptions, run_review

    platforms = tuple(p.strip() for p in args.platforms.split(",") if p.strip())
    if args.workers < 0:
        print("identity-harness review: --workers must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    options = ReviewOptions(
        workspace=args.workspace,
        workflow=args.workflow,
        guard=args.guard,
        integration=args.integration,
        platforms=platforms,
        target=args.target,
        out=Path(args.out) if args.out else None,
        workers=args.workers,
    )
    try:
        return run_review(options)
    except KeyboardInterrupt:
        print("identity-harness review: interrupted; no verdict", file=sys.stderr)
        return 130


def _steps(style: str) -> int:
    from .steps.library import CATALOGUE, CHOICES, reference_markdown

    if style == "json":
        listing = [
            {
                "keywords": list(doc.keywords),
                "text": doc.text,
                "parameters": {
                    name: CHOICES[name]() if name in CHOICES else None
                    for name in doc.parameters
                },
                "description": doc.description,
            }
            for doc in CATALOGUE
        ]
        print(json.dumps(listing, indent=2))
        return EXIT_OK
    if style == "markdown":
        print(reference_markdown(), end="")
        return EXIT_OK
    for doc in CATALOGUE:
        print(" | ".join(doc.lines()))
        print(f"    {doc.description}")
        for name in doc.parameters:
            if name in CHOICES:
                print(f"    <{name}>: {', '.join(CHOICES[name]())}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .workspace import LoopbackServer, Workspace

    try:
        config = load_workspace_config(args.workspace)
    except ConfigError as error:
        print(f"identity-harness: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.host not in LOOPBACK_HOSTS:
        print(
            f"identity-harness: refusing to bind {args.host!r}: the mock workspace "
            f"serves loopback only ({' or '.join(LOOPBACK_HOSTS)})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    token = args.token or os.environ.get("INTERCOM_ACCESS_TOKEN")
    generated = token is None
    token = token or secrets.token_urlsafe(24)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(levelname)s %(message)s"
    )
    workspace = Workspace(config, clock=WallClock(), tokens=[token])
    try:
        server = LoopbackServer(
            workspace, host=args.host, port=args.port, log_level=args.log_level
        )
    except OSError as error:
        print(
            f"identity-harness: cannot listen on {args.host}:{args.port}: "
            f"{error.strerror or error}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        return _run_until_stopped(server, config, token, generated)
    except KeyboardInterrupt:  # Ctrl+C while starting or stopping
        return EXIT_OK


def _run_until_stopped(
    server: LoopbackServer, config: WorkspaceConfig, token: str, generated: bool
) -> int:
    """Serve in a background thread until SIGINT (Ctrl+C) or SIGTERM.

    The address is announced only once the server accepts connections, so whoever
    reads it (a person, or a script that started the command with `--port 0`) can
    connect at once.
    """
    stop = threading.Event()
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:  # signal handlers can only be set from the main thread
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        try:
            server.start()
        except RuntimeError as error:
            print(f"identity-harness: {error}", file=sys.stderr)
            return EXIT_FAILURE
        print(f"Mock workspace {config.name!r} on {server.url}", flush=True)
        if generated:
            print(f"Access token (generated for this run): {token}", flush=True)
        else:
            print("Access token: as given", flush=True)
        print(
            f"Identity verification: {config.identity_verification.mode} "
            f"({config.identity_verification.method}); press Ctrl+C to stop",
            flush=True,
        )
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        return EXIT_OK
    finally:
        server.stop()
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
