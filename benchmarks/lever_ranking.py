"""Which levers move the 2030 gap most, over their plausible ranges and per yuan of social cost.

Each of the 15 main levers of ``experiments/sobol-gap-2030.toml`` is run at the low and at the high end
of its range there, every other lever at its base-year value (``experiments/scenarios/fifteenth-plan.toml``:
the base year's policy held, target the national average by 2030), with parameter uncertainty as forecasts
have it and common random numbers (replication r of every variant has seed ``run_seed(seed, 0, r)``).
The S&T budget reports without cutting (``shortfall = "none"``), so each lever acts at its written value;
how much of each range the default budget would fund is reported beside. Replications are added in
blocks until the rankings converge (:func:`ecosim.analysis.ranking.convergence`, R/2 against R) or the
replication or time budget is spent. Writes ``docs/lever-ranking.md`` and the chart
(``docs/lever-ranking/lever-ranking.png``, ``-zh.png``) and prints one JSON line last:
{"replications", "converged", "reason", "seconds", "base_gap_pp", "gap_top", "gain_top",
"levers": {name: {...}}}

    python benchmarks/lever_ranking.py [--block 50] [--max-replications 400] [--minutes 25] [--workers 2]
                                       [--seed 20210511] [--out docs/lever-ranking.md]
                                       [--save-runs RUNS.csv | --from-runs RUNS.csv]
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ecosim.analysis.costs import cost_window, window_costs
from ecosim.analysis.ranking import (COST_COLUMN, GAP_COLUMN, convergence, funded_share, mean_changes,
                                     paired_changes, range_funded, ranked)
from ecosim.explore.executors import make_executor, map_in_order
from ecosim.explore.experiment import load_experiment
from ecosim.explore.runs import run_assumptions, run_seed
from ecosim.levers import COST_KINDS, LEVERS, OUTLAY_LEVERS
from ecosim.model import resolve, simulate
from ecosim.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENT = ROOT / "experiments" / "sobol-gap-2030.toml"
"""The 15 levers and their plausible ranges, and the scenario (the Sobol ranking's)."""
DOC = ROOT / "docs" / "lever-ranking.md"
TOP = 5
"""Convergence: the levers at the top of each ranking whose tiers must hold from R/2 to R."""
MAX_RELATIVE_HALF_WIDTH = 0.10
"""Convergence: widest allowed interval half-width of a top lever, as a share of its estimate."""
RESAMPLES = 2000
"""Bootstrap resamples of the replications."""
LEVEL = 0.95
"""Intervals: 95% percentile bootstrap; tiers: an order held in at least 95% of the resamples."""
CHUNK = 10
"""Replications of one variant computed together in a worker."""
KIND_COLUMNS = [f"{kind}_100m_yuan" for kind in COST_KINDS]
"""Runs table: each kind of cost summed over the cost window, 100m yuan."""


@dataclass(frozen=True)
class LeverRange:
    """A lever's plausible range (the experiment's) and its value in the scenario (the base year's)."""

    name: str
    low: float
    high: float
    base: float

    def value(self, end: str) -> float:
        """The value at ``end`` (``low`` or ``high``)."""
        return self.low if end == "low" else self.high


# --- the runs --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def ranking_scenario() -> Scenario:
    """The experiment's scenario with parameter uncertainty and the S&T budget reporting but not cutting."""
    scenario = load_experiment(EXPERIMENT).scenario
    return scenario.with_changes({"budget.shortfall": "none", "budget.priority": []}, name=scenario.name,
                                 parameter_uncertainty=True)


def lever_ranges() -> list[LeverRange]:
    """The 15 levers with the experiment's uniform ranges and their base-year values in the scenario."""
    experiment, scenario = load_experiment(EXPERIMENT), ranking_scenario()
    start = int(np.searchsorted(scenario.years, scenario.policy_start_year))
    ranges = []
    for factor in experiment.factors:
        if factor.kind != "levers" or factor.distribution != "uniform":
            raise SystemExit(f"{EXPERIMENT}: factor {factor.name} is not a lever with a uniform range")
        ranges.append(LeverRange(factor.key, float(factor.params["low"]), float(factor.params["high"]),
                                 float(scenario.lever_path(factor.key)[start])))
    return ranges


@functools.lru_cache(maxsize=64)
def variant_scenario(changes: tuple[tuple[str, float], ...]) -> Scenario:
    """The ranking scenario with some levers set (held from the policy start year on)."""
    scenario = ranking_scenario()
    return scenario.with_changes({f"levers.{name}": value for name, value in changes}) if changes else scenario


def variants(ranges: list[LeverRange]) -> dict[tuple[str, str], tuple[tuple[str, float], ...]]:
    """Each (lever, end) and the lever change it runs; an end at the base-year value runs the scenario
    itself (no change), so the variants that coincide are run once."""
    return {(r.name, end): (() if r.value(end) == r.base else ((r.name, r.value(end)),))
            for r in ranges for end in ("low", "high")}


def run_one(item: tuple[int, tuple[tuple[str, float], ...], int, int]) -> dict:
    """One replication of one variant (its number, its lever changes, the replication and the root seed):
    the target-year gap (pp), the social cost over the cost window (100m yuan) and the smallest share of
    the requested outlay increase the budget's headroom covers."""
    variant, changes, replication, seed = item
    scenario = variant_scenario(changes)
    run = run_seed(seed, 0, replication)
    table = simulate(resolve(scenario, run_assumptions(scenario, run)), run)
    window = cost_window(scenario)
    costs = window_costs(table, window)
    inside = table[table["year"].between(window.first, window.last)]
    gap = float(table.loc[table["year"] == scenario.target.year, "rd_intensity_gap"].iloc[0])
    return {"variant": variant, "replication": replication, GAP_COLUMN: gap,
            COST_COLUMN: float(costs["social"].iloc[0]),
            **{f"{kind}_100m_yuan": float(costs[kind].iloc[0]) for kind in COST_KINDS},
            "funded_share": funded_share(inside["budget_headroom"], inside["budget_requested"])}


def run_block(executor, keys: list[tuple[tuple[str, float], ...]], first: int, count: int,
              seed: int) -> pd.DataFrame:
    """Replications ``first`` to ``first + count - 1`` of every distinct variant."""
    items = [(k, changes, r, seed) for k, changes in enumerate(keys) for r in range(first, first + count)]
    return pd.DataFrame(map_in_order(executor, run_one, items, CHUNK))


def runs_table(results: pd.DataFrame, plan: dict, keys: list) -> pd.DataFrame:
    """One row per lever, end and replication (the shared base-year runs repeated for each lever)."""
    by_variant = dict(tuple(results.groupby("variant", sort=False)))
    parts = []
    for (lever, end), changes in plan.items():
        rows = by_variant[keys.index(changes)][["replication", GAP_COLUMN, COST_COLUMN, *KIND_COLUMNS,
                                                "funded_share"]].copy()
        rows.insert(0, "end", end)
        rows.insert(0, "lever", lever)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)


# --- the figures -------------------------------------------------------------------------------------


def budget_column(runs: pd.DataFrame, ranges: list[LeverRange]) -> pd.Series:
    """Per outlay lever, the share of its range the default budget would fund alone (median over
    replications of the tightest year of the window); NaN for levers the S&T budget does not limit."""
    out = {}
    for r in ranges:
        if r.name not in OUTLAY_LEVERS:
            out[r.name] = math.nan
            continue
        share = float(runs[(runs["lever"] == r.name) & (runs["end"] == "high")]["funded_share"].median())
        out[r.name] = range_funded(share, r.low, r.base, r.high)
    return pd.Series(out, name="range_funded")


def base_runs(runs: pd.DataFrame, ranges: list[LeverRange]) -> pd.DataFrame:
    """The runs of the scenario itself (every lever at its base-year value)."""
    at_base = next(r for r in ranges if r.low == r.base)
    return runs[(runs["lever"] == at_base.name) & (runs["end"] == "low")]


def base_gap(runs: pd.DataFrame, ranges: list[LeverRange]) -> float:
    """Median target-year gap of the scenario itself, pp."""
    return float(base_runs(runs, ranges)[GAP_COLUMN].median())


def noise_text(runs: pd.DataFrame, ranges: list[LeverRange]) -> str:
    """Why paired changes settle where single runs do not: the spread of the gap over replications
    against the spread of the paired changes (pp)."""
    level = float(base_runs(runs, ranges)[GAP_COLUMN].std())
    spread = paired_changes(runs).groupby("lever")["gap_change_pp"].std()
    return (f"The 2030 gap itself varies over the replications with a standard deviation of {level:.2f} pp (posterior "
            f"draw, coal price, national path); a lever's paired change varies with {spread.min():.3f} to "
            f"{spread.max():.3f} pp, since both ends share every draw. A paired change carries almost none of the "
            "run-to-run noise that made up most of the run variance in the variance-based experiments "
            "(docs/sobol-gap-2030.md), which is why these rankings settle with "
            f"{runs['replication'].nunique()} replications.")


# --- the document ------------------------------------------------------------------------------------


def number(value: float, digits: int = 3, sign: bool = True) -> str:
    """A figure for the table: fixed decimals, a dash for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def span(value: float, low: float, high: float, digits: int) -> str:
    """``value (low to high)``."""
    if math.isnan(value):
        return "-"
    return f"{number(value, digits)} ({number(low, digits)} to {number(high, digits)})"


def cost_kind(name: str) -> str:
    """The lever's kinds of cost, as the catalogue declares them."""
    return ", ".join(kind.replace("_", " ") for kind in LEVERS[name].cost_kinds) or "none"


def tier_text(value) -> str:
    """A tier number, a dash when the lever is not ranked."""
    return "-" if pd.isna(value) else str(int(value))


def range_text(r: LeverRange) -> str:
    """The range with its unit and the base-year value."""
    unit = LEVERS[r.name].unit
    return f"{r.low:g} -> {r.high:g} {unit} (now {r.base:g})"


def table_markdown(table: pd.DataFrame, ranges: list[LeverRange], funded: pd.Series) -> str:
    """The per-lever table, in the order of the gap ranking."""
    by_name = {r.name: r for r in ranges}
    lines = ["| gap rank (tier) | lever | range low -> high | change of the 2030 gap, pp (95%) "
             "| change of social cost 2021-2030, 100m yuan (95%) | gain per 10bn yuan, pp (95%) "
             "| gain rank (tier) | default budget funds |",
             "|---|---|---|---|---|---|---|---|"]
    for row in table.itertuples(index=False):
        gain = (span(row.gain_per_10bn_pp, row.gain_low, row.gain_high, 3) if row.cost_distinct
                else "cost not distinct from 0")
        gain_rank = "-" if pd.isna(row.gain_rank) else f"{int(row.gain_rank)} ({tier_text(row.gain_tier)})"
        share = funded[row.lever]
        budget = "not limited" if math.isnan(share) else f"{share:.0%} of the range"
        lines.append(
            f"| {int(row.gap_rank)} ({tier_text(row.gap_tier)}) | `{row.lever}` | {range_text(by_name[row.lever])} "
            f"| {span(row.gap_change_pp, row.gap_low, row.gap_high, 3)} "
            f"| {span(row.cost_change_100m_yuan, row.cost_low, row.cost_high, 1)} | {gain} | {gain_rank} "
            f"| {budget} |")
    return "\n".join(lines)


def kinds_markdown(table: pd.DataFrame, kinds: pd.DataFrame) -> str:
    """What each lever's cost change is made of: its own kinds of cost (the catalogue's) and the mean
    change of each kind over the window, in the order of the gain ranking."""
    rows = table.sort_values(["gain_rank", "gap_rank"], na_position="last")
    lines = ["| lever | its own kinds of cost | outlay | revenue forgone | compliance | social |",
             "|---|---|---:|---:|---:|---:|"]
    for row in rows.itertuples(index=False):
        k = kinds.loc[row.lever]
        lines.append(f"| `{row.lever}` | {cost_kind(row.lever)} | {number(k['outlay_100m_yuan'], 1)} "
                     f"| {number(k['revenue_forgone_100m_yuan'], 1)} | {number(k['compliance_100m_yuan'], 1)} "
                     f"| {number(row.cost_change_100m_yuan, 1)} |")
    return "\n".join(lines)


def tiers_markdown(table: pd.DataFrame, ranking: str) -> str:
    """The tiers of a ranking in words: 1. a, b; 2. c; ..."""
    rows = table.dropna(subset=[f"{ranking}_rank"]).sort_values(f"{ranking}_rank")
    groups = rows.groupby(f"{ranking}_tier", sort=True)["lever"].apply(list)
    return "\n".join(f"{int(t)}. " + ", ".join(f"`{name}`" for name in names) for t, names in groups.items())


def history_markdown(history: list[dict]) -> str:
    """Each convergence check, one line per block."""
    lines = ["| R | R/2 | gap ranking: top tiers stable | widest (share of estimate) | gain ranking: top tiers stable "
             "| widest (share of estimate) | converged |", "|---:|---:|---|---:|---|---:|---|"]
    for v in history:
        lines.append(f"| {v['replications']} | {v['half']} | {'yes' if v['gap']['stable'] else 'no'} "
                     f"| {v['gap']['widest']:.0%} | {'yes' if v['gain']['stable'] else 'no'} "
                     f"| {v['gain']['widest']:.0%} | {'yes' if v['converged'] else 'no'} |")
    return "\n".join(lines)


def minutes_text(seconds: float) -> str:
    """``12 min 5 s``."""
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def document(table: pd.DataFrame, ranges: list[LeverRange], funded: pd.Series, kinds: pd.DataFrame,
             verdict: dict, history: list[dict], context: dict) -> str:
    """The whole of docs/lever-ranking.md."""
    scenario = ranking_scenario()
    window = cost_window(scenario)
    judged = "CONVERGED" if verdict["converged"] else "NOT CONVERGED"
    undistinct = table.loc[~table["cost_distinct"], "lever"]
    undistinct_text = ", ".join(f"`{name}`" for name in undistinct) or "none"
    return f"""# Which levers matter: ranked by their effect on the 2030 gap and by effect per yuan

Which of the 15 main levers move the region's R&D-intensity gap to the national average in
{scenario.target.year} most over their plausible ranges, and which do most per yuan of social cost.
Written by `benchmarks/lever_ranking.py`; the statistics are `ecosim/analysis/ranking.py`
(tested in `tests/test_lever_ranking.py`), the chart `ecosim/charts/ranking.py`.

Command: `{context['command']}`; wall time of the runs and checks {minutes_text(context['seconds'])} on
{context['workers']} worker process(es) of this 2-core machine, shared with other work.

## How it is computed

* Scenario: `{scenario.name}` (the policy in force in the base year {scenario.base_year}, held; target the
  national average by {scenario.target.year}), parameter uncertainty on (each replication a posterior draw,
  its own coal price and national path, as forecasts have it).
* Levers and ranges: the 15 levers of `experiments/sobol-gap-2030.toml`, each from the low to the high end
  of its range there ("plausible ranges": each file line says where it comes from); every other lever at
  its base-year value. A lever whose end equals its base-year value shares the scenario's own runs.
* Paired runs: the low and the high end run with the same seeds (`run_seed({context['seed']}, 0, r)`), so a
  replication's change is the lever's doing, not a different draw. Per replication: change of the gap in
  {scenario.target.year} (column `rd_intensity_gap`, pp, high end minus low end) and of the social cost summed
  over {window.label} (outlay + revenue forgone + compliance, 100m yuan, `ecosim.analysis.costs.window_costs`).
  A positive gap change brings the region's intensity closer to the national average (the gap is region
  minus nation, negative today). For the levers whose high end is the less generous policy (the HTE income-tax rate 15% against 10%, the
  software VAT threshold 3% against a full refund) both changes come out negative; the gain per yuan, a
  ratio, does not depend on the direction.
* S&T budget: `shortfall = "none"`, so each lever acts at its written value and the ranking is of the
  levers' own efficiency. The last column says how much of each outlay lever's range the default budget
  (`shortfall = "scale"`, {context['budget_share']}) would fund if the lever were raised alone: the share of the
  increase above its base-year value the budget's headroom covers in the tightest year of the window
  (median over replications), turned into a share of the range. Tax levers and mandates are not limited.
* Statistics: mean change over replications, 95% percentile bootstrap intervals ({RESAMPLES} resamples of
  the replications, the same resample for every lever, since the levers share their seeds). Gain per cost
  = mean gap change / mean cost change, in pp per 10bn yuan (a ratio of means, with its bootstrap
  interval). A lever whose cost-change interval contains 0 is reported as "cost not distinct from 0" and
  not ranked by gain: {undistinct_text}.
* Rankings: by the size of the gap change (either sign), and by gain per 10bn yuan (higher first). Each is
  reported as ordered tiers: a tier ends between two neighbours only when every lever above the boundary
  beats every lever below it in at least 95% of the bootstrap resamples, so two levers are in different
  tiers only when their order holds in 95% of resamples. Within a tier the order is the point estimates'
  and is not established.
* Convergence: replications are added in blocks of {context['block']} (at most {context['max_replications']}); after
  each block from R = {2 * context['block']} on, the rankings on all R replications are compared with those on
  the first R/2. Converged when, in both rankings, each of the top {TOP} levers has the same tier at R/2
  as at R (so no lever enters the top from another tier and no order among the top appears only with
  the second half of the runs), and each of their 95% intervals has a half-width of at most
  {MAX_RELATIVE_HALF_WIDTH:.0%} of the estimate. The run stops at the first block that passes (or when the
  replication or time budget is spent); the table below lists every check.

## Convergence: {judged} at R = {verdict['replications']}

{verdict['reason'][0].upper() + verdict['reason'][1:]}. {context['noise']}

{history_markdown(history)}

## The ranking

Median gap in {scenario.target.year} with every lever at its base-year value: {context['base_gap']:+.2f} pp.

{table_markdown(table, ranges, funded)}

Tiers by the change of the {scenario.target.year} gap over the range:

{tiers_markdown(table, 'gap')}

Tiers by gain per 10bn yuan of social cost:

{tiers_markdown(table, 'gain')}

What the change of social cost is made of (mean over replications, 2021-2030, 100m yuan; in the order
of the gain ranking). A lever raises costs beyond its own: extra R&D draws more super-deduction and more
of every programme paid per yuan of R&D.

{kinds_markdown(table, kinds)}

![Gain per 10bn yuan and change of the 2030 gap over each lever's range](lever-ranking/lever-ranking.png)

Chinese: `docs/lever-ranking/lever-ranking-zh.png`.

## Reading

{context['reading']}

## Against the Sobol ranking

`docs/sobol-gap-2030.md` ranks the same levers over the same ranges by their share of the variance of the
2030 gap, with every lever varied at once. It puts the guidance fund's capital first and its leverage
fourth, the manufacturing super-deduction third. The two answer different questions: this ranking moves one
lever from its low to its high end with the others at their base-year values (the fund's leverage at 2 while
its capital moves, its capital at 5 while its leverage moves), the Sobol indices average each lever's effect
over all the others' values (capital about 10 and leverage about 3 on average) and square it. The fund
invests its capital times (1 + leverage) (`ecosim/model/funds.py`), so each of its two levers weighs more
where the other is larger. The Sobol indices of the top levers are also NOT
CONVERGED by their own rule. For the question a planner asks of today's policy, which lever to move and
what it buys per yuan, this table is the one to read.
"""


def ordinal(rank) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``; ``unranked`` for a missing rank."""
    if pd.isna(rank):
        return "unranked"
    n = int(rank)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def reading(table: pd.DataFrame, funded: pd.Series, base: float) -> str:
    """The plain-words reading of the table, from its figures."""
    gap_rows = table.sort_values("gap_rank")
    top_gap = gap_rows[gap_rows["gap_tier"] == 1]
    gain_rows = table.dropna(subset=["gain_rank"]).sort_values("gain_rank")
    top_gain = gain_rows[gain_rows["gain_tier"] == 1]
    names = lambda rows: ", ".join(f"`{n}`" for n in rows["lever"])
    total = float(gap_rows["gap_change_pp"].abs().sum())
    small = gap_rows[gap_rows["gap_change_pp"].abs() < 0.01]
    leaders = lambda rows, column, unit: "; ".join(
        f"`{r.lever}` {getattr(r, column):+.3f}{unit} (tier {int(getattr(r, column.split('_')[0] + '_tier'))})"
        for r in rows.head(TOP).itertuples())
    parts = [
        f"* Over its whole range, {names(top_gap)} move{'s' if len(top_gap) == 1 else ''} the 2030 gap most. "
        f"The first {TOP}: {leaders(gap_rows, 'gap_change_pp', ' pp')}. Against a gap of {base:+.2f} pp with the "
        "base-year policy, "
        + (f"even the fifteen changes added up ({total:.2f} pp, more than the levers can add from today's values, "
           "since several ranges start below them) would not close it." if total < abs(base) else
           f"the fifteen changes added up come to {total:.2f} pp (more than the levers can add from today's values, "
           "since several ranges start below them)."),
        f"* Per yuan of social cost the order is another: the first {TOP} are "
        f"{leaders(gain_rows, 'gain_per_10bn_pp', ' pp per 10bn yuan')}. The lever that moves the gap most, "
        f"`{gap_rows.iloc[0].lever}`, is {ordinal(gap_rows.iloc[0].gain_rank)} per yuan; the first per yuan, "
        f"`{gain_rows.iloc[0].lever}`, is {ordinal(gain_rows.iloc[0].gap_rank)} by its change of the gap.",
    ]
    free = [r.lever for r in top_gain.itertuples() if not LEVERS[r.lever].cost_kinds]
    if free:
        parts.append(f"* {', '.join(f'`{n}`' for n in free)} cost{'s' if len(free) == 1 else ''} the government "
                     "nothing of its own: its social cost is what its effects draw from the other levers in force "
                     "(tax expenditure, outlays paid per yuan of R&D, the mandates' compliance). The co-investors' "
                     "own money is not a cost in these accounts, so its gain per yuan is an upper bound.")
    losing = gain_rows[gain_rows["gain_high"] < 0]
    if len(losing):
        parts.append(f"* Negative gain per yuan: {names(losing)}: the costlier end leaves the "
                     "2030 gap wider.")
    if len(small):
        parts.append(f"* Levers that move the 2030 gap by less than 0.01 pp over their whole range: {names(small)}.")
    limited = funded.dropna()
    cut = limited[limited < 0.995]
    if len(cut):
        parts.append("* The default budget would not fund the whole range of "
                     + ", ".join(f"`{n}` ({s:.0%})" for n, s in cut.items())
                     + "; their figures above are for the range as written.")
    return "\n".join(parts)


def summary(table: pd.DataFrame, funded: pd.Series, kinds: pd.DataFrame, verdict: dict, seconds: float,
            base: float) -> dict:
    """The JSON line."""
    levers = {}
    for row in table.itertuples(index=False):
        rounded = lambda v, d=4: None if (v is None or (isinstance(v, float) and math.isnan(v))) else round(float(v), d)
        levers[row.lever] = {
            "gap_change_pp": rounded(row.gap_change_pp), "gap_interval": [rounded(row.gap_low), rounded(row.gap_high)],
            "cost_change_100m_yuan": rounded(row.cost_change_100m_yuan, 2),
            "cost_interval": [rounded(row.cost_low, 2), rounded(row.cost_high, 2)],
            "cost_distinct": bool(row.cost_distinct),
            "gain_per_10bn_pp": rounded(row.gain_per_10bn_pp),
            "gain_interval": [rounded(row.gain_low), rounded(row.gain_high)],
            "gap_rank": int(row.gap_rank), "gap_tier": int(row.gap_tier),
            "gain_rank": None if pd.isna(row.gain_rank) else int(row.gain_rank),
            "gain_tier": None if pd.isna(row.gain_tier) else int(row.gain_tier),
            "range_funded": rounded(funded[row.lever], 3),
            "cost_by_kind_100m_yuan": {column.removesuffix("_100m_yuan"): rounded(kinds.loc[row.lever, column], 2)
                                       for column in KIND_COLUMNS},
        }
    return {"replications": int(verdict["replications"]), "converged": bool(verdict["converged"]),
            "reason": verdict["reason"], "seconds": round(seconds, 1), "base_gap_pp": round(base, 4),
            "gap_top": verdict["gap"]["top"], "gain_top": verdict["gain"]["top"], "levers": levers}


# --- the run -----------------------------------------------------------------------------------------


def converge(ranges: list[LeverRange], block: int, max_replications: int, minutes: float, workers: int,
             seed: int) -> tuple[pd.DataFrame, float]:
    """Add blocks of replications until the rankings converge (checked after each block from two blocks
    on) or the replication or time budget is spent; the runs table and the seconds taken."""
    plan = variants(ranges)
    keys = list(dict.fromkeys(plan.values()))
    started, results = time.perf_counter(), []
    with make_executor(workers) as executor:
        done = 0
        while done < max_replications:
            count = min(block, max_replications - done)
            block_start = time.perf_counter()
            results.append(run_block(executor, keys, done, count, seed))
            done += count
            block_seconds = time.perf_counter() - block_start
            runs = runs_table(pd.concat(results, ignore_index=True), plan, keys)
            verdict = check(runs, seed) if done >= 2 * block else None
            elapsed = time.perf_counter() - started
            state = "-" if verdict is None else (
                "converged" if verdict["converged"] else "not converged: " + verdict["reason"])
            print(f"R = {done}: {len(keys)} variants, block {block_seconds:.0f} s, {elapsed / 60:.1f} min; {state}",
                  file=sys.stderr, flush=True)
            if verdict and verdict["converged"]:
                break
            if elapsed + block_seconds > 60 * minutes:
                print(f"stopping: another block would pass the {minutes:g} min budget", file=sys.stderr, flush=True)
                break
    return runs, time.perf_counter() - started


def check(runs: pd.DataFrame, seed: int) -> dict:
    """The convergence verdict on the runs (R/2 against R)."""
    return convergence(paired_changes(runs), TOP, MAX_RELATIVE_HALF_WIDTH, RESAMPLES, seed, LEVEL, LEVEL)


def checks(runs: pd.DataFrame, block: int, seed: int) -> list[dict]:
    """The verdict after each block, as the run judged it (each uses only the replications it had)."""
    total = int(runs["replication"].nunique())
    sizes = sorted({*range(2 * block, total + 1, block), total})
    return [check(runs[runs["replication"] < size], seed) for size in sizes if size >= 2]


def write_outputs(runs: pd.DataFrame, meta: dict, out: Path) -> dict:
    """The document and the chart from the runs; the JSON summary."""
    ranges = lever_ranges()
    seed, block = meta["seed"], meta["block"]
    history = checks(runs, block, seed)
    verdict = history[-1]
    table = ranked(paired_changes(runs), RESAMPLES, seed, LEVEL, LEVEL)
    funded, base = budget_column(runs, ranges), base_gap(runs, ranges)
    kinds = mean_changes(runs, KIND_COLUMNS)
    scenario = ranking_scenario()
    share = scenario.budget.share_of_gdp
    context = {**meta, "base_gap": base,
               "budget_share": ("the last recorded year's share of GDP" if share is None else f"{share:g}% of GDP"),
               "reading": reading(table, funded, base), "noise": noise_text(runs, ranges)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document(table, ranges, funded, kinds, verdict, history, context), encoding="utf-8")
    from ecosim.charts.ranking import write_chart

    footer = {"scenario": scenario.name, "seed": seed, "replications": int(verdict["replications"]),
              "region": scenario.region}
    charts = write_chart(table, out.parent / "lever-ranking", footer, scenario.target.year,
                         cost_window(scenario).label, bool(verdict["converged"]))
    print(f"wrote {out} and {', '.join(str(p) for p in charts)}", flush=True)
    return summary(table, funded, kinds, verdict, meta["seconds"], base)


def main() -> None:
    """Run the ranking (or read saved runs), write the document and the chart, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--block", type=int, default=50, help="replications added between convergence checks")
    parser.add_argument("--max-replications", type=int, default=400)
    parser.add_argument("--minutes", type=float, default=25.0, help="no new block once it would pass this wall time")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20210511)
    parser.add_argument("--out", type=Path, default=DOC)
    parser.add_argument("--save-runs", type=Path, help="also write the per-run figures (CSV, with a .json of the "
                                                        "run's settings beside it)")
    parser.add_argument("--from-runs", type=Path, help="write the document and chart from runs saved with "
                                                        "--save-runs, without running the model")
    args = parser.parse_args()
    if args.from_runs:
        runs = pd.read_csv(args.from_runs)
        meta = json.loads(args.from_runs.with_suffix(".json").read_text(encoding="utf-8"))
    else:
        runs, seconds = converge(lever_ranges(), args.block, args.max_replications, args.minutes, args.workers,
                                 args.seed)
        command = (f"python benchmarks/lever_ranking.py --block {args.block} --max-replications "
                   f"{args.max_replications} --minutes {args.minutes:g} --workers {args.workers} --seed {args.seed}"
                   + ("" if args.out == DOC else f" --out {args.out}"))
        meta = {"command": command, "seconds": seconds, "workers": args.workers, "seed": args.seed,
                "block": args.block, "max_replications": args.max_replications}
        if args.save_runs:
            args.save_runs.parent.mkdir(parents=True, exist_ok=True)
            runs.to_csv(args.save_runs, index=False)
            args.save_runs.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(write_outputs(runs, meta, args.out)))


if __name__ == "__main__":
    main()
