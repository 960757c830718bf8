"""Joint constraints of the funding shares: the rules agree with the model's funding matrix, and
files that break them are refused before anything runs, naming the file, the fields and the rule."""

from __future__ import annotations

import numpy as np
import pytest

from ecosim.assumptions import ASSUMPTIONS
from ecosim.constraints import FUNDING_SHARES, funding_totals, funding_violations
from ecosim.data import load_region
from ecosim.model.accounts import base_funding
from ecosim.scenario import Scenario, ScenarioError


@pytest.mark.parametrize("year", [2011, 2015, 2020])
def test_the_rules_hold_exactly_when_the_funding_matrix_has_no_negative_cell(year):
    rng = np.random.default_rng(year)
    disagreements = []
    broken = 0
    for _ in range(300):
        values = dict(load_region().defaults())
        for name in FUNDING_SHARES:
            values[name] = rng.uniform(ASSUMPTIONS[name].low, ASSUMPTIONS[name].high)
        violated = bool(funding_violations(load_region().base_record(year), values))
        try:
            base_funding(load_region().base_record(year), values)
            negative = False
        except ValueError:
            negative = True
        broken += violated
        if violated != negative:
            disagreements.append({n: round(values[n], 4) for n in FUNDING_SHARES})
    assert disagreements == []
    if year == 2020:
        assert broken > 0  # the ranges do admit impossible combinations in 2020


def test_totals_are_the_recorded_figures():
    t = funding_totals(load_region().base_record(2020))
    assert t.government == load_region().series("rd_funded_by_government")[2020] == 27.0
    assert t.institutions == pytest.approx(13.8 + 17.7)  # SX20 institutes + universities
    assert t.other_source == pytest.approx(211.1 - 27.0 - 179.9)


def test_a_scenario_breaking_a_rule_names_the_fields_and_the_rule():
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict({"base_year": 2020, "assumptions": {"institution_other_share": 0.1,
                                                               "other_performer_government_share": 0.3}}, "mix.toml")
    error = caught.value
    assert error.source == "mix.toml" and error.field == "assumptions"
    assert "institution_other_share" in error.message and "rule other" in error.message
    # the same shares are possible in 2011, where other performers were a sixth as large
    Scenario.from_dict({"base_year": 2011, "assumptions": {"institution_other_share": 0.1,
                                                           "other_performer_government_share": 0.3}}, "mix.toml")
