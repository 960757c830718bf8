"""Every lever in the catalogue does what the policy intends.

For each lever: from its 2020 value (the baseline, held from 2021) to a stronger value inside its
allowed range from 2021 on, with the same seeds in both arms (common random numbers), the mean
over 2022-2026 of the output the policy aims at moves in the intended direction, and the lever's
own cost column rises (or, where the catalogue's cost rule is 'none', stays exactly zero).
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest

from ecosim.data import load_region
from ecosim.levers import LEVERS
from ecosim.model import simulate
from ecosim.scenario import Scenario

SEEDS = (1, 2, 3)
WINDOW = (2022, 2026)
UP, DOWN, SMALL = +1, -1, 0
"""SMALL: two channels of opposite sign, so the output moves by less than 5% either way."""

# lever: (stronger value, the output it aims at, direction of the output)
# 'stronger' means more generous: lower for the HTE tax rate and the VAT-refund threshold.
STRONGER: dict[str, tuple[float, str, int]] = {
    "rd_super_deduction_rate": (1.5, "rd_by_enterprises", UP),
    "rd_super_deduction_rate_manufacturing": (1.5, "rd_by_enterprises", UP),
    # a lower HTE rate widens the notch (more firms lift R&D to the threshold) but makes certified
    # firms' deductions worth less (their user cost rises): see docs/lever-responses.md
    "hte_income_tax_rate": (0.05, "high_tech_enterprises", SMALL),
    "software_vat_refund_threshold": (0.0, "revenue_forgone_software_vat_refund_threshold", UP),
    "hte_cultivation_firms": (3000, "high_tech_enterprises", UP),
    "innovation_full_coverage": (0.3, "rd_by_enterprises", UP),
    "soe_rd_floor": (0.02, "rd_by_enterprises", UP),
    "rd_reward_rate": (0.15, "rd_by_enterprises", UP),
    "pilot_scale_bases": (20, "tech_contracts_local", UP),
    "transfer_demonstration_projects": (300, "tech_contracts_local", UP),
    "tech_contract_reward_rate": (0.15, "tech_contract_value", UP),
    "platforms": (120, "rd_expenditure", UP),
    "talent_recruits": (2000, "rd_expenditure", UP),
    "guidance_fund_capital": (40.0, "venture_invested", UP),
    "guidance_fund_leverage": (6.0, "venture_invested", UP),
    "tech_credit_loss_share": (0.7, "tech_credit_loans", UP),
    "open_competition_budget": (20.0, "rd_expenditure", UP),
    "smart_factories": (300, "modelled_value_added", UP),
}

NO_COST = {"soe_rd_floor", "guidance_fund_leverage"}
"""Levers whose catalogue cost rule is 'none' for the government (a requirement on firms, whose cost
is their compliance; private money)."""

# Known defects: lever -> reason; the corresponding test is a strict xfail.
NO_EFFECT: dict[str, str] = {
}
NO_COST_RISE: dict[str, str] = {}


@cache
def window_means(lever: str | None) -> pd.Series:
    """Mean over the seeds of each output's 2022-2026 mean, with ``lever`` at its stronger value."""
    scenario = Scenario()
    if lever is not None:
        scenario = scenario.with_changes({f"levers.{lever}": STRONGER[lever][0]})
    means = []
    for seed in SEEDS:
        table = simulate(scenario, seed)
        window = table[(table["year"] >= WINDOW[0]) & (table["year"] <= WINDOW[1])]
        means.append(window.drop(columns="year").mean())
    return pd.concat(means, axis=1).mean(axis=1)


def _mark(table: dict[str, str], lever: str):
    reason = table.get(lever)
    return pytest.param(lever, marks=pytest.mark.xfail(strict=True, reason=reason) if reason else ())


def test_every_lever_in_the_catalogue_has_a_test():
    assert set(STRONGER) == set(LEVERS)


@pytest.mark.parametrize("lever", sorted(STRONGER))
def test_stronger_value_is_allowed_and_differs_from_the_2020_value(lever):
    value, _, _ = STRONGER[lever]
    spec = LEVERS[lever]
    assert spec.low <= value <= spec.high
    assert value != load_region().lever_value(lever, 2020)
    # 'stronger' is more generous: higher, except for the two rates where lower is the benefit
    lower_is_stronger = lever in ("hte_income_tax_rate", "software_vat_refund_threshold")
    assert (value < load_region().lever_value(lever, 2020)) == lower_is_stronger


@pytest.mark.parametrize("lever", [_mark(NO_EFFECT, name) for name in sorted(STRONGER)])
def test_strengthening_the_lever_moves_its_output_the_intended_way(lever):
    _, output, direction = STRONGER[lever]
    before, after = window_means(None)[output], window_means(lever)[output]
    if direction == SMALL:
        assert abs(after / before - 1.0) < 0.05, f"{output}: {before:.4f} -> {after:.4f}"
    else:
        assert direction * (after - before) > 0, f"{output}: {before:.4f} -> {after:.4f}"


def test_lowering_the_software_vat_threshold_does_not_lower_enterprise_rd():
    before = window_means(None)["rd_by_enterprises"]
    after = window_means("software_vat_refund_threshold")["rd_by_enterprises"]
    assert after >= before


@pytest.mark.parametrize("lever", [_mark(NO_COST_RISE, name) for name in sorted(set(STRONGER) - NO_COST)])
def test_strengthening_the_lever_raises_its_own_cost(lever):
    column = f"{LEVERS[lever].government_kind}_{lever}"
    before, after = window_means(None)[column], window_means(lever)[column]
    assert after > before, f"{column}: {before:.4f} -> {after:.4f}"


@pytest.mark.parametrize("lever", sorted(NO_COST))
def test_levers_without_a_cost_rule_cost_nothing(lever):
    assert LEVERS[lever].cost_rule.startswith("none")
    assert LEVERS[lever].government_kind is None
    assert not {f"outlay_{lever}", f"revenue_forgone_{lever}"} & set(window_means(lever).index)
