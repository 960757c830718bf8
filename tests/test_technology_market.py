"""The technology market between firms and particular institutions (ecosim/model/institutions.py).

Each test checks the market against an expectation worked out apart from the code's output:
conservation of contract value, the base year's data value, the capacity rule, the analytic
choice probability of a tie, the direction of a quality raise and of a pilot-scale base, and that institutions' number and spread now matter.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest

from ecosim.model import EcosystemModel
from ecosim.model.inputs import resolve
from ecosim.model.institutions import OUTSIDE_REGION, institution_table
from ecosim.scenario import load_scenario

SEEDS = (3, 11)
HORIZON = 2025


def scenario(**changes):
    """The baseline 2020-2025 at default assumption values, with ``changes`` (dotted names)."""
    return load_scenario("baseline").with_changes({"parameter_uncertainty": False, "horizon": HORIZON, **changes})


def run(inputs, seed: int, before_run=None) -> EcosystemModel:
    """A model stepped to the horizon; ``before_run(model)`` may change it after the base year is set."""
    model = EcosystemModel(inputs, seed)
    if before_run is not None:
        before_run(model)
    model.run()
    return model


@pytest.fixture(scope="module")
def baseline_inputs():
    return resolve(scenario())


@pytest.fixture(scope="module")
def baseline_model(baseline_inputs):
    return run(baseline_inputs, SEEDS[0])


def contracts(model: EcosystemModel) -> pd.DataFrame:
    return pd.DataFrame(np.concatenate(model.contracts))


def test_contracts_add_up_to_the_yearly_outputs(baseline_model):
    table = baseline_model.results().set_index("year")
    deals = contracts(baseline_model)
    local = deals[deals.seller != OUTSIDE_REGION].groupby("year")["value"].sum() / 100.0
    assert list(local.index) == list(table.index)
    np.testing.assert_allclose(local.to_numpy(), table["tech_contracts_local"].to_numpy(), rtol=1e-9)
    # every year after the base year: all contracts (local and outside the region) are the firms' purchases
    total = deals.groupby("year")["value"].sum() / 100.0
    later = table.index[1:]
    np.testing.assert_allclose(total[later].to_numpy(), table.loc[later, "tech_contract_value"].to_numpy(),
                               rtol=1e-9)


def test_base_year_local_sales_equal_the_data(baseline_inputs):
    model = EcosystemModel(baseline_inputs, SEEDS[1])
    a, base = baseline_inputs.assumptions, baseline_inputs.base
    expected = a["local_tech_share"] * base.tech_bought
    deals = model.contracts[0]
    assert deals["year"][0] == baseline_inputs.years[0]
    assert deals["value"][deals["seller"] >= 0].sum() / 100.0 == pytest.approx(expected, rel=1e-9)
    # nobody is rationed in the base year: every seller has its spare share of capacity left
    inst = model.institutions
    assert np.all(inst.sales * (1.0 + a["market_spare_capacity"]) <= inst.capacity * (1.0 + 1e-9))
    assert model.results().empty
    row = run(baseline_inputs, SEEDS[1]).results().iloc[0]
    assert row["tech_contracts_local"] == pytest.approx(expected, rel=1e-12)


def test_no_institution_sells_beyond_its_capacity(baseline_model):
    rows = institution_table(baseline_model.institution_records)
    assert set(rows["year"]) == set(baseline_model.inputs.years)
    assert len(rows) == len(baseline_model.inputs.years) * len(baseline_model.institutions.agents)
    assert (rows["sales"] <= rows["capacity"] * (1.0 + 1e-9) + 1e-12).all()
    # capacity binds somewhere (otherwise the rule would not be tested)
    assert (rows["sales"] >= rows["capacity"] * (1.0 - 1e-9)).any()
    assert {"institution_id", "kind", "year", "rd", "knowledge", "quality", "sales"} <= set(rows.columns)
    assert set(rows["kind"]) == {"university", "research_institute"}
    # the collector's reporter is a named function, so the record travels to other processes
    copy = pickle.loads(pickle.dumps(baseline_model.institution_records))
    pd.testing.assert_frame_equal(institution_table(copy), rows)


def test_same_seed_same_contracts(baseline_inputs, baseline_model):
    again = run(baseline_inputs, SEEDS[0])
    pd.testing.assert_frame_equal(again.results(), baseline_model.results())
    pd.testing.assert_frame_equal(contracts(again), contracts(baseline_model))


def test_a_tie_brings_the_firm_back_as_often_as_its_odds_say(baseline_inputs):
    # No demonstration projects, so every local first contract is a market choice.
    inputs = resolve(scenario(**{"levers.transfer_demonstration_projects": 0}))
    model = EcosystemModel(inputs, SEEDS[1])
    repeats, odds_with_tie, chance = [], [], []
    beta = inputs.assumptions["market_tie_weight"]
    model.step()  # the base year: no trade (its contracts were signed when the model was set up)
    for _ in range(4):
        gone = ~model.enterprises.alive | (model.enterprises.age == 0)
        tie = np.where(gone, -1, model.market.tie[: gone.size])
        sector = model.enterprises.sector.copy()
        model.step()
        deals = model.contracts[-1]
        local = deals[deals["seller"] >= 0]
        buyers, first = np.unique(local["buyer"], return_index=True)
        sellers = local["seller"][first]
        tied = tie[buyers] >= 0
        attract = model.market.attractiveness(model._usable_share(model.t - 1))
        s, k = sector[buyers[tied]], tie[buyers[tied]]
        p = attract[s, k] / attract[s].sum(axis=1)
        repeats.append(sellers[tied] == k)
        chance.append(p)
        odds_with_tie.append(math.exp(beta) * p / (1.0 + math.expm1(beta) * p))
    repeat = np.concatenate(repeats)
    expected = np.concatenate(odds_with_tie)
    base_rate = np.concatenate(chance).mean()
    assert repeat.size > 500
    assert repeat.mean() > base_rate + 0.05
    se = math.sqrt((expected * (1 - expected)).sum()) / repeat.size
    assert abs(repeat.mean() - expected.mean()) < 4 * se, (repeat.mean(), expected.mean(), se)


def raised_institutions(model: EcosystemModel) -> np.ndarray:
    """Every tenth institution (sizes and productivities are drawn independently, so a random tenth)."""
    return np.arange(0, len(model.institutions.agents), 10)


def test_raising_quality_sells_more_of_it_and_less_of_the_rest(baseline_inputs):
    step = math.exp(baseline_inputs.assumptions["institution_productivity_dispersion"])
    for seed in SEEDS:
        plain = run(baseline_inputs, seed)
        raised = run(baseline_inputs, seed,
                     lambda m: m.institutions.raise_quality(raised_institutions(m), step))
        chosen = raised_institutions(plain)
        before = institution_table(plain.institution_records)
        after = institution_table(raised.institution_records)
        later = before.year > baseline_inputs.years[0]
        mask = later & before.institution_id.isin(chosen)
        gain = after.loc[mask, "sales"].sum() / before.loc[mask, "sales"].sum() - 1.0
        others = later & ~before.institution_id.isin(chosen)
        share_before = before.loc[others, "sales"].sum() / before.loc[later, "sales"].sum()
        share_after = after.loc[others, "sales"].sum() / after.loc[later, "sales"].sum()
        assert gain > 0.0, seed
        assert share_after < share_before, seed
        # already in the first year, before the raise has added to their knowledge
        first = baseline_inputs.years[1]
        one = (before.year == first) & before.institution_id.isin(chosen)
        assert after.loc[one, "sales"].sum() > before.loc[one, "sales"].sum(), seed


def bought_by_sector(model: EcosystemModel, year: int) -> pd.Series:
    deals = contracts(model)
    deals = deals[(deals.seller != OUTSIDE_REGION) & (deals.year == year)]
    return deals.groupby("buyer_sector")["value"].sum()


def test_a_pilot_base_raises_its_clusters_local_purchases_most(baseline_inputs):
    # the budget would not fund the base in 2021 (the default S&T budget path has no headroom that
    # year): measure the market's response to a base that exists
    with_base = resolve(scenario(**{"levers.pilot_scale_bases": 1, "budget.shortfall": "none"}))
    first = int(baseline_inputs.years[1])
    for seed in SEEDS:
        plain, based = run(baseline_inputs, seed), run(with_base, seed)
        served = int(based.pilot_base_fields[0])
        after, before = bought_by_sector(based, first), bought_by_sector(plain, first)
        gain = after[served] / before[served]
        others = after.drop(served).sum() / before.drop(served).sum()
        assert gain > 1.0, (seed, gain)
        assert others < gain, (seed, others, gain)
        later = sum(bought_by_sector(based, y)[served] for y in range(first, HORIZON + 1))
        later_plain = sum(bought_by_sector(plain, y)[served] for y in range(first, HORIZON + 1))
        assert later > later_plain


@pytest.mark.parametrize("change", [{"assumptions.n_research_institutes": 80},
                                    {"assumptions.institution_productivity_dispersion": 0.6},
                                    {"assumptions.institution_size_dispersion": 1.5}])
def test_institutions_number_and_spread_change_outputs(baseline_inputs, change):
    # The base year is calibrated to the same data either way; what follows differs because firms buy
    # from particular institutions of particular sizes and qualities. When only sums mattered, the
    # difference was rounding (below 1e-12); here it must be well above it.
    plain = run(baseline_inputs, SEEDS[0]).results()
    other = run(resolve(scenario(**change)), SEEDS[0]).results()
    assert other["tech_contracts_local"].iloc[0] == pytest.approx(plain["tech_contracts_local"].iloc[0])
    later = plain.index[1:]
    for column in ("tech_contracts_local", "rd_by_enterprises"):
        difference = np.abs(other.loc[later, column] - plain.loc[later, column]) / plain.loc[later, column]
        assert difference.max() > 1e-6, (change, column)


def test_each_institution_agent_accumulates_its_own_knowledge(baseline_model):
    from ecosim.model.institutions import ResearchInstitute, University

    a = baseline_model.inputs.assumptions
    assert len(baseline_model.agents_by_type[University]) == a["n_universities"]
    assert len(baseline_model.agents_by_type[ResearchInstitute]) == a["n_research_institutes"]
    rows = institution_table(baseline_model.institution_records).set_index(["year", "institution_id"])
    years = baseline_model.inputs.years
    # perpetual inventory per institution: K_y = (1 - depreciation) K_(y-1) + R&D_y x quality_y
    for before, year in zip(years[1:-1], years[2:]):
        expected = ((1.0 - a["knowledge_depreciation"]) * rows.loc[int(before), "knowledge"]
                    + rows.loc[int(year), "rd"] * rows.loc[int(year), "quality"])
        np.testing.assert_allclose(rows.loc[int(year), "knowledge"], expected, rtol=1e-12)
    agent = baseline_model.institutions.agents[7]
    assert agent.knowledge == rows.loc[(int(years[-1]), 7), "knowledge"]
