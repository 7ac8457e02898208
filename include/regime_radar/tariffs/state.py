"""Tariff actions to a daily state per (partner, scope): none, announced, effective, paused, expired, revoked.

Rules, for the state at the end of day D (midnight America/New_York after D):

- An action is on the books from the start of its signing day (or its `available_at` when it has
  no signing date); with `asof`, only actions whose `available_at` is at or before `asof` count.
- A rate action (impose / increase / decrease) takes hold at `effective_at` (else when signed) and
  lapses at `expires_at`. Signed but not yet in force: `announced`, with the rate it will bring.
- A pause covers what is in force or announced from its start until its `expires_at`; while it
  runs the status is `paused`, `rate_pct` is the rate that would bite when it ends and `pause_ends`
  is the day it ends. When it ends the tariff is in force again without any further action.
- `resume` ends a pause early; `revoke` ends the tariff (`revoked`); `exempt` carves the scope out
  (`none` at rate 0). Both also void anything announced before them.
- `announce_intent` makes a scope with nothing in force `announced` (rate when stated); it never
  downgrades a tariff that is in force, paused or pending.

`action_id` names the action that decided each row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import pandas as pd

NEW_YORK = ZoneInfo("America/New_York")
STATUSES = ("none", "announced", "effective", "paused", "expired", "revoked")
STATE_COLUMNS = ("date", "partner", "scope", "status", "rate_pct", "pause_ends", "action_id")
RATE_ACTIONS = frozenset({"impose", "increase", "decrease"})
# Same-instant order: a tariff starts before a pause of it, and both before resume/exempt/revoke.
_EVENT_ORDER = {"rate_on": 0, "rate_off": 1, "pause_off": 1, "pause_on": 2, "resume": 3, "terminal": 3, "intent": 4}


@dataclass(frozen=True)
class _Action:
    """One tariff_actions row, reduced to what the state needs."""

    action_id: str
    action: str
    partner: str
    scope: str
    rate_pct: float | None
    known_at: datetime
    starts_at: datetime
    ends_at: datetime | None


@dataclass(frozen=True)
class DayState:
    """The state of one (partner, scope) on one day."""

    status: str
    rate_pct: float | None = None
    pause_ends: date | None = None
    action_id: str | None = None


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=NEW_YORK).astimezone(UTC)


def _new_york_date(instant: datetime) -> date:
    return instant.astimezone(NEW_YORK).date()


def state_at(actions: list[_Action], cutoff: datetime) -> DayState:
    """The state of one (partner, scope) at `cutoff`, from its actions known before then."""
    known = [a for a in actions if a.known_at < cutoff]
    events: list[tuple[datetime, int, str, _Action]] = []
    for a in known:
        if a.action in RATE_ACTIONS:
            events.append((a.starts_at, _EVENT_ORDER["rate_on"], "rate_on", a))
            if a.ends_at is not None:
                events.append((a.ends_at, _EVENT_ORDER["rate_off"], "rate_off", a))
        elif a.action == "pause":
            events.append((a.starts_at, _EVENT_ORDER["pause_on"], "pause_on", a))
            if a.ends_at is not None:
                events.append((a.ends_at, _EVENT_ORDER["pause_off"], "pause_off", a))
        elif a.action == "resume":
            events.append((a.starts_at, _EVENT_ORDER["resume"], "resume", a))
        elif a.action in ("revoke", "exempt"):
            events.append((a.starts_at, _EVENT_ORDER["terminal"], "terminal", a))
        elif a.action == "announce_intent":
            events.append((a.known_at, _EVENT_ORDER["intent"], "intent", a))
    events.sort(key=lambda e: (e[0], e[1], e[3].known_at, e[3].action_id))

    in_force: _Action | None = None
    pause: _Action | None = None
    intent: _Action | None = None
    terminal: tuple[str, _Action, datetime] | None = None
    voided: set[str] = set()
    for when, _, kind, a in events:
        if when >= cutoff:
            break
        if kind == "rate_on" and a.action_id not in voided:
            in_force, terminal = a, None
        elif kind == "rate_off" and in_force is a:
            in_force, terminal = None, ("expired", a, when)
        elif kind == "pause_on":
            pause = a
        elif (kind == "pause_off" and pause is a) or kind == "resume":
            pause = None
        elif kind == "terminal":
            in_force, pause = None, None
            terminal = ("revoked" if a.action == "revoke" else "exempt", a, when)
            voided |= {r.action_id for r in known if r.action in RATE_ACTIONS and r.known_at <= a.known_at}
        elif kind == "intent":
            intent = a

    pending = [
        a
        for a in known
        if a.action in RATE_ACTIONS
        and a.starts_at >= cutoff
        and a.action_id not in voided
        and (in_force is None or a.known_at >= in_force.known_at)
    ]
    upcoming = max(pending, key=lambda a: (a.known_at, a.starts_at)) if pending else None

    if pause is not None and (in_force or upcoming):
        biting = upcoming or in_force
        ends = _new_york_date(pause.ends_at) if pause.ends_at else None
        return DayState("paused", biting.rate_pct if biting else None, ends, pause.action_id)
    if in_force is not None:
        return DayState("effective", in_force.rate_pct, None, in_force.action_id)
    if upcoming is not None:
        return DayState("announced", upcoming.rate_pct, None, upcoming.action_id)
    if intent is not None and (terminal is None or intent.known_at > terminal[2]):
        return DayState("announced", intent.rate_pct, None, intent.action_id)
    if terminal is not None:
        kind, action, _ = terminal
        if kind == "exempt":
            return DayState("none", 0.0, None, action.action_id)
        return DayState(kind, None, None, action.action_id)
    return DayState("none")


def _actions_from_frame(actions: pd.DataFrame, asof: datetime | None) -> list[_Action]:
    out = []
    for row in actions.to_dict("records"):
        available = _as_utc(row.get("available_at"))
        if asof is not None and (available is None or available > asof):
            continue
        signed = _as_date(row.get("signed_on"))
        known = _start_of_day(signed) if signed else available
        if known is None:
            raise ValueError(f"tariff action {row.get('action_id')!r} has neither signed_on nor available_at")
        effective = _as_utc(row.get("effective_at"))
        rate = row.get("rate_pct")
        out.append(
            _Action(
                action_id=str(row["action_id"]),
                action=str(row["action"]),
                partner=str(row["partner"]),
                scope=str(row["scope"]),
                rate_pct=None if rate is None or rate != rate else float(rate),
                known_at=known,
                starts_at=effective or known,
                ends_at=_as_utc(row.get("expires_at")),
            )
        )
    return out


def build_tariff_state(actions: pd.DataFrame, start: date, end: date, asof: datetime | None = None) -> pd.DataFrame:
    """One tariff_state row per day in [start, end] for every (partner, scope) with any action on the books."""
    import pandas as pd

    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if asof is not None and asof.tzinfo is None:
        asof = asof.replace(tzinfo=UTC)
    parsed = _actions_from_frame(actions, asof) if len(actions) else []
    last_cutoff = _start_of_day(end + timedelta(days=1))
    by_pair: dict[tuple[str, str], list[_Action]] = {}
    for action in parsed:
        if action.known_at < last_cutoff:
            by_pair.setdefault((action.partner, action.scope), []).append(action)
    rows: list[dict[str, Any]] = []
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    for (partner, scope), pair_actions in sorted(by_pair.items()):
        for day in days:
            state = state_at(pair_actions, _start_of_day(day + timedelta(days=1)))
            rows.append(
                {
                    "date": day,
                    "partner": partner,
                    "scope": scope,
                    "status": state.status,
                    "rate_pct": state.rate_pct,
                    "pause_ends": state.pause_ends,
                    "action_id": state.action_id,
                }
            )
    frame = pd.DataFrame(rows, columns=list(STATE_COLUMNS))
    frame["rate_pct"] = frame["rate_pct"].astype("float64")
    return frame


def _as_utc(value: Any) -> datetime | None:
    if value is None or value != value:
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_date(value: Any) -> date | None:
    if value is None or value != value:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
