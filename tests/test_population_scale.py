"""The population scale: each firm agent stands for ``firms_per_agent`` firms. The base year is the
record at every scale (its R&D, GDP and counts are the data the population is fitted to), and the
counts come out in whole multiples of the scale."""

from __future__ import annotations

import pytest

from ecosim.data import load_region
from ecosim.errors import ScenarioError
from ecosim.model import simulate
from ecosim.scenario import Scenario, load_scenario


@pytest.mark.parametrize("scale", [1, 5, 20])
def test_the_base_year_is_the_record_at_every_scale(scale):
    region = load_region()
    base = region.base_record(region.last_year)
    a = region.defaults()
    scenario = load_scenario("baseline").with_changes({"horizon": base.year + 1, "target": {"year": base.year + 1},
                                                       "parameter_uncertainty": False, "firms_per_agent": scale})
    first = simulate(scenario, 1).iloc[0]
    recorded_rd = sum(base.rd_by_performer.values())
    assert first["rd_expenditure"] == pytest.approx(recorded_rd, rel=1e-9)
    assert first["rd_by_enterprises"] == pytest.approx(base.rd_by_performer["enterprises"], rel=1e-9)
    assert first["gdp"] == pytest.approx(base.gdp, rel=1e-12)
    firms = a["n_above_scale_firms"] + a["n_tech_smes"]
    assert abs(first["firms"] - firms) <= scale          # two counts, each rounded to the nearest agent
    assert first["firms"] % scale == 0
    assert abs(first["industrial_firms_doing_rd"] - base.industrial_rd_performers) <= scale
    # the certified stock: the record's, less what the group budgets cannot certify (a few percent)
    assert abs(first["high_tech_enterprises"] - base.hte_stock) <= 0.05 * base.hte_stock + scale


def test_the_scale_is_checked_and_kept_in_the_scenario_file():
    with pytest.raises(ScenarioError, match="firms_per_agent"):
        Scenario.from_dict({"firms_per_agent": 0})
    with pytest.raises(ScenarioError, match="firms_per_agent"):
        Scenario.from_dict({"firms_per_agent": 2.5})
    scenario = Scenario.from_dict({"firms_per_agent": 10})
    assert Scenario.from_dict(scenario.to_dict()).firms_per_agent == 10
    assert "firms_per_agent" not in Scenario().to_dict()
