"""Accounting identities of the yearly table, in every year of several runs.

R&D is one performer x source matrix, so the totals by performer and by source both equal the
total; intensity, gap, target flag and government cost are defined from other columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecosim.data import load_region
from ecosim.levers import LEVERS
from ecosim.model import simulate
from ecosim.model.accounts import PERFORMERS, SOURCES
from ecosim.scenario import NATIONAL_AVERAGE, Scenario, load_scenario


def _random_mix(seed: int) -> Scenario:
    """Every lever at a random value inside its allowed range from the policy start on."""
    rng = np.random.default_rng(seed)
    levers = {}
    for name, lever in LEVERS.items():
        value = rng.uniform(lever.low, lever.high)
        levers[name] = int(round(value)) if lever.integer else float(value)
    return Scenario(name="random-mix").with_changes(levers=levers)


RUNS = {
    "baseline": lambda: simulate(load_scenario("baseline"), 3),
    "guiding-opinions": lambda: simulate(load_scenario("guiding-opinions"), 4),
    "random-mix-a": lambda: simulate(_random_mix(11), 5),
    "random-mix-b": lambda: simulate(_random_mix(12), 6),
    "fixed-target": lambda: simulate(load_scenario("baseline").with_changes({"target.value": 1.5}), 3),
    "history-2011": lambda: simulate(load_scenario("baseline").with_changes({"base_year": 2011}).until(2020), 3),
}


@pytest.fixture(scope="module", params=sorted(RUNS))
def run(request) -> pd.DataFrame:
    table = RUNS[request.param]()
    first, last = (2011, 2020) if request.param == "history-2011" else (2020, 2030)
    assert list(table["year"]) == list(range(first, last + 1))
    return table


def _close(a, b, rel=1e-9):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rel, atol=0)


def test_sum_by_performer_equals_sum_by_source_equals_total(run):
    by_performer = run[[f"rd_by_{p}" for p in PERFORMERS]].sum(axis=1)
    by_source = run[[f"rd_funded_by_{s}" for s in SOURCES]].sum(axis=1)
    _close(by_performer, run["rd_expenditure"])
    _close(by_source, run["rd_expenditure"])


def test_intensity_is_rd_over_gdp_and_gap_is_intensity_minus_national(run):
    _close(run["rd_intensity"], 100.0 * run["rd_expenditure"] / run["gdp"])
    np.testing.assert_allclose(run["rd_intensity_gap"], run["rd_intensity"] - run["national_rd_intensity"],
                               rtol=0, atol=1e-12)


def _lever_costs(kind: str) -> list[str]:
    return [f"{kind}_{name}" for name, lever in LEVERS.items() if kind in lever.cost_kinds]


def test_government_cost_is_the_sum_of_the_lever_costs(run):
    outlay, forgone, compliance = (_lever_costs(k) for k in ("outlay", "revenue_forgone", "compliance"))
    assert set(outlay + forgone + compliance) <= set(run.columns)
    _close(run[outlay].sum(axis=1), run["outlay_total"], rel=1e-12)
    _close(run[forgone].sum(axis=1), run["revenue_forgone_total"], rel=1e-12)
    _close(run[compliance].sum(axis=1), run["compliance_total"], rel=1e-12)
    _close(run[outlay + forgone].sum(axis=1), run["government_cost"], rel=1e-12)
    _close(run[outlay + forgone + compliance].sum(axis=1), run["social_cost"], rel=1e-12)


def test_money_columns_are_non_negative_and_finite(run):
    money = (["gdp", "rd_expenditure", "tech_contract_value", "tech_contracts_local", "venture_invested",
              "tech_credit_loans", "modelled_value_added", "government_cost"]
             + [f"rd_by_{p}" for p in PERFORMERS] + [f"rd_funded_by_{s}" for s in SOURCES]
             + [c for kind in ("outlay", "revenue_forgone", "compliance") for c in _lever_costs(kind)])
    values = run[money].to_numpy(dtype=float)
    assert np.isfinite(values).all()
    bad = {c: run.loc[run[c] < 0, "year"].tolist() for c in money if (run[c] < 0).any()}
    assert bad == {}
    assert (run["tech_contracts_local"] <= run["tech_contract_value"] * (1 + 1e-12)).all()
    counts = ["firms", "firms_doing_rd", "industrial_firms_doing_rd", "high_tech_enterprises"]
    assert (run[counts] >= 0).all().all()
    assert (run["industrial_firms_doing_rd"] <= run["firms_doing_rd"]).all()
    assert (run["firms_doing_rd"] <= run["firms"]).all()


def test_target_met_is_consistent_with_the_target_column(run):
    assert set(run["target_met"].unique()) <= {0.0, 1.0}
    expected = (run["rd_intensity"] >= run["target_rd_intensity"]).astype(float)
    assert (run["target_met"] == expected).all()


def test_target_column_is_the_national_average_or_the_fixed_value():
    national = RUNS["baseline"]()
    assert load_scenario("baseline").target.value == NATIONAL_AVERAGE
    assert (national["target_rd_intensity"] == national["national_rd_intensity"]).all()
    fixed = RUNS["fixed-target"]()
    assert (fixed["target_rd_intensity"] == 1.5).all()


HISTORY = pd.read_csv(load_region().root / "history.csv")


def _recorded(variable: str, year: int) -> float:
    rows = HISTORY[(HISTORY.region == "shanxi") & (HISTORY.variable == variable) & (HISTORY.year == year)]
    return float(rows.value.iloc[0])


def test_base_year_margins_are_the_recorded_figures(run):
    """The base year's total and every source are the published figures; performers as recorded in
    2020 (SX20), and in 2011 split as in the earliest recorded split (2016)."""
    first = run.iloc[0]
    year = int(first["year"])
    total = _recorded("rd_expenditure", year)
    assert first["rd_expenditure"] == pytest.approx(total, rel=1e-12)
    assert first["rd_funded_by_government"] == pytest.approx(_recorded("rd_funded_by_government", year), rel=1e-12)
    assert first["rd_funded_by_enterprises"] == pytest.approx(_recorded("rd_funded_by_enterprises", year), rel=1e-12)
    split = 2020 if year == 2020 else 2016
    share = total / _recorded("rd_expenditure", split)
    for performer in ("enterprises", "government_institutes", "higher_education"):
        assert first[f"rd_by_{performer}"] == pytest.approx(share * _recorded(f"rd_by_{performer}", split), rel=1e-12)
    assert first["rd_intensity"] == pytest.approx(_recorded("rd_intensity_first_published", year), abs=0.005)


def test_no_cell_of_the_accounts_is_negative(run):
    money = [c for c in run.columns if c.startswith(("rd_by_", "rd_funded_by_", "outlay_", "revenue_forgone_", "compliance_"))]
    assert (run[money] >= 0).all().all()
