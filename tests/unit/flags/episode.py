"""A hand-made tariff_actions table for early 2025, as the extractor should read the orders of the episode.

Times are when the public could know each action (the White House posting, in UTC); rates, partners
and scopes are those of the orders: EO 14193/14194/14195 (2025-02-01), the Canada and Mexico pauses
(EO 14197/14198, 2025-02-03), the steel and aluminium proclamations (2025-02-10) and the announced
sector tariffs (2025-02-18 onwards).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

WH = "https://www.whitehouse.gov/presidential-actions/2025/02/"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def action(
    action_id: str,
    action: str,
    partner: str,
    scope: str,
    rate: float | None,
    signed: str,
    available: str,
    effective: str | None = None,
    expires: str | None = None,
    eo: str | None = None,
    title: str = "",
    modifies: str | None = None,
) -> dict[str, Any]:
    """One tariff_actions row."""
    return {
        "action_id": action_id,
        "document_number": None,
        "eo_number": eo,
        "title": title or f"EO {eo}",
        "action": action,
        "partner": partner,
        "scope": scope,
        "rate_pct": rate,
        "signed_on": date.fromisoformat(signed),
        "published_on": None,
        "effective_at": _at(effective) if effective else None,
        "expires_at": _at(expires) if expires else None,
        "authority": "IEEPA",
        "modifies": modifies,
        "source_url": f"{WH}{action_id}",
        "evidence": "{}",
        "confidence": 0.95,
        "available_at": _at(available),
        "ingested_at": _at("2025-03-01T00:00:00"),
    }


CANADA = "Imposing Duties To Address the Flow of Illicit Drugs Across Our Northern Border"
MEXICO = "Imposing Duties To Address the Situation at Our Southern Border"
CHINA = "Imposing Duties To Address the Synthetic Opioid Supply Chain in the People's Republic of China"
NORTH_PAUSE = "Progress on the Situation at Our Northern Border"
SOUTH_PAUSE = "Progress on the Situation at Our Southern Border"
SAT = "2025-02-02T01:00:00"  # 2025-02-01 20:00 New York
TUE = "2025-02-04T05:01:00"  # 00:01 New York
END = "2025-03-04T05:01:00"
MARCH_12 = "2025-03-12T04:01:00"

# id, action, partner, scope, rate, signed, public at (UTC), effective, expires, EO, title, modifies
EPISODE = [
    ("ca-goods", "impose", "CA", "all_goods", 25.0, "2025-02-01", SAT, TUE, None, "14193", CANADA, None),
    ("ca-energy", "impose", "CA", "energy", 10.0, "2025-02-01", SAT, TUE, None, "14193", CANADA, None),
    ("mx-goods", "impose", "MX", "all_goods", 25.0, "2025-02-01", SAT, TUE, None, "14194", MEXICO, None),
    ("cn-goods", "impose", "CN", "all_goods", 10.0, "2025-02-01", SAT, TUE, None, "14195", CHINA, None),
    ("mx-pause", "pause", "MX", "all_goods", None, "2025-02-03", "2025-02-03T17:00:00", TUE, END, "14198",
     SOUTH_PAUSE, "14194"),
    ("ca-pause", "pause", "CA", "all_goods", None, "2025-02-03", "2025-02-03T22:00:00", TUE, END, "14197",
     NORTH_PAUSE, "14193"),
    ("ca-energy-pause", "pause", "CA", "energy", None, "2025-02-03", "2025-02-03T22:00:00", TUE, END,
     "14197", NORTH_PAUSE, "14193"),
    ("steel", "impose", "ALL", "steel", 25.0, "2025-02-10", "2025-02-11T01:00:00", MARCH_12, None, None,
     "Adjusting Imports of Steel into the United States", None),
    ("aluminum", "increase", "ALL", "aluminum", 25.0, "2025-02-10", "2025-02-11T01:00:00", MARCH_12, None, None,
     "Adjusting Imports of Aluminum into the United States", None),
    ("chips-intent", "announce_intent", "ALL", "semiconductors", 25.0, "2025-02-18", "2025-02-19T00:30:00", None, None,
     None, "Remarks: tariffs of 25% or more on semiconductors", None),
    ("autos-intent", "announce_intent", "ALL", "autos", 25.0, "2025-02-18", "2025-02-19T00:30:00", None, None, None,
     "Remarks: tariffs of around 25% on autos", None),
]  # fmt: skip


def episode_actions() -> pd.DataFrame:
    """The tariff actions of February 2025."""
    rows = []
    for action_id, kind, partner, scope, rate, signed, public, effective, expires, eo, title, modifies in EPISODE:
        rows.append(
            action(action_id, kind, partner, scope, rate, signed, public, effective, expires, eo, title, modifies)
        )
    return pd.DataFrame(rows)
