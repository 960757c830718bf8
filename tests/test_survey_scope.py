"""The R&D statistics count the surveyed firms: above-scale firms, and technology SMEs once they reach
the above-scale threshold. Checked against the base record (the surveyed firms hold it exactly) and a
conservation law (surveyed plus unsurveyed R&D is all the firms' R&D, every year)."""

from __future__ import annotations

import numpy as np
import pytest

from ecosim.model import EcosystemModel, resolve
from ecosim.model.enterprises import TECH_SME
from ecosim.model.inputs import ABOVE_SCALE_REVENUE
from ecosim.scenario import load_scenario


@pytest.mark.parametrize("base_year", [2011, 2016, 2020])
def test_the_surveyed_firms_hold_the_recorded_enterprise_rd_in_the_base_year(base_year):
    """The base year's enterprise R&D is the record's (rel 1e-9) although small technology SMEs also
    do R&D outside it."""
    scenario = load_scenario("baseline").with_changes({"base_year": base_year, "parameter_uncertainty": False})
    model = EcosystemModel(resolve(scenario), 3)
    model.run()
    first = model.rows[0]
    recorded = resolve(scenario).base.rd_by_performer["enterprises"]
    assert first["rd_by_enterprises"] == pytest.approx(recorded, rel=1e-9)
    assert first["rd_outside_survey"] > 0


def test_every_year_surveyed_and_unsurveyed_rd_add_up_to_all_firms_rd(monkeypatch):
    """At 5 firms per agent, when each year is recorded: enterprise R&D less the grants' R&D is 5 x the
    surveyed agents' R&D, the column outside the survey is 5 x the others' (100m yuan), and a
    technology SME is surveyed exactly when its revenue reaches 20m yuan (above-scale firms always)."""
    seen = []
    record = EcosystemModel._record

    def checked(model, t, year):
        row = record(model, t, year)
        firms = model.enterprises
        small = firms.alive & (firms.segment == TECH_SME) & (firms.revenue < ABOVE_SCALE_REVENUE)
        seen.append((np.array_equal(firms.surveyed(), firms.alive & ~small),
                     row["rd_by_enterprises"] - model._grant_rd(t), 5 * firms.rd[firms.alive & ~small].sum() / 100,
                     row["rd_outside_survey"], 5 * firms.rd[small].sum() / 100))
        return row

    monkeypatch.setattr(EcosystemModel, "_record", checked)
    scenario = load_scenario("baseline").with_changes({"firms_per_agent": 5, "parameter_uncertainty": False})
    EcosystemModel(resolve(scenario), 2).run()
    assert len(seen) == 11
    for rule_holds, surveyed_column, surveyed_sum, outside_column, outside_sum in seen:
        assert rule_holds
        assert surveyed_column == pytest.approx(surveyed_sum, rel=1e-9)
        assert outside_column == pytest.approx(outside_sum, rel=1e-12) and outside_sum > 0
