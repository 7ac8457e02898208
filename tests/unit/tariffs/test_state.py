"""The daily tariff state: a whole lifecycle, pauses that know their end, point in time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from regime_radar import catalog
from regime_radar.tariffs.state import build_tariff_state


def et(day: str, hour: int = 0, minute: int = 1) -> datetime:
    """A New York wall-clock instant (EST, UTC-5, for the winter dates used here) in UTC."""
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC) + timedelta(hours=5)


def action(
    action_id: str,
    kind: str,
    signed: str,
    *,
    partner: str = "CA",
    scope: str = "all_goods",
    rate: float | None = None,
    effective: datetime | None = None,
    expires: datetime | None = None,
    available: datetime | None = None,
) -> dict[str, Any]:
    return {
        "action_id": action_id,
        "action": kind,
        "partner": partner,
        "scope": scope,
        "rate_pct": rate,
        "signed_on": date.fromisoformat(signed),
        "effective_at": effective,
        "expires_at": expires,
        "available_at": available or et(signed, 18, 0),
    }


def optional(value: Any) -> Any:
    """A cell with pandas' missing markers (NaN, NaT, pd.NA) turned into None."""
    return None if pd.isna(value) else value


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def states(actions: pd.DataFrame, start: str, end: str, **kwargs: Any) -> dict[tuple[date, str, str], Any]:
    table = build_tariff_state(actions, date.fromisoformat(start), date.fromisoformat(end), **kwargs)
    return {(r.date, r.partner, r.scope): r for r in table.itertuples()}


LIFECYCLE = frame(
    action("impose", "impose", "2025-02-01", rate=25.0, effective=et("2025-02-04")),
    action("pause", "pause", "2025-02-03", expires=et("2025-03-04")),
    action("increase", "increase", "2025-03-05", rate=35.0, effective=et("2025-03-07")),
    action("decrease", "decrease", "2025-03-10", rate=10.0, effective=et("2025-03-12")),
    action("pause2", "pause", "2025-03-15", expires=et("2025-03-25")),
    action("resume", "resume", "2025-03-17", effective=et("2025-03-17", 9, 0)),
    action("revoke", "revoke", "2025-03-20"),
    action("intent", "announce_intent", "2025-03-24", rate=50.0),
)


@pytest.mark.parametrize(
    ("day", "status", "rate", "pause_ends", "decided_by"),
    [
        ("2025-01-31", "none", None, None, None),
        ("2025-02-01", "announced", 25.0, None, "impose"),  # signed, not yet in force
        ("2025-02-02", "announced", 25.0, None, "impose"),
        ("2025-02-03", "paused", 25.0, date(2025, 3, 4), "pause"),  # the pause knows when it ends
        ("2025-02-04", "paused", 25.0, date(2025, 3, 4), "pause"),  # the effective date passes under the pause
        ("2025-03-03", "paused", 25.0, date(2025, 3, 4), "pause"),
        ("2025-03-04", "effective", 25.0, None, "impose"),  # the pause lapses: the tariff bites with no new action
        ("2025-03-05", "effective", 25.0, None, "impose"),  # an increase announced for later changes nothing yet
        ("2025-03-07", "effective", 35.0, None, "increase"),
        ("2025-03-12", "effective", 10.0, None, "decrease"),
        ("2025-03-15", "paused", 10.0, date(2025, 3, 25), "pause2"),
        ("2025-03-17", "effective", 10.0, None, "decrease"),  # resumed before the pause would have ended
        ("2025-03-20", "revoked", None, None, "revoke"),
        ("2025-03-23", "revoked", None, None, "revoke"),
        ("2025-03-24", "announced", 50.0, None, "intent"),  # a new intent after the revocation
    ],
)
def test_a_whole_lifecycle(
    day: str, status: str, rate: float | None, pause_ends: date | None, decided_by: str | None
) -> None:
    row = states(LIFECYCLE, "2025-01-31", "2025-03-31")[(date.fromisoformat(day), "CA", "all_goods")]
    assert row.status == status
    assert optional(row.rate_pct) == rate
    assert optional(row.pause_ends) == pause_ends
    assert optional(row.action_id) == decided_by


def test_one_row_per_day_and_pair_and_the_catalog_schema() -> None:
    actions = frame(
        action("ca", "impose", "2025-02-01", rate=25.0, effective=et("2025-02-04")),
        action("cn", "impose", "2025-02-01", partner="CN", rate=10.0, effective=et("2025-02-04")),
        action("later", "impose", "2025-06-01", partner="MX", rate=25.0),
    )
    table = build_tariff_state(actions, date(2025, 2, 1), date(2025, 2, 10))
    assert len(table) == 2 * 10, "a pair with no action by the end of the window has no rows"
    assert not table.duplicated(["date", "partner", "scope"]).any()
    conformed = catalog.conform("tariff_state", table)
    assert conformed.schema.equals(catalog.get("tariff_state").arrow_schema())


def test_a_tariff_expires() -> None:
    actions = frame(
        action("temp", "impose", "2025-01-02", rate=15.0, effective=et("2025-01-05"), expires=et("2025-01-10"))
    )
    got = states(actions, "2025-01-04", "2025-01-11")
    assert got[(date(2025, 1, 9), "CA", "all_goods")].status == "effective"
    assert got[(date(2025, 1, 10), "CA", "all_goods")].status == "expired"
    assert got[(date(2025, 1, 11), "CA", "all_goods")].action_id == "temp"


def test_an_exemption_carves_its_scope_out() -> None:
    actions = frame(
        action("imp", "impose", "2025-02-01", scope="hts:27", rate=25.0, effective=et("2025-02-04")),
        action("ex", "exempt", "2025-03-06", scope="hts:27", effective=et("2025-03-07")),
    )
    got = states(actions, "2025-03-06", "2025-03-07")
    assert got[(date(2025, 3, 6), "CA", "hts:27")].status == "effective"
    exempt = got[(date(2025, 3, 7), "CA", "hts:27")]
    assert (exempt.status, exempt.rate_pct, exempt.action_id) == ("none", 0.0, "ex")


def test_a_revocation_voids_an_order_that_had_not_yet_taken_effect() -> None:
    actions = frame(
        action("imp", "impose", "2025-02-01", rate=25.0, effective=et("2025-02-10")),
        action("rev", "revoke", "2025-02-05"),
    )
    got = states(actions, "2025-02-01", "2025-02-12")
    assert got[(date(2025, 2, 4), "CA", "all_goods")].status == "announced"
    assert got[(date(2025, 2, 10), "CA", "all_goods")].status == "revoked"
    assert got[(date(2025, 2, 12), "CA", "all_goods")].status == "revoked"


def test_an_intent_never_downgrades_a_tariff_in_force() -> None:
    actions = frame(
        action("imp", "impose", "2025-02-01", scope="steel", rate=25.0, effective=et("2025-02-04")),
        action("talk", "announce_intent", "2025-02-09", scope="steel", rate=50.0),
    )
    row = states(actions, "2025-02-10", "2025-02-10")[(date(2025, 2, 10), "CA", "steel")]
    assert (row.status, row.rate_pct, row.action_id) == ("effective", 25.0, "imp")


def test_point_in_time_only_counts_actions_public_by_asof() -> None:
    impose = action(
        "imp", "impose", "2025-02-01", rate=25.0, effective=et("2025-02-04"), available=et("2025-02-01", 17, 5)
    )
    pause_seen_late = action(
        "pause", "pause", "2025-02-03", expires=et("2025-03-04"), available=et("2025-02-10", 8, 45)
    )
    pause_seen_early = {**pause_seen_late, "available_at": et("2025-02-03", 17, 40)}
    asof = et("2025-02-05", 18, 0)
    late = states(frame(impose, pause_seen_late), "2025-02-05", "2025-02-05", asof=asof)
    early = states(frame(impose, pause_seen_early), "2025-02-05", "2025-02-05", asof=asof)
    assert late[(date(2025, 2, 5), "CA", "all_goods")].status == "effective", "the pause was not public yet"
    assert early[(date(2025, 2, 5), "CA", "all_goods")].status == "paused"
    nothing = build_tariff_state(frame(impose), date(2025, 1, 30), date(2025, 2, 5), asof=et("2025-01-31"))
    assert nothing.empty, "before the order was public there is no history at all"
    naive = states(frame(impose, pause_seen_early), "2025-02-05", "2025-02-05", asof=asof.replace(tzinfo=None))
    assert naive[(date(2025, 2, 5), "CA", "all_goods")].status == "paused", "a naive asof is read as UTC"


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before start"):
        build_tariff_state(LIFECYCLE, date(2025, 2, 5), date(2025, 2, 1))
