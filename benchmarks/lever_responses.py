"""The lever-response table at full scale: each lever's standard change against its published range.

Runs :func:`ecosim.api.lever_response.lever_responses` (baseline 2020-2025 without parameter
uncertainty, paired runs with common random numbers), writes ``docs/lever-responses.md`` (one row
per lever: change, 1-year and 5-year response of enterprise R&D, implied elasticity or
additionality, the range and its source, inside or outside) and prints one JSON line last:
{"replications", "scale", "seconds", "levers": {name: {...}}, "outside": [...], "inert": [...]}

    python benchmarks/lever_responses.py [--replications 100] [--scale 1.0] [--firms-per-agent 1] [--seed 20210511]
                                         [--out docs/lever-responses.md]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import pandas as pd

from ecosim.analysis.lever_response import CHECKS, MEASURE_COLUMNS, population
from ecosim.api.lever_response import lever_responses

DOC = Path(__file__).resolve().parent.parent / "docs" / "lever-responses.md"
MEASURE_NAMES = {"elasticity": "user-cost elasticity", "additionality": "additionality (yuan per yuan)",
                 "response_pct": "response (%)"}


def number(value: float, digits: int = 2, sign: bool = False) -> str:
    """A figure for the table: fixed decimals, a dash for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def change_text(row: pd.Series) -> str:
    """The standard change as 'from -> to unit'."""
    return f"{row.value_from:g} -> {row.value_to:g} {row.unit}"


def measure_text(row: pd.Series) -> str:
    """Implied elasticity (tax levers) or additionality (levers with a cost), 1 year / 5 years."""
    parts = []
    if not math.isnan(row.elasticity_1y):
        parts.append(f"elasticity {number(row.elasticity_1y)} / {number(row.elasticity_5y)}")
    if not math.isnan(row.additionality_5y):
        parts.append(f"additionality {number(row.additionality_1y)} / {number(row.additionality_5y)}")
    return "; ".join(parts) or "-"


def range_text(row: pd.Series) -> str:
    """The checked measure and its range at both horizons."""
    unit = "%" if row.measure == "response_pct" else ""
    if (row.low_1y, row.high_1y) == (row.low_5y, row.high_5y):
        span = f"{row.low_5y:g}{unit} to {row.high_5y:g}{unit} (both)"
    else:
        span = f"{row.low_1y:g}-{row.high_1y:g} (1 y); {row.low_5y:g}-{row.high_5y:g} (5 y)"
    return f"{MEASURE_NAMES[row.measure]}: {span}"


def verdict(row: pd.Series) -> str:
    """inside, or which horizon is outside and by how much."""
    if row.inside:
        return "inside (inert)" if row.inert else "inside"
    misses = []
    for horizon, ok in (("1y", row.inside_1y), ("5y", row.inside_5y)):
        if not ok:
            misses.append(f"{horizon} {miss_text(row[f'checked_{horizon}'], row[f'low_{horizon}'], row[f'high_{horizon}'])}")
    return "**outside**: " + ", ".join(misses)


def miss(value: float, low: float, high: float) -> float:
    """Distance outside [low, high]: negative below, positive above, NaN when not computed."""
    if math.isnan(value):
        return math.nan
    return value - high if value > high else value - low


def miss_text(value: float, low: float, high: float) -> str:
    """How far outside the range a value is, in words."""
    distance = miss(value, low, high)
    if math.isnan(distance):
        return "not computed"
    return f"{number(value)} is {abs(distance):.2f} {'above' if distance > 0 else 'below'}"


def table_markdown(table: pd.DataFrame) -> str:
    """The per-lever table in Markdown."""
    lines = ["| lever | change | 1-year response | 5-year response | cost (100m yuan/yr) "
             "| elasticity or additionality (1 y / 5 y) | checked against | source | verdict |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in table.itertuples(index=False):
        series = pd.Series(row._asdict())
        lines.append(
            f"| `{row.lever}` | {change_text(series)} | {number(row.response_1y_pct, sign=True)}% "
            f"| {number(row.response_5y_pct, sign=True)}% | {number(row.cost_per_year, sign=True)} "
            f"| {measure_text(series)} | {range_text(series)} | {row.label} | {verdict(series)} |")
    return "\n".join(lines)


def sources_markdown() -> str:
    """Each range with its full source or reasoning, once per kind of lever."""
    seen, lines = set(), []
    for check in CHECKS.values():
        if check.kind in seen:
            continue
        seen.add(check.kind)
        levers = ", ".join(f"`{name}`" for name, c in CHECKS.items() if c.kind == check.kind)
        lines.append(f"* **{check.kind}** ({levers}): {check.source}")
    return "\n".join(lines)


def document(table: pd.DataFrame, replications: int, scale: float, seed: int, seconds: float,
             firms_per_agent: int = 1) -> str:
    """The whole of docs/lever-responses.md."""
    people = population(scale)
    outside = table[~table["inside"]]
    inert = table[table["inert"]]
    outside_lines = "\n".join(f"* `{row.lever}`: {verdict(pd.Series(row._asdict()))}"
                              for row in outside.itertuples(index=False)) or "* none"
    inert_lines = "\n".join(f"* `{name}`" for name in inert["lever"]) or "* none"
    return f"""# Lever responses

What a standard change of each lever does to enterprise R&D (`rd_by_enterprises`), checked
against published estimates where there are any and against stated plausibility bounds where
there are none. Written by `benchmarks/lever_responses.py`; the numbers follow whatever the model
does when it is run, and `tests/test_lever_responses.py` asserts the same checks at a smaller
replication count.

## How it is computed

* Scenario: `baseline` (the 2020 policy held), base year 2020, horizon 2025, policy from 2021,
  `parameter_uncertainty = false` (default assumption values); one lever changed at a time from its
  2020 value to the standard value from 2021 on, everything else as in the baseline.
* Population: `n_above_scale_firms` = {people['n_above_scale_firms']}, `n_tech_smes` = {people['n_tech_smes']}
  (scale {scale:g}, {firms_per_agent} firm(s) per agent); {replications} replications, root seed {seed};
  run time {seconds:.0f} s.
* Paired differences (common random numbers): the baseline and the changed scenario run with the same
  seeds (`run_seed(seed, 0, r)`); every figure is the median over replications of the paired measure.
* 1-year response: 2021 against the baseline's 2021; 5-year response: 2025 against 2025 (percent).
* Cost: change of the lever's own government-cost column (`outlay_<lever>` or `revenue_forgone_<lever>`; none for the SOE floor, whose cost is its compliance), mean over 2021-2025 (100m yuan a year), with the S&T budget not cutting (`shortfall = "none"`).
* Implied user-cost elasticity (levers that change the B-index): minus d log(enterprise R&D) / d log(user cost),
  positive when R&D rises as its cost falls. The change of the log user cost is taken from the model's
  firm arrays: each base-year firm's B-index (`Enterprises.user_cost`) under the baseline and the changed
  policy of 2021, with its certificate status at the 2021 decision, averaged with base-year R&D as weights
  (firms the change does not touch count with zero change, so the figure is the affected classes' change
  times their share of R&D).
* Additionality (levers with a cost): extra enterprise R&D per yuan of extra cost of the lever in the same
  year (2021 for 1 year, 2025 for 5 years).
* A lever is inside when its checked measure lies in its range at both horizons.

## Table

{table_markdown(table)}

## Outside their range

{outside_lines}

## Inert (the standard change moved neither enterprise R&D nor any cost)

{inert_lines}

## Ranges and their sources

{sources_markdown()}
"""


def summary(table: pd.DataFrame, replications: int, scale: float, seconds: float) -> dict:
    """The JSON line: per lever the responses, the checked measure, the verdict."""
    levers = {}
    for row in table.itertuples(index=False):
        column_1y, column_5y = MEASURE_COLUMNS[row.measure]
        levers[row.lever] = {
            "response_1y_pct": round(row.response_1y_pct, 4),
            "response_5y_pct": round(row.response_5y_pct, 4),
            "cost_per_year": round(row.cost_per_year, 4),
            "measure": row.measure,
            "value_1y": None if math.isnan(row.checked_1y) else round(row.checked_1y, 4),
            "value_5y": None if math.isnan(row.checked_5y) else round(row.checked_5y, 4),
            "range_1y": [row.low_1y, row.high_1y],
            "range_5y": [row.low_5y, row.high_5y],
            "inside": bool(row.inside),
        }
    return {"replications": replications, "scale": scale, "seconds": round(seconds, 1), "levers": levers,
            "outside": [name for name in table.loc[~table["inside"], "lever"]],
            "inert": [name for name in table.loc[table["inert"], "lever"]]}


def main() -> None:
    """Run the table, write the document, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--firms-per-agent", type=int, default=1,
                        help="population scale: firms each firm agent stands for "
                             "(paired effects hold at coarse scales)")
    parser.add_argument("--seed", type=int, default=20210511)
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    start = time.perf_counter()
    table = lever_responses(replications=args.replications, scale=args.scale, seed=args.seed,
                            firms_per_agent=args.firms_per_agent)
    seconds = time.perf_counter() - start
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(document(table, args.replications, args.scale, args.seed, seconds, args.firms_per_agent),
                        encoding="utf-8")
    print(f"wrote {args.out} ({seconds:.0f} s)", flush=True)
    print(json.dumps(summary(table, args.replications, args.scale, seconds)))


if __name__ == "__main__":
    main()
