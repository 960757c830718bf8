"""Names a user types: scenarios (a file or a built-in name) and levers, with close-match
suggestions when one is mistyped."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from ecosim.levers import LEVERS
from ecosim.scenario import BUILTIN_SCENARIOS, Scenario, ScenarioError, load_scenario


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choices to ``word``, or ``""`` when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"


def scenario_of(value: Scenario | str | Path, region: str | Path | None = None) -> Scenario:
    """A Scenario as given, or loaded from a file or a built-in name (a mistyped name gets a suggestion);
    ``region`` (a built-in name or a bundle folder) replaces its region."""
    if isinstance(value, Scenario):
        return value.with_changes({"region": region}) if region is not None else value
    try:
        return load_scenario(value, region=region)
    except ScenarioError as error:
        if error.field == "(file)" and not Path(value).exists():
            hint = did_you_mean(Path(str(value)).stem, BUILTIN_SCENARIOS)
            raise ScenarioError(error.source, error.field, error.message + hint) from None
        raise


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
    from ecosim.assumptions import ASSUMPTIONS

    for key in changes:
        table, _, name = key.partition(".")
        known = {"levers": LEVERS, "assumptions": ASSUMPTIONS}.get(table)
        if known is not None and name.split(".")[0] not in known:
            kind = table[:-1]
            raise ScenarioError(source, key, f"unknown {kind}" + (did_you_mean(name, known)
                                                                  or f"; see 'ecosim {table}' for the list"))
