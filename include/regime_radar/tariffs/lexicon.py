"""The tariff lexicon (config/tariff_lexicon.yaml) compiled into regular expressions, once per process."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from regime_radar.config import load_yaml

LEXICON_FILE = "tariff_lexicon.yaml"
_FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class Mention:
    """A lexicon term found in a sentence: its canonical value and where it sits."""

    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Lexicon:
    """Compiled patterns and word lists the extractor and the feeds read."""

    version: str
    partner_names: Mapping[str, str]  # lower-cased name -> ISO code
    partner_re: re.Pattern[str]
    partner_exclusion_re: re.Pattern[str] | None
    all_partners_re: re.Pattern[str]
    scope_names: Mapping[str, str]  # lower-cased phrase -> scope id
    scope_re: re.Pattern[str]
    hts_chapter_re: re.Pattern[str]
    scope_exclusion_re: re.Pattern[str]
    scope_inclusive_re: re.Pattern[str]
    authorities: tuple[tuple[str, re.Pattern[str]], ...]
    authority_sentence_re: re.Pattern[str]
    duty_re: re.Pattern[str]
    rate_re: re.Pattern[str]
    actions: tuple[tuple[str, re.Pattern[str]], ...]
    amendment_re: re.Pattern[str]
    rate_change_re: re.Pattern[str]
    intent_re: re.Pattern[str]
    legal_hedge_re: re.Pattern[str]
    intent_hedge_re: re.Pattern[str]
    legal_instruments: frozenset[str]
    legal_marker_re: re.Pattern[str]
    exclude_title_res: tuple[re.Pattern[str], ...]
    exclude_doc_types: frozenset[str]
    effective_re: re.Pattern[str]
    expires_re: re.Pattern[str]
    abbreviations: tuple[str, ...]
    federal_register: Mapping[str, Any]
    whitehouse: Mapping[str, Any]

    def partners_in(self, text: str) -> list[Mention]:
        """Partner names in `text`, skipping phrases such as "Gulf of Mexico"."""
        excluded = [m.span() for m in self.partner_exclusion_re.finditer(text)] if self.partner_exclusion_re else []
        found = []
        for match in self.partner_re.finditer(text):
            if any(start <= match.start() < end for start, end in excluded):
                continue
            found.append(Mention(self.partner_names[_fold(match.group(0))], match.start(), match.end()))
        return found

    def scopes_in(self, text: str) -> list[Mention]:
        """Scope phrases in `text`, in order of appearance."""
        return [Mention(self.scope_names[_fold(m.group(0))], m.start(), m.end()) for m in self.scope_re.finditer(text)]

    def authority_in(self, text: str) -> list[tuple[int, str]]:
        """(position, authority) for every authority named in `text`."""
        hits = []
        for name, pattern in self.authorities:
            hits.extend((m.start(), name) for m in pattern.finditer(text))
        return sorted(hits)

    def is_relevant(self, text: str) -> bool:
        """Whether a title or abstract is worth downloading in full (it talks about duties or trade)."""
        return bool(re.search(self.federal_register["relevance"], text or "", _FLAGS))


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def _phrases(words: list[str]) -> str:
    """One alternation of whole-word phrases, longest first so the most specific phrase wins."""
    escaped = sorted((re.escape(w).replace(r"\ ", r"\s+") for w in words), key=len, reverse=True)
    return r"\b(?:" + "|".join(escaped) + r")\b"


def compile_lexicon(data: Mapping[str, Any]) -> Lexicon:
    """Compile a lexicon mapping (the YAML file's content) into patterns."""
    partner_names = {_fold(name): code for code, names in data["partners"].items() for name in names}
    scope_names = {_fold(name): scope for scope, names in data["scopes"].items() for name in names}
    exclusions = data.get("partner_exclusions") or []
    authorities = tuple(
        (name, re.compile("|".join(f"(?:{p})" for p in patterns), _FLAGS))
        for name, patterns in data["authorities"].items()
    )
    return Lexicon(
        version=str(data["version"]),
        partner_names=partner_names,
        partner_re=re.compile(_phrases(list(partner_names)), _FLAGS),
        partner_exclusion_re=re.compile(_phrases(exclusions), _FLAGS) if exclusions else None,
        all_partners_re=re.compile(_phrases(data["all_partners"]), _FLAGS),
        scope_names=scope_names,
        scope_re=re.compile(_phrases(list(scope_names)), _FLAGS),
        hts_chapter_re=re.compile(data["hts_chapter"], _FLAGS),
        scope_exclusion_re=re.compile(_phrases(data["scope_exclusion_words"]), _FLAGS),
        scope_inclusive_re=re.compile(_phrases(data["scope_inclusive_words"]), _FLAGS),
        authorities=authorities,
        authority_sentence_re=re.compile(data["authority_sentence"], _FLAGS),
        duty_re=re.compile(data["duty_terms"], _FLAGS),
        rate_re=re.compile(data["rate"], _FLAGS),
        actions=tuple((name, re.compile(pattern, _FLAGS)) for name, pattern in data["actions"].items()),
        amendment_re=re.compile(data["amendment"], _FLAGS),
        rate_change_re=re.compile(data["rate_change"], _FLAGS),
        intent_re=re.compile(data["intent"], _FLAGS),
        legal_hedge_re=re.compile(data["legal_hedges"], _FLAGS),
        intent_hedge_re=re.compile(data["intent_hedges"], _FLAGS),
        legal_instruments=frozenset(data["legal_instruments"]),
        legal_marker_re=re.compile(data["legal_markers"], _FLAGS),
        exclude_title_res=tuple(re.compile(p, _FLAGS) for p in data["exclude_titles"]),
        exclude_doc_types=frozenset(data.get("exclude_doc_types") or []),
        effective_re=re.compile(data["effective"], _FLAGS),
        expires_re=re.compile(data["expires"], _FLAGS),
        abbreviations=tuple(sorted(data["abbreviations"], key=len, reverse=True)),
        federal_register=data["federal_register"],
        whitehouse=data["whitehouse"],
    )


@cache
def load_lexicon() -> Lexicon:
    """The project's lexicon, compiled once per process."""
    return compile_lexicon(load_yaml(LEXICON_FILE))
