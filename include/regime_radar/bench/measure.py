"""Run benchmark steps in child processes and summarise repeated timings."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from regime_radar.bench.child import MARKER


class BenchError(RuntimeError):
    """A benchmark step failed; the message carries the tail of its output."""


def run_child(
    target: str,
    params: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
    timeout: float = 3600.0,
    verbose: bool = False,
) -> dict[str, Any]:
    """Run `target` ('module:function') with `params` in a fresh interpreter; return its result dict."""
    command = [sys.executable, "-m", "regime_radar.bench.child", target, json.dumps(dict(params), default=str)]
    child_env = {**os.environ, **(env or {})}
    try:
        proc = subprocess.run(
            command,
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=None if verbose else subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{target}: no result within {timeout:.0f}s") from exc
    results = [line[len(MARKER) :] for line in proc.stdout.splitlines() if line.startswith(MARKER)]
    if proc.returncode != 0 or not results:
        tail = "\n".join(((proc.stderr or "") + proc.stdout).strip().splitlines()[-25:])
        raise BenchError(f"{target} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(results[-1])


def median(values: list[float]) -> float:
    """The median of repeated timings."""
    return float(statistics.median(values))


def spread(values: list[float]) -> dict[str, float]:
    """Median, min and max of repeated timings (rounded), for the report's context."""
    return {
        "median": round(median(values), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
        "n": len(values),
    }
