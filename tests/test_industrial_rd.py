"""Above-scale industry's R&D (``industrial_rd``), the part of enterprise R&D the bulletins report on
its own (SX20: 156.2 of 176.2 (100m yuan) in 2020; SX19: 138.1 of 156.7 in 2019), and its share as
a check beside the calibration's fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecosim.analysis.calibration import distances, fit_table, history_targets
from ecosim.data import load_region
from ecosim.model import EcosystemModel, simulate
from ecosim.model.enterprises import INDUSTRIAL
from ecosim.scenario import load_scenario


def _scenario(base_year: int, horizon: int, firms_per_agent: int = 1):
    return load_scenario("baseline").with_changes({
        "base_year": base_year, "horizon": horizon, "target": {"year": horizon},
        "parameter_uncertainty": False, "firms_per_agent": firms_per_agent})


def test_the_2020_base_year_holds_the_recorded_split_of_enterprise_rd():
    first = simulate(_scenario(2020, 2021), 1).iloc[0]
    assert first["rd_by_enterprises"] == pytest.approx(176.2, rel=1e-9)
    assert first["industrial_rd"] / first["rd_by_enterprises"] == pytest.approx(156.2 / 176.2, abs=0.01)


@pytest.mark.parametrize("base_year", [2011, 2016])
def test_earlier_base_years_hold_the_interpolated_split(base_year):
    """Before 2019 the split is the record's ratios interpolated (2012's capped, see BaseRecord)."""
    share = load_region().base_record(base_year).industrial_rd_share
    first = simulate(_scenario(base_year, base_year + 1), 1).iloc[0]
    assert first["industrial_rd"] / first["rd_by_enterprises"] == pytest.approx(share, abs=0.01)


def test_industrial_rd_is_the_industrial_firms_rd_in_every_year_and_at_a_coarse_scale(monkeypatch):
    """The column is the sum of the above-scale industrial agents' R&D (m yuan) when the year is
    recorded, times the firms each agent stands for, in 100m yuan; never more than all enterprises'."""
    seen = []
    record = EcosystemModel._record

    def checked(model, t, year):
        row = record(model, t, year)
        firms = model.enterprises
        industrial = firms.alive & (firms.segment == INDUSTRIAL)
        seen.append((row["industrial_rd"], 5 * firms.rd[industrial].sum() / 100.0, row["rd_by_enterprises"]))
        return row

    monkeypatch.setattr(EcosystemModel, "_record", checked)
    simulate(_scenario(2020, 2024, firms_per_agent=5), 2)
    assert len(seen) == 5
    for column, summed, enterprises in seen:
        assert column == pytest.approx(summed, rel=1e-12)
        assert 0 < column < enterprises


def test_industrys_share_is_a_check_beside_the_fit_not_part_of_its_distance():
    """The record's shares (SX19: 138.1 of 156.7; SX20: 156.2 of 176.2) are targets marked as checks;
    the distance of a set of moments is the same with or without them, however far off they are."""
    targets = history_targets(load_region())
    checks = {t.name: t for t in targets if not t.fitted}
    assert set(checks) == {"share_industrial_2019", "share_industrial_2020"}
    assert checks["share_industrial_2019"].value == pytest.approx(138.1 / 156.7)
    assert checks["share_industrial_2020"].value == pytest.approx(156.2 / 176.2)
    fitted = [t for t in targets if t.fitted]
    moments = np.array([[t.value + t.scale for t in targets]])       # every fitted target one tolerance off
    moments[0, [i for i, t in enumerate(targets) if not t.fitted]] = 0.0  # the checks far off
    assert distances(moments, targets)[0] == pytest.approx(1.0)
    assert distances(np.array([[t.value + t.scale for t in fitted]]), fitted)[0] == pytest.approx(1.0)
    years = sorted({t.year for t in targets})
    run = pd.DataFrame({"year": years, **{c: np.ones(len(years)) for c in _columns(targets)}})
    table = fit_table(targets, [run])
    assert table.set_index("target").loc["share_industrial_2020", "fitted"] == False  # noqa: E712


def _columns(targets) -> set[str]:
    """The yearly-table columns the targets read."""
    return {part for t in targets for part in t.column.split("/")}
