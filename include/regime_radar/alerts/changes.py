"""Find what an alert should be about: flags whose level changed, tariff pauses about to end."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from regime_radar.config import load_yaml

if TYPE_CHECKING:
    import pandas as pd

GREEN = "green"


def _as_dates(values: pd.Series) -> pd.Series:
    """A date column as `datetime.date` objects, whatever it arrived as (date32, datetime64, strings)."""
    import pandas as pd

    return pd.to_datetime(values).dt.date


def level_changes(flags: pd.DataFrame, previous_levels: dict[str, str] | None = None) -> pd.DataFrame:
    """The risk_flags rows whose level differs from the same flag's level on its previous market day.

    For a flag's first row in `flags` the previous level comes from `previous_levels`; a flag with no
    previous level at all counts as changed only when it is not green. The result is sorted by date
    and flag, has `date` as `datetime.date` and adds `previous_level` (None when there was none).
    """
    frame = flags.copy()
    if frame.empty:
        frame["previous_level"] = []
        return frame.reset_index(drop=True)
    frame["date"] = _as_dates(frame["date"])
    duplicated = frame.duplicated(["date", "flag"], keep=False)
    if duplicated.any():
        dupes = frame.loc[duplicated, ["date", "flag"]].drop_duplicates().to_records(index=False).tolist()
        raise ValueError(f"risk_flags has more than one row for (date, flag): {dupes[:5]}")
    frame = frame.sort_values(["date", "flag"], kind="mergesort").reset_index(drop=True)
    previous = frame.groupby("flag", sort=False)["level"].shift(1).astype(object)
    if previous_levels:
        first = previous.isna()
        previous[first] = frame.loc[first, "flag"].map(previous_levels)
    previous = previous.where(previous.notna(), None)
    has_previous = previous.notna()
    changed = (has_previous & (frame["level"] != previous)) | (~has_previous & (frame["level"] != GREEN))
    frame["previous_level"] = previous
    return frame[changed].reset_index(drop=True)


def levels_before(flags: pd.DataFrame, day: date) -> dict[str, str]:
    """Each flag's last level strictly before `day`: the `previous_levels` for a window starting on `day`."""
    if flags.empty:
        return {}
    frame = flags.assign(date=_as_dates(flags["date"]))
    frame = frame[frame["date"] < day].sort_values("date", kind="mergesort")
    return {str(flag): str(level) for flag, level in frame.groupby("flag")["level"].last().items()}


def expiring_pauses(tariff_state: pd.DataFrame, asof: date, lead_days: int | None = None) -> pd.DataFrame:
    """Paused tariffs (as known on `asof`) whose pause ends within `lead_days`, with `days_left` added."""
    settings: dict[str, Any] = load_yaml("alerts.yaml")["pause_expiry"]
    lead = settings["lead_days"] if lead_days is None else lead_days
    columns = ["partner", "scope", "rate_pct", "pause_ends", "action_id", "days_left"]
    if tariff_state.empty:
        return tariff_state.reindex(columns=columns)
    frame = tariff_state.assign(date=_as_dates(tariff_state["date"]))
    known = frame[frame["date"] <= asof]
    if known.empty:
        return known.reindex(columns=columns)
    today = known[(known["date"] == known["date"].max()) & (known["status"] == settings["status"])]
    today = today[today["pause_ends"].notna()].copy()
    today["pause_ends"] = _as_dates(today["pause_ends"])
    today["days_left"] = [(end - asof).days for end in today["pause_ends"]]
    due = today[(today["days_left"] >= 0) & (today["days_left"] <= lead)]
    return due.reindex(columns=columns).sort_values(["pause_ends", "partner", "scope"]).reset_index(drop=True)
