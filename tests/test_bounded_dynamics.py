"""The forecast cannot explode, and it follows the coal cycle of the history.

* Every lever held at its 2020 value for 30 years (2020-2050): Shanxi's intensity stays inside a
  band justified by the reference data, and its yearly growth decays.
  - Upper bound 2.4%: China's own intensity in 2020 (history.csv), the level of an economy whose
    industries sit at their national intensities, which are the ceilings the model's sectors can
    approach but not pass (sectors.csv, EVIDENCE.md section 5). Shanxi's industries are heavier
    than China's, so even full catch-up leaves it below.
  - Lower bound 0.8%: two thirds of the 2020 level, below Shanxi's lowest first-published figure
    of 2011-2020 (0.95% in 2017): with policy held, nothing in the model pulls R&D away from GDP
    for good.
* The 2011-2020 history run through the recorded coal price reproduces the 2013-2016 decline of
  enterprise R&D and the 2017-2020 recovery (history.csv: 126.4 -> 103.9 -> 179.9 enterprise-funded).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecosim.data import series
from ecosim.model import simulate
from ecosim.model.inputs import resolve
from ecosim.scenario import load_scenario

LOWER, UPPER = 0.8, 2.4


@pytest.fixture(scope="module")
def thirty_years() -> pd.DataFrame:
    scenario = load_scenario("baseline").with_changes({"horizon": 2050, "parameter_uncertainty": False,
                                                       "target": {"year": 2024}})
    inputs = resolve(scenario)
    tables = [simulate(inputs, seed).assign(replication=seed) for seed in range(8)]
    return pd.concat(tables, ignore_index=True)


def test_intensity_stays_inside_the_band_for_thirty_years(thirty_years):
    median = thirty_years.groupby("year")["rd_intensity"].median()
    assert median.index.max() == 2050
    assert median.between(LOWER, UPPER).all(), median[~median.between(LOWER, UPPER)]
    # and almost every replication in every year
    inside = thirty_years["rd_intensity"].between(LOWER, UPPER).mean()
    assert inside >= 0.95


def test_yearly_growth_of_intensity_decays(thirty_years):
    median = thirty_years.groupby("year")["rd_intensity"].median()
    change = median.diff()
    first, last = change.loc[2021:2030].mean(), change.loc[2041:2050].mean()
    assert abs(last) < abs(first) or abs(last) < 0.005
    # percentage points a year: under half the provinces' median one-year change (+0.05, EVIDENCE.md)
    assert abs(last) < 0.025


def test_rd_growth_over_gdp_growth_fades(thirty_years):
    by_year = thirty_years.groupby("year")[["rd_expenditure", "gdp"]].median()
    growth = np.log(by_year).diff()
    excess = growth["rd_expenditure"] - growth["gdp"]
    assert excess.loc[2041:2050].mean() < excess.loc[2021:2030].mean()
    assert excess.loc[2041:2050].mean() < 0.015


def test_history_run_reproduces_the_coal_decline_and_recovery():
    scenario = load_scenario("baseline").with_changes({"base_year": 2011, "parameter_uncertainty": False}).until(2020)
    inputs = resolve(scenario, {"rd_common_shock_sd": 0.0})
    tables = pd.concat([simulate(inputs, seed) for seed in range(6)])
    firms = tables.groupby("year")["rd_by_enterprises"].median()
    coal = series("rd_funded_by_enterprises")
    assert coal[2016] < coal[2013] and coal[2020] > 1.5 * coal[2016]  # the data's own shape
    assert firms[2016] < firms[2013], firms.round(1).to_dict()
    assert firms[2020] > 1.2 * firms[2016], firms.round(1).to_dict()
