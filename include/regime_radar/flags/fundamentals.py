"""Macro backdrop: are fundamentals firm (ISM in expansion, a tight labour market, no negative surprises)?

Each component is the latest period known at the day's cutoff: from `macro_releases` (first prints
and their surprises) when it has the release, else the latest vintage in `macro_observations`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from regime_radar.flags.base import Context, Flag, as_dates64, as_instants_ns, clean

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

REGIME = "macro"


def latest_known(rows: pd.DataFrame, cutoffs: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows about the newest period in publication order, and per cutoff the position of the one then current.

    `rows` needs period64, avail_ns and vintage64; a revision of an older period never displaces a
    newer period, and a revision of the newest period replaces its first print.
    """
    import numpy as np

    ordered = rows.sort_values(["avail_ns", "vintage64", "period64"], kind="mergesort").reset_index(drop=True)
    newest = ordered["period64"].cummax()
    ordered = ordered[ordered["period64"] == newest].reset_index(drop=True)
    positions = np.searchsorted(ordered["avail_ns"].to_numpy(), cutoffs, side="right") - 1
    return ordered, positions


def _component_rows(ctx: Context, component: dict[str, Any]) -> tuple[pd.DataFrame, str] | None:
    """A component's rows (period64, vintage64, avail_ns, value) and the dataset they come from."""
    import pandas as pd

    field = component.get("field", "actual")
    releases = ctx.table("macro_releases")
    if component.get("release") and releases is not None:
        rows = releases[releases["release"] == component["release"]]
        if field in rows.columns:
            rows = rows[pd.to_numeric(rows[field], errors="coerce").notna()]
            if len(rows):
                periods = as_dates64(rows["period"])
                return (
                    pd.DataFrame(
                        {
                            "period64": periods,
                            "vintage64": periods,
                            "avail_ns": as_instants_ns(rows["available_at"]),
                            "value": rows[field].astype("float64").to_numpy(),
                        }
                    ),
                    "macro_releases",
                )
    observations = ctx.table("macro_observations")
    if component.get("series") and field == "actual" and observations is not None:
        rows = observations[observations["series_id"] == component["series"]]
        rows = rows[pd.to_numeric(rows["value"], errors="coerce").notna()]
        if len(rows):
            return (
                pd.DataFrame(
                    {
                        "period64": as_dates64(rows["period"]),
                        "vintage64": as_dates64(rows["vintage_date"]),
                        "avail_ns": as_instants_ns(rows["available_at"]),
                        "value": rows["value"].astype("float64").to_numpy(),
                    }
                ),
                "macro_observations",
            )
    return None


def _is_weak(component: dict[str, Any], value: float) -> bool:
    if "below" in component and value < float(component["below"]):
        return True
    return "above" in component and value > float(component["above"])


def fundamentals(ctx: Context) -> list[Flag]:
    """ISM, services, openings per unemployed and the payroll/ADP surprises as one weakness score."""
    cfg = ctx.rules["fundamentals"]
    readings: list[list[dict[str, Any]]] = [[] for _ in ctx.days]
    for component in cfg["components"]:
        found = _component_rows(ctx, component)
        if found is None:
            continue
        rows, dataset = found
        ordered, positions = latest_known(rows, ctx.cutoffs)
        if ordered.empty:
            continue
        periods = ordered["period64"].to_numpy()
        values = ordered["value"].to_numpy()
        for i, pos in enumerate(positions):
            if pos < 0:
                continue
            period = periods[pos].astype("datetime64[D]").astype(date)
            if (ctx.days[i] - period).days > int(cfg["max_age_days"]):
                continue
            value = float(values[pos])
            readings[i].append(
                {
                    "component": component,
                    "value": value,
                    "period": period,
                    "dataset": dataset,
                    "weak": _is_weak(component, value),
                }
            )
    flags = []
    for i in range(ctx.n):
        if not readings[i]:
            flags.append(Flag(REGIME, "fundamentals", "green", None, {"status": "no macro data"}))
            continue
        weakness = sum(float(r["component"]["weight"]) for r in readings[i] if r["weak"])
        level = "red" if weakness >= cfg["red_weakness"] else "amber" if weakness >= cfg["amber_weakness"] else "green"
        drivers: dict[str, Any] = {"weakness": clean(weakness, 2)}
        for r in readings[i]:
            name = r["component"]["name"]
            drivers[name] = clean(r["value"], 3)
            drivers[f"{name}_period"] = r["period"].strftime("%Y-%m")
        weak = [r["component"]["name"] for r in readings[i] if r["weak"]]
        drivers["weak"] = weak
        drivers["headline"] = _headline(readings[i])
        evidence = [_evidence(r) for r in readings[i]]
        flags.append(Flag(REGIME, "fundamentals", level, clean(weakness, 2), drivers, evidence))
    return flags


def _evidence(reading: dict[str, Any]) -> dict[str, Any]:
    component = reading["component"]
    name = component.get("release") or component.get("series")
    field = component.get("field", "actual")
    what = f"{reading['value']:.4g}" if field == "actual" else f"{field} {reading['value']:+.2f}"
    return {
        "label": f"{reading['dataset']} {name} {reading['period'].strftime('%Y-%m')}: {what}",
        "dataset": reading["dataset"],
        "date": reading["period"].isoformat(),
    }


def _headline(readings: list[dict[str, Any]]) -> str:
    parts = []
    for r in readings:
        component = r["component"]
        threshold = component.get("below", component.get("above"))
        tag = "weak" if r["weak"] else "firm"
        parts.append(f"{component['name']} {r['value']:.3g} ({tag} vs {threshold:g})")
    return "; ".join(parts[:4])
