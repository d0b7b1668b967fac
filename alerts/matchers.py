"""Label matchers as Alertmanager writes them: ``name=value``, ``name!=value``, ``name=~re``, ``name!~re``.

Regexes match the whole value (anchored), and a missing label matches as the empty string, so
``team!=risk`` holds for an alert without a ``team`` label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic.config import JsonDict

LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Longest operators first so "!=~" style typos fail instead of splitting oddly.
_MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$", re.DOTALL)
OPERATORS = ("=", "!=", "=~", "!~")
MIN_ONE: JsonDict = {"minItems": 1}  # schema of a required matcher list (see non_empty)


@dataclass(frozen=True)
class Matcher:
    """One parsed matcher. ``pattern`` is compiled for the regex operators."""

    name: str
    op: str
    value: str
    pattern: re.Pattern[str] | None = None

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        assert self.pattern is not None
        found = self.pattern.fullmatch(actual) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


@lru_cache(maxsize=4096)
def parse_matcher(text: str) -> Matcher:
    """Parse one matcher; raises ValueError with a message fit for a config error."""
    found = _MATCHER.match(text)
    if found is None:
        raise ValueError(
            f"matcher {text!r} must look like name=value, name!=value, name=~regex or name!~regex"
        )
    name, op, value = found.groups()
    if value[:1] in ("=", "~"):
        # "model==churn" or "model=!~x" is a typo far more often than a value starting with = or ~.
        raise ValueError(f'matcher {text!r}: quote a value that starts with {value[0]} (name="{value}")')
    value = _unquote(value)
    if op in ("=", "!="):
        return Matcher(name, op, value)
    try:
        pattern = re.compile(value)
    except re.error as exc:
        raise ValueError(f"matcher {text!r}: bad regular expression: {exc}") from None
    return Matcher(name, op, value, pattern)


def _unquote(value: str) -> str:
    # Quotes are optional; they let a value keep surrounding spaces or look like YAML-special text.
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    return value


def parse_matchers(texts: Iterable[str]) -> tuple[Matcher, ...]:
    return tuple(parse_matcher(t) for t in texts)


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher holds (an empty list matches everything)."""
    return all(m.matches(labels) for m in matchers)


def non_empty(value: tuple[str, ...]) -> tuple[str, ...]:
    """Validator of a required matcher list. A field validator rather than ``min_length``: pydantic would
    report an empty list on top of every bad matcher in it."""
    if not value:
        raise ValueError("at least one matcher is required")
    return value


def _check(text: str) -> str:
    parse_matcher(text)
    return text


MatcherText = Annotated[
    str,
    AfterValidator(_check),
    Field(
        description="A label matcher: name=value, name!=value, name=~regex or name!~regex "
        '(regexes match the whole value; a missing label is the empty string). Example: "model=~churn.*".',
        examples=["severity=critical", "model=~churn.*", "team!=risk"],
    ),
]
"""A matcher kept as its text in config models, checked when the config is read."""
