"""Ranking levers by paired runs at the two ends of their ranges: statistics only (tables in, tables out).

Each lever is run at the low and at the high end of its plausible range, every other lever at the
scenario's value, with common random numbers (replication r of every variant has the same seed, so the
same posterior draw, coal price and national path). Per replication the paired change is high minus
low: of the target-year gap to the national average (percentage points) and of the social cost summed
over the cost window (100m yuan). From those changes this module gives, per lever,

* the mean change of the gap and of the cost, each with a bootstrap interval over replications;
* the gain per cost, the ratio of the two means expressed per 10bn yuan (pp per 10bn yuan), with a
  bootstrap interval; undefined (NaN) where the cost change is not distinguishable from zero (its
  interval contains 0), so that a lever that costs nothing is reported as such rather than ranked by
  a huge ratio;
* ordered tiers of a ranking: two levers are in different tiers only when the bootstrap puts them in
  that order in at least ``confidence`` of its resamples, and this holds for every pair across the
  boundary;
* a convergence verdict comparing the rankings of the first half of the replications with all of them.

The bootstrap resamples replications, the same resample for every lever: the levers' changes share
their seeds, so they are correlated, and comparing two levers needs the joint resample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

YUAN_100M_PER_10BN = 100.0
"""100m yuan in 10bn yuan: costs are summed in 100m yuan, gains are reported per 10bn yuan."""
GAP_COLUMN = "gap_pp"
"""Runs table: the target-year gap of the region's R&D intensity to the national average, pp."""
COST_COLUMN = "social_cost_100m_yuan"
"""Runs table: the social cost summed over the cost window, 100m yuan."""
ENDS = ("low", "high")
"""The two ends of a lever's range; a change is high minus low."""
NEGLIGIBLE_COST = 1e-6
"""A cost change (100m yuan) this close to zero is none (rounding in sums of yearly costs)."""
RANKINGS = ("gap", "gain")
"""The two rankings: by the size of the gap change over the range, and by the gain per 10bn yuan."""


def paired_changes(runs: pd.DataFrame) -> pd.DataFrame:
    """Per lever and replication, the change from the low to the high end of the range.

    ``runs`` has one row per lever, end (``low`` or ``high``) and replication, with the columns
    :data:`GAP_COLUMN` (pp) and :data:`COST_COLUMN` (100m yuan). Returns ``lever``, ``replication``,
    ``gap_change_pp`` and ``cost_change_100m_yuan`` (high minus low), sorted by lever order of first
    appearance and replication. Every replication must have both ends of every lever.
    """
    wide = runs.pivot_table(index=["lever", "replication"], columns="end",
                            values=[GAP_COLUMN, COST_COLUMN], aggfunc="first")
    missing = wide.isna().any(axis=1)
    if set(ENDS) - set(runs["end"]) or missing.any():
        first = wide.index[missing][0] if missing.any() else ("every lever", "every replication")
        raise ValueError(f"paired runs incomplete: lever {first[0]} replication {first[1]} lacks an end "
                         f"of its range (both {ENDS} are needed)")
    changes = pd.DataFrame({
        "gap_change_pp": wide[(GAP_COLUMN, "high")] - wide[(GAP_COLUMN, "low")],
        "cost_change_100m_yuan": wide[(COST_COLUMN, "high")] - wide[(COST_COLUMN, "low")],
    }).reset_index()
    order = {name: i for i, name in enumerate(dict.fromkeys(runs["lever"]))}
    changes["_order"] = changes["lever"].map(order)
    return changes.sort_values(["_order", "replication"]).drop(columns="_order").reset_index(drop=True)


def mean_changes(runs: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per lever, the mean over replications of the paired change (high minus low) of each of ``columns``
    (one row per lever, in order of first appearance; the units are the columns')."""
    wide = runs.pivot_table(index=["lever", "replication"], columns="end", values=columns, aggfunc="first")
    means = pd.DataFrame({column: (wide[(column, "high")] - wide[(column, "low")]).groupby(level="lever").mean()
                          for column in columns})
    return means.reindex(list(dict.fromkeys(runs["lever"])))


def resample_weights(replications: int, resamples: int, seed: int) -> np.ndarray:
    """Bootstrap weights: row b counts how often each replication is drawn in resample b (each row sums
    to ``replications``). One array for every lever, so the levers' resamples stay paired."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(replications, np.full(replications, 1.0 / replications), size=resamples).astype(float)


def _matrix(changes: pd.DataFrame, column: str) -> pd.DataFrame:
    """Replications (rows) by levers (columns) of one change column."""
    levers = list(dict.fromkeys(changes["lever"]))
    return changes.pivot(index="replication", columns="lever", values=column)[levers]


def gain_per_10bn(gap_change_pp, cost_change_100m_yuan):
    """Gap change per 10bn yuan of cost change (pp per 10bn yuan): the ratio of the two, the cost
    converted from 100m yuan; NaN where the cost change is zero."""
    gap = np.asarray(gap_change_pp, dtype=float)
    cost = np.asarray(cost_change_100m_yuan, dtype=float) / YUAN_100M_PER_10BN
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cost != 0, gap / np.where(cost != 0, cost, 1.0), np.nan)


@dataclass(frozen=True)
class Bootstrap:
    """Resampled means of the paired changes: one row per resample, one column per lever."""

    gap: pd.DataFrame
    """Mean gap change, pp."""
    cost: pd.DataFrame
    """Mean cost change, 100m yuan."""

    @property
    def gain(self) -> pd.DataFrame:
        """Ratio of the resampled means, pp per 10bn yuan."""
        return pd.DataFrame(gain_per_10bn(self.gap, self.cost), index=self.gap.index, columns=self.gap.columns)


def bootstrap(changes: pd.DataFrame, resamples: int = 2000, seed: int = 0) -> Bootstrap:
    """Resample the replications ``resamples`` times (the same draws for every lever) and take each
    lever's mean gap and cost change in every resample."""
    gap, cost = _matrix(changes, "gap_change_pp"), _matrix(changes, "cost_change_100m_yuan")
    weights = resample_weights(len(gap), resamples, seed) / len(gap)
    frame = lambda matrix: pd.DataFrame(weights @ matrix.to_numpy(dtype=float), columns=matrix.columns)
    return Bootstrap(frame(gap), frame(cost))


def interval(draws: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """The percentile interval of each column of ``draws``: columns ``low`` and ``high`` (NaN draws,
    such as undefined ratios, are left out)."""
    tail = (1.0 - level) / 2.0
    return pd.DataFrame({"low": draws.quantile(tail), "high": draws.quantile(1.0 - tail)})


def lever_statistics(changes: pd.DataFrame, draws: Bootstrap, level: float = 0.95) -> pd.DataFrame:
    """One row per lever: ``replications``, mean ``gap_change_pp`` with ``gap_low``/``gap_high``, mean
    ``cost_change_100m_yuan`` with ``cost_low``/``cost_high``, ``cost_distinct`` (the cost interval
    leaves out 0, give or take :data:`NEGLIGIBLE_COST`), ``gain_per_10bn_pp`` (ratio of the means, pp per 10bn yuan; NaN when the cost is not
    distinct) with ``gain_low``/``gain_high``."""
    gap, cost = _matrix(changes, "gap_change_pp"), _matrix(changes, "cost_change_100m_yuan")
    table = pd.DataFrame({"replications": gap.count(), "gap_change_pp": gap.mean()})
    table[["gap_low", "gap_high"]] = interval(draws.gap, level).to_numpy()
    table["cost_change_100m_yuan"] = cost.mean()
    table[["cost_low", "cost_high"]] = interval(draws.cost, level).to_numpy()
    table["cost_distinct"] = (table["cost_low"] > NEGLIGIBLE_COST) | (table["cost_high"] < -NEGLIGIBLE_COST)
    table["gain_per_10bn_pp"] = gain_per_10bn(table["gap_change_pp"], table["cost_change_100m_yuan"])
    table[["gain_low", "gain_high"]] = interval(draws.gain, level).to_numpy()
    table.loc[~table["cost_distinct"], ["gain_per_10bn_pp", "gain_low", "gain_high"]] = math.nan
    table.index.name = "lever"
    return table.reset_index()


def tiers(estimates: pd.Series, draws: pd.DataFrame, confidence: float = 0.95) -> pd.Series:
    """Ordered tiers of a ranking (1 = the top), larger values ranked first.

    The items are sorted by ``estimates``; a tier ends between two neighbours only when every item above
    the boundary exceeds every item below it in at least ``confidence`` of the resamples (``draws``: one
    row per resample, one column per item). Two items are then in different tiers only when the
    bootstrap says their order holds in at least ``confidence`` of its resamples. Returns the tier of
    each item, in ranked order.
    """
    order = list(estimates.sort_values(ascending=False, kind="stable").index)
    values = draws[order].to_numpy(dtype=float)
    above = (values[:, :, None] > values[:, None, :]).mean(axis=0)  # share of resamples with i above j
    tier, assigned = 1, []
    for k in range(len(order)):
        if k and (above[:k, k:] >= confidence).all():
            tier += 1
        assigned.append(tier)
    return pd.Series(assigned, index=pd.Index(order, name=estimates.index.name), name="tier")


def ranking_values(statistics: pd.DataFrame, draws: Bootstrap, ranking: str) -> tuple[pd.Series, pd.DataFrame]:
    """What a ranking orders, as estimates (one per lever) and resampled values: ``gap``, the size of
    the mean gap change (either sign, pp); ``gain``, the gain per 10bn yuan (pp per 10bn yuan) of the
    levers whose cost change is distinct from zero (the others are not ranked)."""
    table = statistics.set_index("lever")
    if ranking == "gap":
        return table["gap_change_pp"].abs(), draws.gap[table.index].abs()
    if ranking == "gain":
        ranked = table.index[table["cost_distinct"]]
        return table.loc[ranked, "gain_per_10bn_pp"], draws.gain[ranked]
    raise ValueError(f"ranking must be one of {', '.join(RANKINGS)}, got {ranking!r}")


def ranked(changes: pd.DataFrame, resamples: int = 2000, seed: int = 0, level: float = 0.95,
           confidence: float = 0.95) -> pd.DataFrame:
    """:func:`lever_statistics` with both rankings: ``gap_rank`` and ``gap_tier`` (by the size of the
    gap change), ``gain_rank`` and ``gain_tier`` (by gain per 10bn yuan; missing for levers whose cost
    change is not distinct from zero), sorted by the gap ranking."""
    draws = bootstrap(changes, resamples, seed)
    table = lever_statistics(changes, draws, level).set_index("lever")
    for name in RANKINGS:
        estimates, values = ranking_values(table.reset_index(), draws, name)
        tier = tiers(estimates, values, confidence)
        table[f"{name}_rank"] = pd.Series(range(1, len(tier) + 1), index=tier.index).astype("Int64")
        table[f"{name}_tier"] = tier.astype("Int64")
    return table.sort_values("gap_rank").reset_index()


def top_levers(table: pd.DataFrame, ranking: str, top: int) -> list[str]:
    """The first ``top`` levers of a ranking of :func:`ranked` (fewer when fewer are ranked)."""
    rows = table.dropna(subset=[f"{ranking}_rank"]).sort_values(f"{ranking}_rank")
    return list(rows["lever"].head(top))


def relative_half_width(table: pd.DataFrame, ranking: str) -> pd.Series:
    """Half the width of each lever's interval over the size of its estimate (per lever; NaN for levers
    the ranking leaves out)."""
    column, low, high = {"gap": ("gap_change_pp", "gap_low", "gap_high"),
                         "gain": ("gain_per_10bn_pp", "gain_low", "gain_high")}[ranking]
    rows = table.set_index("lever")
    with np.errstate(divide="ignore", invalid="ignore"):
        return (rows[high] - rows[low]) / 2.0 / rows[column].abs()


def convergence(changes: pd.DataFrame, top: int = 5, max_relative_half_width: float = 0.1,
                resamples: int = 2000, seed: int = 0, level: float = 0.95, confidence: float = 0.95) -> dict:
    """Whether the rankings have converged at R replications, judged against the first R/2.

    For each ranking, its top ``top`` levers at R must have the same tier at R/2 as at R (a lever entering
    the top from a lower tier, or a boundary among the top that only the full sample draws, changes a
    tier), and each of their intervals must have a half-width of at most ``max_relative_half_width``
    times the size of its estimate. Returns ``replications``, ``half``, per ranking ``top``,
    ``tiers``, ``tiers_half``, ``stable``, ``widest`` (the largest relative half-width among the top)
    and ``narrow``; ``converged`` and ``reason`` in words.
    """
    replications = sorted(changes["replication"].unique())
    half = replications[: len(replications) // 2]
    full_table = ranked(changes, resamples, seed, level, confidence)
    half_table = ranked(changes[changes["replication"].isin(half)], resamples, seed, level, confidence)
    verdict: dict = {"replications": len(replications), "half": len(half), "top": top,
                     "max_relative_half_width": max_relative_half_width}
    reasons = []
    for name in RANKINGS:
        leaders = top_levers(full_table, name, top)
        tier_full = full_table.set_index("lever")[f"{name}_tier"]
        tier_half = half_table.set_index("lever")[f"{name}_tier"]
        now = {lever: int(tier_full[lever]) for lever in leaders}
        before = {lever: (None if pd.isna(tier_half[lever]) else int(tier_half[lever])) for lever in leaders}
        widths = relative_half_width(full_table, name)[leaders]
        widest = float(widths.max()) if len(widths) else math.nan
        stable, narrow = now == before, bool(len(widths)) and bool((widths <= max_relative_half_width).all())
        verdict[name] = {"top": leaders, "tiers": now, "tiers_half": before, "stable": stable,
                         "widest": widest, "widest_lever": str(widths.idxmax()) if len(widths) else None,
                         "narrow": narrow}
        if not stable:
            moved = [lever for lever in leaders if now[lever] != before[lever]]
            reasons.append(f"{name} ranking: tiers of {', '.join(moved)} differ between R/2 and R")
        if not narrow:
            reasons.append(f"{name} ranking: widest interval of a top lever ({verdict[name]['widest_lever']}) "
                           f"has half-width {widest:.0%} of its estimate > {max_relative_half_width:.0%}")
    verdict["converged"] = not reasons
    verdict["reason"] = "; ".join(reasons) or (f"tiers of the top {top} levers of both rankings the same at R/2 "
                                               f"and R, every interval within {max_relative_half_width:.0%}")
    return verdict


def range_funded(share: float, low: float, base: float, high: float) -> float:
    """Share (0-1) of a lever's range [low, high] that a budget funding ``share`` of the increase from
    the base-year value ``base`` reaches: the funded top is base + share x (high - base). 1 when the high
    end is not above the base-year value (nothing to fund)."""
    if high <= base or high <= low:
        return 1.0
    top = base + min(max(share, 0.0), 1.0) * (high - base)
    return float((top - low) / (high - low))


def funded_share(headroom: np.ndarray, requested: np.ndarray) -> float:
    """The smallest share, over the years given, of a requested outlay increase that a budget with
    ``headroom`` funds (both 100m yuan a year): min over years of headroom / requested, at most 1 (1 in
    a year that requests nothing)."""
    headroom, requested = np.asarray(headroom, dtype=float), np.asarray(requested, dtype=float)
    asks = requested > 0
    if not asks.any():
        return 1.0
    return float(min(1.0, np.min(np.maximum(headroom[asks], 0.0) / requested[asks])))


__all__ = ["COST_COLUMN", "ENDS", "GAP_COLUMN", "RANKINGS", "Bootstrap", "bootstrap", "convergence",
           "NEGLIGIBLE_COST", "funded_share", "gain_per_10bn", "interval", "lever_statistics", "mean_changes", "paired_changes",
           "range_funded", "ranked", "ranking_values", "relative_half_width", "resample_weights", "tiers",
           "top_levers"]
