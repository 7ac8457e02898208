"""The bench report: one measurement per object (figure, baseline, ratio, target), as a table and as JSON."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GB = 1024.0  # MB per GB: memory figures are in MB


@dataclass
class Measurement:
    """One figure set against the baseline measured the same way in the same run."""

    name: str
    figure: float
    unit: str
    baseline_name: str
    baseline_figure: float
    target: dict[str, Any] | None = None  # {"ratio": 1.3} or {"absolute": 100, "unit": "ms"}; None = context only
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if not self.baseline_figure:
            return None
        return self.figure / self.baseline_figure

    @property
    def met(self) -> bool | None:
        """Whether the target holds; None when the measurement has no target of its own."""
        if self.target is None:
            return None
        if "ratio" in self.target:
            return self.ratio is not None and self.ratio <= self.target["ratio"]
        return self.figure <= self.target["absolute"]

    def as_dict(self, machine: dict[str, Any]) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "name": self.name,
            "figure": float(f"{self.figure:.6g}"),  # significant digits: tiny baselines keep their precision
            "unit": self.unit,
            "baseline": {"name": self.baseline_name, "figure": float(f"{self.baseline_figure:.6g}"), "unit": self.unit},
            "ratio": None if ratio is None else round(ratio, 3),
            "target": self.target,
            "met": self.met,
            "context": self.context,
            "machine": machine,
        }


def machine_info(mode: str) -> dict[str, Any]:
    """Where and when the run happened: CPUs, memory, Python, platform, load, UTC date."""
    info: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
    }
    try:
        info["load_avg_1m"] = round(os.getloadavg()[0], 2)
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        info["memory_gb"] = round(pages * page_size / 1024**3, 1)
    except (OSError, ValueError, AttributeError):
        pass
    return info


def write_json(measurements: list[Measurement], path: Path, machine: dict[str, Any]) -> Path:
    """Write the report (a JSON list of measurement objects) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps([m.as_dict(machine) for m in measurements], indent=2, default=str) + "\n")
    tmp.replace(path)
    return path


def format_target(target: dict[str, Any] | None) -> str:
    """A target as the table shows it: '<= 1.3x' or '<= 100 ms'."""
    if target is None:
        return "-"
    if "ratio" in target:
        return f"<= {target['ratio']:g}x"
    return f"<= {target['absolute']:g} {target.get('unit', '')}".rstrip()


def format_figure(value: float, unit: str) -> str:
    """A figure in a readable unit (GB for large memory, ms for sub-second times)."""
    if unit == "MB" and value >= GB:
        return f"{value / GB:.2f} GB"
    if unit == "s" and value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"


def render_table(measurements: list[Measurement]) -> str:
    """The report as an aligned text table (also valid Markdown)."""
    header = ["measurement", "figure", "baseline", "ratio", "target", "met"]
    rows = []
    for m in measurements:
        ratio = m.ratio
        met = {True: "yes", False: "NO", None: ""}[m.met]
        rows.append(
            [
                m.name,
                format_figure(m.figure, m.unit),
                f"{m.baseline_name} {format_figure(m.baseline_figure, m.unit)}",
                "-" if ratio is None else f"{ratio:.2f}x",
                format_target(m.target),
                met,
            ]
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)
