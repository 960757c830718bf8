"""The lever-response table: what a standard change of each lever does to enterprise R&D.

For each lever the baseline scenario is run twice with the same seeds (common random numbers):
as it is, and with the lever moved from its 2020 value to a standard new value from the policy
start year (2021) on. The table gives, per lever, the median over replications of the paired
change of enterprise R&D (``rd_by_enterprises``, 100m yuan) after 1 year (2021) and after 5
years (2025), the change of the lever's own government cost (the ``outlay_<lever>``, ``revenue_forgone_<lever>`` and ``compliance_<lever>`` columns), and where it
applies

* the implied user-cost elasticity, ``-d log(enterprise R&D) / d log(user cost)``, reported as a
  positive number when R&D rises as its user cost falls. The change of the log user cost is taken
  from the model's own firm arrays: the B-index of every base-year firm
  (:meth:`ecosim.model.enterprises.Enterprises.user_cost`) under the baseline's and the changed
  policy of the first policy year, with the certificate status firms have at that year's R&D
  decision, averaged with the firms' base-year R&D as weights;
* the additionality: extra enterprise R&D per yuan of extra cost of the lever, in the same year.

Each lever is checked against a range: published estimates (docs/evidence.md section 3) for the tax
levers (user-cost elasticity) and for rewards and grants (additionality), and stated plausibility
bounds on the response in percent for campaigns, mandates and the indirect levers, where the
evidence gives no figure. Runs use the baseline scenario without parameter uncertainty (the
default assumption values), base year 2020, horizon 2025.

This module holds the scenarios, the measures and the checks; the runs are
:mod:`ecosim.explore.lever_response`'s and :func:`ecosim.api.lever_response.lever_responses` makes
the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ecosim.data import Region, load_region
from ecosim.levers import LEVERS
from ecosim.scenario import Scenario, load_scenario

if TYPE_CHECKING:
    from ecosim.explore.lever_response import Runs

FIRST_YEAR_AFTER = 1
"""The short horizon: years after the policy start year minus one (2021 for a 2021 start)."""
LAST_YEAR_AFTER = 5
"""The long horizon: 2025 for a 2021 start; also the horizon of the runs."""
POPULATION = ("n_above_scale_firms", "n_tech_smes")
"""Assumptions that ``scale`` multiplies (each kept inside its catalogue range)."""
NEGLIGIBLE = 1e-9
"""Changes of log user cost or cost (100m yuan) below this are treated as none."""

STANDARD_CHANGES: dict[str, float] = {
    "rd_super_deduction_rate": 1.00,
    "rd_super_deduction_rate_manufacturing": 1.00,
    "hte_income_tax_rate": 0.10,
    "rd_reward_rate": 0.04,
    "open_competition_budget": 3.0,
    "innovation_full_coverage": 0.10,
    "soe_rd_floor": 0.005,
    "hte_cultivation_firms": 2100,
    "guidance_fund_capital": 10.0,
    "guidance_fund_leverage": 4.0,
    "tech_credit_loss_share": 0.4,
    "platforms": 60,
    "talent_recruits": 200,
    "pilot_scale_bases": 5,
    "transfer_demonstration_projects": 40,
    "tech_contract_reward_rate": 0.03,
    "smart_factories": 60,
    "software_vat_refund_threshold": 0.02,
}
"""Each lever's new value from the policy start year on; it moves from its 2020 value
(the region's record, :meth:`ecosim.data.Region.lever_value`). Tax rates and rewards move by about a third or more of
their 2020 value, counts and budgets by a step of the size the seed policy discusses."""


@dataclass(frozen=True)
class Check:
    """The range a lever's response is checked against, at the short and the long horizon."""

    kind: str
    """tax, money (rewards and grants), campaign (campaigns and mandates) or indirect."""
    measure: str
    """elasticity (minus d log R&D / d log user cost), additionality (yuan of enterprise R&D per
    yuan of cost) or response_pct (percent change of enterprise R&D)."""
    low_1y: float
    high_1y: float
    low_5y: float
    high_5y: float
    source: str
    published: bool
    """True for a published range, False for a plausibility bound set here."""
    label: str
    """The source in a few words, for tables."""


TAX = Check(
    "tax", "elasticity", 0.1, 0.5, 0.2, 1.3,
    "docs/evidence.md section 3: Bloom, Griffith & Van Reenen 2002 (about 0.1 short run, about 1.0 long run); "
    "Jia & Ma 2017 (0.40 short run, Chinese firms); Thomson 2017 (0.5 short run); Chen et al. 2021 "
    "(about 1.1 for real R&D); Gaillard-Ladinska, Non & Straathof 2015 (meta-analysis corrected for "
    "publication bias: 0.21 for the R&D flow). After 5 years the response approaches the long run, which "
    "the published estimates put between the meta-analysis's 0.21 and about 1.1; the measure is reported "
    "R&D, which firms bunched at the HTE notch hold at the threshold (Chen et al. 2021), so it sits below "
    "the real-R&D response.",
    True,
    "published: Bloom et al. 2002; Jia & Ma 2017; Thomson 2017; Chen et al. 2021; Gaillard-Ladinska et al. 2015",
)
MONEY = Check(
    "money", "additionality", 0.2, 1.0, 0.2, 1.0,
    "docs/evidence.md section 3: Boeing 2016 (a yuan of subsidy displaced 0.5 yuan of own R&D in the same year); "
    "Boeing & Peters 2021 (misuse by 42% of grantees halved the effect); Hu & Deng 2019 (crowding-in, "
    "hence up to 1.0).",
    True,
    "published: Boeing 2016; Boeing & Peters 2021; Hu & Deng 2019",
)
REWARD = Check(
    "money", "additionality", 0.1, 1.0, 0.2, 1.0,
    "docs/evidence.md section 3 (Boeing 2016; Boeing & Peters 2021; Hu & Deng 2019) for the 5-year range. In its "
    "first year a reward paid on all R&D works like a volume tax credit: its cost is the rate times all R&D "
    "while R&D moves by the short-run user-cost elasticity (about 0.1, Bloom et al. 2002, to 0.5) times the "
    "share of the reward that is marginal, so first-year additionality from 0.1 is consistent with the "
    "published short-run elasticities.",
    True,
    "published: Boeing 2016; Bloom et al. 2002 (first year)",
)
HTE_RATE = Check(
    "tax", "response_pct", -3.0, 3.0, -3.0, 3.0,
    "Two channels of opposite sign, so a small effect either way: a lower HTE rate makes certified firms' "
    "deductions worth less (their B-index rises: the user-cost channel lowers R&D), and it widens the notch "
    "between the HTE and the statutory rate, which pulls firms just below the threshold up to it (Chen et al. "
    "2021: reported R&D bunches at the notch, partly relabelled). The published user-cost elasticities do not "
    "apply to a change whose sign is ambiguous; the bound is a plausibility bound of a few percent.",
    False,
    "plausibility bound (offsetting channels: B-index and notch)",
)
CAMPAIGN = Check(
    "campaign", "response_pct", -0.5, 5.0, -0.5, 5.0,
    "Plausibility bound, not a published estimate (docs/evidence.md section 3 has none for campaigns or "
    "mandates): campaigns draw in or coach firms from the low tail at token R&D, so the standard change "
    "should add at most +5% of enterprise R&D, about two thirds of what the median province starting "
    "below 1.5% gained in five years from all causes together (+0.09 pp, docs/evidence.md section 1, about 8% "
    "of the built-in region's 1.20% in 2020); -0.5% allows for Monte Carlo noise of a lever that should not "
    "lower R&D.",
    False,
    "plausibility bound (campaigns and mandates: small)",
)
CULTIVATION = Check(
    "campaign", "response_pct", -3.0, 5.0, -3.0, 5.0,
    "Plausibility bound, not a published estimate: coaching lifts firms near the threshold to it (reported "
    "R&D rises, partly relabelled, Chen et al. 2021) and gets eligible firms certified; a certified firm pays "
    "the 15% rate, at which the super-deduction is worth less (its B-index rises by about a seventh), so "
    "more certificates can lower R&D a little. Small either way; at most +5% as for other campaigns.",
    False,
    "plausibility bound (campaign with an offsetting B-index channel)",
)
INDIRECT = Check(
    "indirect", "response_pct", -0.5, 3.0, -0.5, 3.0,
    "Plausibility bound, not a published estimate: the lever reaches firms' R&D only indirectly "
    "(institutions' knowledge and spill-overs, finance, technology prices or productivity) and its "
    "standard change costs a small share of enterprise R&D; no study in docs/evidence.md section 3 supports "
    "more than a few percent, and the median province starting below 1.5% gained +0.09 pp in five years "
    "from all causes together (section 1, about 8% of the built-in region's 1.20% in 2020), so one such "
    "lever should give at most +3%; -0.5% allows for Monte Carlo noise of a lever that should not lower R&D.",
    False,
    "plausibility bound (indirect levers: a few percent)",
)

MEASURE_COLUMNS = {
    "elasticity": ("elasticity_1y", "elasticity_5y"),
    "additionality": ("additionality_1y", "additionality_5y"),
    "response_pct": ("response_1y_pct", "response_5y_pct"),
}
"""The table's columns holding each measure at the short and the long horizon."""

CHECKS: dict[str, Check] = {
    "rd_super_deduction_rate": TAX,
    "rd_super_deduction_rate_manufacturing": TAX,
    "hte_income_tax_rate": HTE_RATE,
    "rd_reward_rate": REWARD,
    "open_competition_budget": MONEY,
    "innovation_full_coverage": CAMPAIGN,
    "soe_rd_floor": CAMPAIGN,
    "hte_cultivation_firms": CULTIVATION,
    **{name: INDIRECT for name in ("guidance_fund_capital", "guidance_fund_leverage", "tech_credit_loss_share",
                                   "platforms", "talent_recruits", "pilot_scale_bases",
                                   "transfer_demonstration_projects", "tech_contract_reward_rate",
                                   "smart_factories", "software_vat_refund_threshold")},
}


# --- the measures (pure functions of paired arrays over replications) -----------------------


def response_pct(rd_base: np.ndarray, rd_changed: np.ndarray) -> np.ndarray:
    """Paired percent change of R&D, changed against baseline, per replication."""
    return 100.0 * (np.asarray(rd_changed, dtype=float) / np.asarray(rd_base, dtype=float) - 1.0)


def rd_weighted_log_change(cost_before: np.ndarray, cost_after: np.ndarray, weights: np.ndarray) -> float:
    """Change of log user cost averaged over firms with R&D weights: sum w log(after/before) / sum w.

    ``cost_before`` and ``cost_after`` are B-indices (user cost per yuan of R&D, no unit) of the same
    firms; ``weights`` their R&D (any money unit). Firms with zero weight do not count.
    """
    weights = np.asarray(weights, dtype=float)
    used = weights > 0
    total = float(weights[used].sum())
    if total <= 0:
        return math.nan
    change = np.log(np.asarray(cost_after, dtype=float)[used] / np.asarray(cost_before, dtype=float)[used])
    return float((weights[used] * change).sum() / total)


def implied_elasticity(rd_base: np.ndarray, rd_changed: np.ndarray, log_cost_change: np.ndarray | float) -> np.ndarray:
    """User-cost elasticity per replication, as a positive number when R&D rises as cost falls:
    ``-log(rd_changed / rd_base) / log_cost_change``; NaN where the user cost did not change."""
    log_rd = np.log(np.asarray(rd_changed, dtype=float) / np.asarray(rd_base, dtype=float))
    change = np.broadcast_to(np.asarray(log_cost_change, dtype=float), log_rd.shape)
    out = np.full(log_rd.shape, np.nan)
    moved = np.abs(change) > NEGLIGIBLE
    out[moved] = -log_rd[moved] / change[moved]
    return out


def additionality(rd_base: np.ndarray, rd_changed: np.ndarray, cost_base: np.ndarray,
                  cost_changed: np.ndarray) -> np.ndarray:
    """Extra R&D per yuan of extra cost, per replication (both in the same unit, e.g. 100m yuan);
    NaN where the cost did not change."""
    extra_rd = np.asarray(rd_changed, dtype=float) - np.asarray(rd_base, dtype=float)
    extra_cost = np.asarray(cost_changed, dtype=float) - np.asarray(cost_base, dtype=float)
    out = np.full(extra_rd.shape, np.nan)
    paid = np.abs(extra_cost) > NEGLIGIBLE
    out[paid] = extra_rd[paid] / extra_cost[paid]
    return out


def median(values: np.ndarray) -> float:
    """Median ignoring NaN; NaN when every value is NaN."""
    values = np.asarray(values, dtype=float)
    return float(np.median(values[~np.isnan(values)])) if np.any(~np.isnan(values)) else math.nan


def inside(value: float, low: float, high: float) -> bool:
    """Whether ``value`` lies in [low, high] (False for NaN: the measure could not be computed)."""
    return bool(low <= value <= high)


# --- the scenarios and the table's rows ---------------------------------------------------------


def population(scale: float, region: Region | None = None) -> dict[str, int]:
    """Population assumptions at ``scale`` times their default, each kept inside its range: the region's
    (its bundle's [place] values and ranges where it gives them; default: the default region)."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    catalogue = (region or load_region()).catalogue()
    out = {}
    for name in POPULATION:
        a = catalogue[name]
        out[name] = int(min(max(round(scale * a.default), a.low), a.high))
    return out


def response_scenario(scale: float = 1.0, base: Scenario | None = None, firms_per_agent: int = 1) -> Scenario:
    """The baseline (or ``base``) to the long horizon, without parameter uncertainty, population scaled
    (``scale`` times the default counts; each firm agent standing for ``firms_per_agent`` firms)."""
    base = load_scenario("baseline") if base is None else base
    horizon = base.policy_start_year - 1 + LAST_YEAR_AFTER
    changes = {f"assumptions.{name}": value for name, value in population(scale, base.region).items()}
    return base.until(horizon).with_changes(changes, parameter_uncertainty=False, firms_per_agent=firms_per_agent)


def changed_scenario(scenario: Scenario, lever: str) -> Scenario:
    """The scenario with ``lever`` at its standard new value from the policy start year on."""
    return scenario.with_changes({f"levers.{lever}": STANDARD_CHANGES[lever]})


def unlimited(scenario: Scenario) -> Scenario:
    """The scenario with its S&T budget reported but not cutting: a lever's response is measured at
    its scheduled value, not at what a budget would fund of it."""
    return scenario.with_changes({"budget.shortfall": "none", "budget.priority": []}, name=scenario.name)


def log_cost_changes(runs: Runs) -> np.ndarray:
    """Per replication: the R&D-weighted change of log user cost of the base-year firms, the run's own
    first-year policy against the reference policy (:func:`rd_weighted_log_change`)."""
    return np.array([rd_weighted_log_change(before, after, weights) for before, after, weights in runs.user_costs])


def lever_row(lever: str, scenario: Scenario, base: Runs, changed: Runs) -> dict[str, object]:
    """One row of the table: the change, the paired medians and the check."""
    check = CHECKS[lever]
    start = scenario.policy_start_year
    short, long = start - 1 + FIRST_YEAR_AFTER, start - 1 + LAST_YEAR_AFTER
    col = {int(y): i for i, y in enumerate(base.years)}
    policy_years = [col[y] for y in range(start, long + 1)]
    i1, i5 = col[short], col[long]
    own_base, own_changed = base.costs[lever], changed.costs[lever]
    extra_cost = (own_changed - own_base)[:, policy_years].mean(axis=1)
    extra_total = (changed.government_cost - base.government_cost)[:, policy_years].mean(axis=1)
    log_cost_change = log_cost_changes(changed)
    row = {
        "lever": lever,
        "unit": LEVERS[lever].unit,
        "value_from": scenario.region.lever_value(lever, scenario.base_year),
        "value_to": STANDARD_CHANGES[lever],
        "kind": check.kind,
        "rd_base_5y": median(base.rd[:, i5]),
        "response_1y_pct": median(response_pct(base.rd[:, i1], changed.rd[:, i1])),
        "response_5y_pct": median(response_pct(base.rd[:, i5], changed.rd[:, i5])),
        "cost_per_year": median(extra_cost),
        "government_cost_per_year": median(extra_total),
        "log_user_cost_change": median(log_cost_change),
        "elasticity_1y": median(implied_elasticity(base.rd[:, i1], changed.rd[:, i1], log_cost_change)),
        "elasticity_5y": median(implied_elasticity(base.rd[:, i5], changed.rd[:, i5], log_cost_change)),
        "additionality_1y": median(additionality(base.rd[:, i1], changed.rd[:, i1], own_base[:, i1], own_changed[:, i1])),
        "additionality_5y": median(additionality(base.rd[:, i5], changed.rd[:, i5], own_base[:, i5], own_changed[:, i5])),
    }
    row["inert"] = bool(np.all(changed.rd == base.rd) and all(
        np.array_equal(changed.costs[name], base.costs[name]) for name in LEVERS))
    return {**row, **check_columns(row, check)}


def check_columns(row: dict[str, object], check: Check) -> dict[str, object]:
    """The checked measure, its ranges, whether each horizon is inside, and the source."""
    column_1y, column_5y = MEASURE_COLUMNS[check.measure]
    value_1y, value_5y = row[column_1y], row[column_5y]
    inside_1y = inside(value_1y, check.low_1y, check.high_1y)
    inside_5y = inside(value_5y, check.low_5y, check.high_5y)
    return {
        "measure": check.measure,
        "checked_1y": value_1y,
        "checked_5y": value_5y,
        "low_1y": check.low_1y, "high_1y": check.high_1y,
        "low_5y": check.low_5y, "high_5y": check.high_5y,
        "inside_1y": inside_1y,
        "inside_5y": inside_5y,
        "inside": inside_1y and inside_5y,
        "published": check.published,
        "label": check.label,
        "source": check.source,
    }


__all__ = ["CHECKS", "MEASURE_COLUMNS", "STANDARD_CHANGES", "Check", "additionality", "implied_elasticity", "lever_row",
           "log_cost_changes", "population", "response_pct", "rd_weighted_log_change"]
