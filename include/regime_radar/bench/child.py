"""Run one benchmark step in a fresh interpreter and print its result as JSON on a marked line.

    python -m regime_radar.bench.child regime_radar.bench.stages:validate '{"work": "/tmp/..."}'

The step returns a dict; the peak resident memory of this process (its high-water mark, read from
`getrusage(RUSAGE_SELF).ru_maxrss`) is added as `peak_rss_mb`, so each step's memory is its own.
"""

from __future__ import annotations

import importlib
import json
import logging
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MARKER = "BENCH-RESULT "


def peak_rss_mb() -> float:
    """This process's resident-memory high-water mark in MB (Linux reports ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    """This process's resident memory now, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return peak_rss_mb()


@contextmanager
def timed(profile: str | None = None) -> Iterator[dict[str, float]]:
    """Time the block into `["seconds"]`; with a profile path, the block also runs under cProfile."""
    box: dict[str, float] = {}
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
            _write_profile(profiler, Path(profile))


def _write_profile(profiler: Any, path: Path) -> None:
    """Keep the raw stats (`<path>.prof`) and the top functions by cumulative and own time (`<path>.txt`)."""
    import io
    import pstats

    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path.with_suffix(".prof")))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)
    path.with_suffix(".txt").write_text(out.getvalue())


def resolve(target: str) -> Callable[..., dict[str, Any]]:
    """The function named by 'package.module:function'."""
    module_name, _, function = target.partition(":")
    return getattr(importlib.import_module(module_name), function)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m regime_radar.bench.child MODULE:FUNCTION JSON_PARAMS", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    result = resolve(argv[0])(**json.loads(argv[1]))
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    sys.stdout.flush()
    print(MARKER + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
