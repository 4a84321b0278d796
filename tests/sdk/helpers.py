"""Helpers the per-platform SDK tests share."""

from __future__ import annotations

from simulator.sdk.network import Pending, SdkResult
from simulator.world import World


def answer(world: World, pending: Pending) -> SdkResult:
    """Deliver everything in flight; the call must have answered by then."""
    world.network.settle()
    assert pending.state == "done", f"{pending.call} is still {pending.state}"
    assert pending.result is not None
    return pending.result


def ok(world: World, pending: Pending) -> SdkResult:
    result = answer(world, pending)
    assert result.ok, result
    return result
