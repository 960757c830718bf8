"""The validation helpers every reader of user input shares: how a wrong value is shown, the checks
of a text field and a whole number, and the names a user types (levers, assumptions) with
close-match suggestions when one is mistyped.

Each check raises a :class:`~ecosim.errors.ScenarioError` (or the subclass given as ``error``) that
names the source, the field and what is allowed, so a scenario file, an experiment file, a
calibration file and a command-line option all refuse bad input in the same words.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from ecosim.assumptions import ASSUMPTIONS
from ecosim.errors import ScenarioError
from ecosim.levers import LEVERS


def show(value: Any) -> str:
    """A value as an error message quotes it: its kind, and itself unless it is a table."""
    kind = {bool: "a true/false", str: "a text", dict: "a table", list: "a list"}.get(type(value), type(value).__name__)
    return f"{kind} ({value!r})" if not isinstance(value, dict) else kind


def text_field(raw: dict, key: str, default: str, source: str, error: type[ScenarioError] = ScenarioError) -> str:
    """``raw[key]`` (``default`` when absent), which must be a text."""
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise error(source, key, f"must be a text, got {show(value)}")
    return value


def whole_number(value: Any, field_name: str, low: int, high: int, source: str,
                 error: type[ScenarioError] = ScenarioError) -> int:
    """``value``, which must be a whole number (not a true/false) from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(source, field_name, f"must be a whole number from {low} to {high}, got {show(value)}")
    if not low <= value <= high:
        raise error(source, field_name, f"{value} is out of range; allowed is {low} to {high}")
    return value


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choices to ``word``, or ``""`` when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"


def check_levers(names: Iterable[str], source: str = "levers") -> list[str]:
    """The lever names, or a ScenarioError naming the first unknown one and its close matches."""
    names = list(names)
    for name in names:
        if name not in LEVERS:
            raise ScenarioError(source, name, "unknown lever" + (did_you_mean(name, LEVERS)
                                                                 or f"; known levers are {', '.join(LEVERS)}"))
    return names


def check_changes(changes: dict[str, object], source: str = "--set") -> None:
    """Refuse ``levers.X`` / ``assumptions.X`` keys naming an unknown lever or assumption (with a suggestion)."""
    for key in changes:
        table, _, name = key.partition(".")
        known = {"levers": LEVERS, "assumptions": ASSUMPTIONS}.get(table)
        if known is not None and name.split(".")[0] not in known:
            kind = table[:-1]
            raise ScenarioError(source, key, f"unknown {kind}" + (did_you_mean(name, known)
                                                                  or f"; see 'ecosim {table}' for the list"))
