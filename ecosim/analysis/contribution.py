"""Each lever's contribution to the target-year intensity, the S&T budget cap's effect apart, and the
interactions: terms that add up to the mix's total effect replication by replication.

The scenario's S&T budget caps its outlays: when the mix asks for more than the budget's headroom,
every outlay lever gets less than scheduled, and switching one outlay lever back frees money for the
others. Measured on the mix as written, a lever's drop would mix its own effect with that
reallocation (a reward rate could show a negative bar only because, switched back, it frees money the
cap then gives to levers that raise R&D more). So the decomposition is made with the budget's effect apart:

* **lever** (one term per lever): the drop in the target-year output when that lever alone goes back
  to its base-year value, both runs with every outlay funded as scheduled (``[budget] shortfall =
  "none"``): the lever's own effect, free of reallocation;
* **budget_cap**: the mix as written minus the same mix with every outlay funded as scheduled;
* **interactions**: the mix's total effect (the mix minus every changed lever at its base-year value)
  minus the lever terms and the budget cap: how far the levers' effects together differ from the sum
  of their separate effects (positive where levers overlap, negative where they need each other).

The terms add up to the total in every replication, so their means add up too (medians do not: the
``drop`` column of medians adds up only because its interactions row is the remainder). All runs share
the scenario's seeds (common random numbers): a lever the scenario leaves at its baseline path
contributes exactly zero, a budget that never binds gives a budget term of exactly zero, and the
intervals are those of paired differences (replication by replication).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ecosim.analysis.intervals import paired_mean_difference, paired_share_difference
from ecosim.checks import check_levers
from ecosim.levers import LEVERS
from ecosim.model.accounts import OUTPUT_COLUMNS
from ecosim.scenario import Scenario

BUDGET_CAP = "budget_cap"
"""The row (and per-replication column) of the S&T budget cap's effect."""
INTERACTIONS = "interactions"
"""The row of the interactions term: the total minus the lever terms and the budget cap."""
TOTAL = "total"
"""The row of the mix's total effect: the mix as written minus every changed lever at its base-year value."""

DEFAULT_OUTPUT = "rd_intensity"
"""The yearly table's column decomposed by default: R&D expenditure / GDP, percent of GDP."""

TABLE_UNITS = {
    "kind": "lever, budget, interactions or total", "changed": "true/false (empty for other terms)",
    "median_without": "percent of GDP", "drop": "percentage points", "probability_without": "share",
    "probability_drop": "share", "drop_mean": "percentage points", "drop_low": "percentage points",
    "drop_high": "percentage points", "probability_drop_low": "share", "probability_drop_high": "share",
    "explanation": "text",
}
"""The unit of every column of :meth:`Contribution.table` (also in ``table.attrs["units"]``) for the
default output, R&D intensity; :func:`table_units` gives them for another output."""

DROP_COLUMNS = ("drop", "drop_mean", "drop_low", "drop_high")
"""Columns in the unit of a difference of the output."""

TABLE_COLUMNS = {
    "kind": "lever: one lever's own effect; budget: the S&T budget cap's effect; interactions: the "
            "remainder; total: the mix's effect. Rows of the first three kinds add up to the total row",
    "changed": "whether the scenario changes the lever from its base-year path",
    "median_without": "median target-year output without the term: the lever back at its base-year value "
                      "(every outlay funded as scheduled), the mix without the cap (budget_cap), every "
                      "changed lever at its base-year value (total)",
    "drop": "median target-year output with the term minus median_without (the interactions row is the "
            "remainder of the other rows; medians do not add up replication by replication)",
    "probability_without": "P(target met) without the term (as median_without)",
    "probability_drop": "P(target met) with the term minus probability_without (interactions: the remainder)",
    "drop_mean": "mean over replications of the paired drop in the target-year output; these add up to the "
                 "total row exactly, replication by replication",
    "drop_low": "lower end of the 95% t interval of drop_mean",
    "drop_high": "upper end of the 95% t interval of drop_mean",
    "probability_drop_low": "lower end of the 95% paired (Newcombe) interval of probability_drop "
                            "(empty for interactions)",
    "probability_drop_high": "upper end of the 95% paired (Newcombe) interval of probability_drop "
                             "(empty for interactions)",
    "explanation": "what the term measures",
}
"""The columns of :meth:`Contribution.table`."""


def table_units(output: str = DEFAULT_OUTPUT) -> dict[str, str]:
    """The unit of every column of the table decomposing ``output`` (a column of the yearly table)."""
    if output == DEFAULT_OUTPUT:
        return dict(TABLE_UNITS)
    unit = OUTPUT_COLUMNS[output][0] if output in OUTPUT_COLUMNS else f"unit of {output}"
    return {**TABLE_UNITS, "median_without": unit, **{c: f"{unit} (difference)" for c in DROP_COLUMNS}}


def lever_off(scenario: Scenario, names: Iterable[str]) -> Scenario:
    """The scenario with the named levers held at their base-year value (the region's record) from the
    policy start year on."""
    names = list(names)
    label = names[0] if len(names) == 1 else "all"
    return scenario.with_changes({"levers": {name: scenario.region.lever_value(name, scenario.base_year) for name in names}},
                                 name=f"{scenario.name}-without-{label}")


def budget_lifted(scenario: Scenario) -> Scenario:
    """The scenario with every outlay lever funded as scheduled: ``[budget] shortfall = "none"`` (the
    budget and its shortfall are still reported, nothing is cut). Its path is unchanged."""
    return scenario.with_changes({"budget": {"shortfall": "none", "priority": []}},
                                 name=f"{scenario.name}-budget-lifted")


def changed_levers(scenario: Scenario) -> list[str]:
    """Levers whose path differs from holding the base-year value."""
    return [name for name in LEVERS
            if not np.array_equal(scenario.lever_path(name), lever_off(scenario, [name]).lever_path(name))]


def lever_explanation(name: str, base_year: int) -> str:
    """What a lever's row measures."""
    return (f"drop when {name} alone goes back to its {base_year} value, every outlay funded as scheduled: "
            f"the lever's own effect, free of money moving between levers under the budget cap")


def budget_explanation(binding_share: float, funded_share: float, year: int) -> str:
    """What the budget_cap row measures, with how often the cap binds (share of replications) and the
    median funded share of the requested outlay increases in the target year."""
    return (f"the mix as written minus the same mix with every outlay funded as scheduled: what the S&T "
            f"budget cap changes by cutting outlays (binds in {binding_share:.0%} of replications; median "
            f"funded share of the requested increases in {year}: {funded_share:.2f})")


INTERACTIONS_EXPLANATION = (
    "total minus the levers' own effects and the budget cap: effects of levers together that are not the "
    "sum of their separate effects. Positive when levers overlap (switched back alone, the others make up "
    "part of its effect); negative when they need each other (a fund's money and its leverage: each one's "
    "drop contains their joint effect, so the sum counts it twice)")
"""What the interactions row measures."""


def total_explanation(base_year: int) -> str:
    """What the total row measures."""
    return f"the mix as written minus the mix with every changed lever at its {base_year} value"


@dataclass
class Contribution:
    """The decomposition of a mix's effect on a target-year output (``table``), its per-replication
    terms (``terms``) and the medians it is made from."""

    scenario: Scenario
    table_: pd.DataFrame
    median: float
    """Median target-year output of the full scenario (as written, budget cap included)."""
    median_all_off: float
    """Median target-year output with every changed lever at its base-year value."""
    seed: int
    replications: int
    changed: tuple[str, ...] = ()
    """All levers the scenario changes from their base-year path (computed or not)."""
    median_budget_lifted: float = float("nan")
    """Median target-year output of the scenario with every outlay funded as scheduled."""
    terms_: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per replication (rows): the drop of each lever run (levers not run drop exactly 0), budget_cap,
    interactions and total."""
    budget_binding_share: float = 0.0
    """Share of replications in which the budget cuts some outlay in some year from the policy start
    to the target year."""
    funded_share_median: float = 1.0
    """Median (over replications) funded share of the requested outlay increases in the target year."""
    output: str = DEFAULT_OUTPUT
    """The yearly table's column decomposed."""

    def _mean(self, term: str) -> float:
        return float(self.table_.loc[term, "drop_mean"])

    @property
    def total(self) -> float:
        """Mean paired drop when every changed lever is switched back at once (budget cap as written)."""
        return self._mean(TOTAL)

    @property
    def budget_cap(self) -> float:
        """Mean paired effect of the budget cap: the mix as written minus the mix with every outlay funded."""
        return self._mean(BUDGET_CAP)

    @property
    def interaction(self) -> float:
        """Mean paired interactions term: total minus the lever terms computed and the budget cap
        (includes the levers not computed)."""
        return self._mean(INTERACTIONS)

    @property
    def levers_sum(self) -> float:
        """Sum of the lever terms computed (mean paired drops)."""
        return float(self.lever_rows()["drop_mean"].sum())

    @property
    def complete(self) -> bool:
        """Whether every changed lever was computed (else interactions include the others' effects)."""
        return set(self.lever_rows().index) >= set(self.changed)

    def lever_rows(self) -> pd.DataFrame:
        """The rows of kind ``lever``."""
        return self.table_[self.table_["kind"] == "lever"]

    def table(self) -> pd.DataFrame:
        """One row per lever, then budget_cap, interactions and total: changed?, medians without the
        term, drops (medians and paired means with intervals), P(target met) and an explanation;
        units in ``attrs["units"]``."""
        table = self.table_.copy()
        table.attrs["units"] = table_units(self.output)
        table.attrs["definitions"] = dict(TABLE_COLUMNS)
        table.attrs["output"] = self.output
        return table

    def terms(self) -> pd.DataFrame:
        """Per replication: the drop of each lever run, budget_cap and interactions, which add up to total
        (levers the scenario leaves unchanged are not run and drop exactly 0)."""
        return self.terms_.copy()

    def plot(self, lang: str = "en", only_changed: bool = True):
        """Bar chart of the terms."""
        from ecosim.charts.contribution import contribution_chart

        return contribution_chart(self, lang, only_changed=only_changed)


def _target_year(scenario: Scenario, years: pd.DataFrame) -> pd.DataFrame:
    return years[years["year"] == scenario.target.year].sort_values("replication").reset_index(drop=True)


def _row(kind: str, changed: object, full: pd.DataFrame, without: pd.DataFrame, output: str,
         explanation: str) -> dict:
    """A table row for a term measured as ``full`` minus ``without`` (target-year rows, paired)."""
    median, med = float(full[output].median()), float(without[output].median())
    p_full, p = float(full["target_met"].mean()), float(without["target_met"].mean())
    drop = paired_mean_difference(without[output], full[output])
    p_drop = paired_share_difference(without["target_met"], full["target_met"])
    return {"kind": kind, "changed": changed, "median_without": med, "drop": median - med,
            "probability_without": p, "probability_drop": p_full - p, "drop_mean": drop.estimate,
            "drop_low": drop.low, "drop_high": drop.high, "probability_drop_low": p_drop.low,
            "probability_drop_high": p_drop.high, "explanation": explanation}


def _interactions_row(rows: dict[str, dict], remainder: pd.Series) -> dict:
    """The interactions row: the remainder of the medians and of the probabilities, and the mean of the
    per-replication remainder ``remainder`` with its t interval."""
    others = [row for name, row in rows.items() if name != TOTAL]
    drop = paired_mean_difference(np.zeros(len(remainder)), remainder)
    return {"kind": "interactions", "changed": pd.NA, "median_without": np.nan,
            "drop": rows[TOTAL]["drop"] - sum(r["drop"] for r in others),
            "probability_without": np.nan,
            "probability_drop": rows[TOTAL]["probability_drop"] - sum(r["probability_drop"] for r in others),
            "drop_mean": drop.estimate, "drop_low": drop.low, "drop_high": drop.high,
            "probability_drop_low": np.nan, "probability_drop_high": np.nan,
            "explanation": INTERACTIONS_EXPLANATION}


def per_replication_terms(full: pd.DataFrame, lifted: pd.DataFrame, all_off: pd.DataFrame,
                          without: dict[str, pd.DataFrame], output: str = DEFAULT_OUTPUT) -> pd.DataFrame:
    """The terms of each replication (rows, by replication): each lever's own drop (``lifted`` minus
    the lifted mix without it), budget_cap (``full`` minus ``lifted``), interactions (the remainder)
    and total (``full`` minus ``all_off``); the lever terms, budget_cap and interactions add up to total."""
    value = {name: table[output].to_numpy(dtype=float) for name, table in
             {"full": full, "lifted": lifted, "all_off": all_off}.items()}
    terms = {name: value["lifted"] - table[output].to_numpy(dtype=float) for name, table in without.items()}
    terms[BUDGET_CAP] = value["full"] - value["lifted"]
    total = value["full"] - value["all_off"]
    terms[INTERACTIONS] = total - np.sum([terms[n] for n in without] + [terms[BUDGET_CAP]], axis=0)
    terms[TOTAL] = total
    return pd.DataFrame(terms, index=pd.Index(full["replication"].to_numpy(), name="replication"))


def _budget_facts(scenario: Scenario, years: pd.DataFrame) -> tuple[float, float]:
    """Share of replications in which the budget binds in some year from the policy start to the
    target year, and the median funded share of the requested increases in the target year."""
    window = years[(years["year"] >= scenario.policy_start_year) & (years["year"] <= scenario.target.year)]
    binding = window.groupby("replication")["budget_binding"].max()
    funded = _target_year(scenario, years)["budget_funded_share"]
    return float((binding > 0).mean()), float(funded.median())


@dataclass(frozen=True)
class Variants:
    """The runs a decomposition needs, in order: the scenario, the scenario with every outlay funded
    (``lifted``), ``lifted`` with each lever of ``run`` alone back at its base-year value, and (when
    the scenario changes any lever) the scenario with every changed lever back (``all_off``)."""

    scenario: Scenario
    names: tuple[str, ...]
    run: tuple[str, ...]
    changed: frozenset[str]

    def scenarios(self) -> list[Scenario]:
        """The scenarios to run, in the order :func:`decompose` reads their tables."""
        lifted = budget_lifted(self.scenario)
        variants = [self.scenario, lifted] + [lever_off(lifted, [n]) for n in self.run]
        if self.changed:
            variants.append(lever_off(self.scenario, sorted(self.changed)))
        return variants


def variants(scenario: Scenario, levers: Iterable[str] | None = None, skip_unchanged: bool = True) -> Variants:
    """The runs that decompose ``scenario``'s effect over ``levers`` (default: all); with
    ``skip_unchanged`` the levers the scenario leaves at their base-year value are not run (their term
    is exactly 0: the run would repeat the scenario's)."""
    names = list(LEVERS) if levers is None else list(levers)
    try:
        check_levers(names, "contribution")
    except ValueError as error:
        raise ValueError(f"unknown levers {[n for n in names if n not in LEVERS]}: {error}") from None
    changed = frozenset(changed_levers(scenario))
    return Variants(scenario, tuple(names), tuple(n for n in names if n in changed or not skip_unchanged), changed)


def decompose(plan: Variants, tables: list[pd.DataFrame], seed: int, output: str = DEFAULT_OUTPUT) -> Contribution:
    """The decomposition of the target-year ``output`` from the yearly tables of ``plan``'s scenarios
    (in the order of :meth:`Variants.scenarios`, same seed and replications)."""
    scenario, names, run, changed = plan.scenario, list(plan.names), list(plan.run), plan.changed
    if output not in tables[0].columns:
        raise ValueError(f"the yearly table has no column {output!r}")
    full, full_lifted = _target_year(scenario, tables[0]), _target_year(scenario, tables[1])
    without = dict(zip(run, (_target_year(scenario, t) for t in tables[2:2 + len(run)])))
    all_off = _target_year(scenario, tables[-1]) if changed else full
    binding_share, funded_share = _budget_facts(scenario, tables[0])
    rows = {n: _row("lever", n in changed, full_lifted, without.get(n, full_lifted), output,
                    lever_explanation(n, scenario.base_year)) for n in names}
    rows[BUDGET_CAP] = _row("budget", pd.NA, full, full_lifted, output,
                            budget_explanation(binding_share, funded_share, scenario.target.year))
    rows[TOTAL] = _row("total", pd.NA, full, all_off, output, total_explanation(scenario.base_year))
    terms = per_replication_terms(full, full_lifted, all_off, without, output)
    rows[INTERACTIONS] = _interactions_row(rows, terms[INTERACTIONS])
    order = names + [BUDGET_CAP, INTERACTIONS, TOTAL]
    table = pd.DataFrame([rows[n] for n in order], index=pd.Index(order, name="term"))
    return Contribution(scenario, table, float(full[output].median()), float(all_off[output].median()), seed,
                        int(full["replication"].nunique()), tuple(n for n in LEVERS if n in changed),
                        float(full_lifted[output].median()), terms, binding_share, funded_share, output)
