"""The common trend in industrial firms' participation in R&D (issue 25): the nation's share of
above-scale industrial firms doing R&D (YBF: 11.5% in 2011, 13.7% in 2012, 28.0% in 2018) enters as
its change in log-odds since the base year, held after the last year a run knows, and moves
industrial firms' latent R&D index by ``participation_national_weight`` latent units per unit.

Expected values are worked out by hand from the published shares and the rule, not read off a run.
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

from ecosim.data import load_region, regions_root
from ecosim.model.enterprises import INDUSTRIAL, SERVICES, Enterprises
from ecosim.model.inputs import participation_trend, resolve
from ecosim.scenario import load_scenario


def _logit(percent: float) -> float:
    p = percent / 100.0
    return math.log(p / (1.0 - p))


def test_the_trend_is_the_change_in_log_odds_since_the_base_year_held_after_the_known_record():
    region = load_region()
    years = np.arange(2011, 2016)
    trend = participation_trend(region, years, base_year=2011, known=2013)
    expected = [0.0, _logit(13.7) - _logit(11.5), _logit(14.8) - _logit(11.5),
                _logit(14.8) - _logit(11.5), _logit(14.8) - _logit(11.5)]  # 2014, 2015: 2013's share held
    np.testing.assert_allclose(trend, expected, rtol=0, atol=1e-12)


def test_a_forecast_from_the_last_record_has_no_further_trend():
    inputs = resolve(load_scenario("baseline").with_changes({"parameter_uncertainty": False}))
    assert inputs.years[0] == 2020
    np.testing.assert_array_equal(inputs.participation_trend, np.zeros(inputs.years.size))


def test_the_calibration_window_carries_the_nations_rise():
    scenario = load_scenario("baseline").with_changes({"base_year": 2011, "parameter_uncertainty": False,
                                                       "policy_start_year": 2021})
    inputs = resolve(scenario.until(2020).with_changes({"history_until": 2020}))
    assert inputs.participation_trend[list(inputs.years).index(2018)] == pytest.approx(_logit(28.0) - _logit(11.5))
    assert inputs.participation_trend[-1] == pytest.approx(_logit(36.7) - _logit(11.5))


def test_a_bundle_without_the_national_share_has_no_trend(tmp_path):
    root = tmp_path / "bundle"
    shutil.copytree(regions_root() / "shanxi", root)
    history = root / "history.csv"
    lines = history.read_text(encoding="utf-8").splitlines()
    history.write_text("\n".join(l for l in lines if "share_industrial_firms_with_rd" not in l) + "\n",
                       encoding="utf-8")
    region = load_region(root)
    assert participation_trend(region, np.arange(2011, 2016), 2011, 2020) is None


def _firms(segments: list[int], propensity: list[float], rd: list[float]) -> Enterprises:
    firms = Enterprises(capacity=len(segments), region=load_region())
    firms.alive[:] = True
    firms.year = 2018
    firms.segment[:] = segments
    firms.propensity[:] = propensity
    firms.rd[:] = rd
    return firms


def test_the_trend_moves_industrial_firms_index_by_weight_times_the_change_and_marks_those_it_draws_in():
    """With no shock (u = 0.5), no cost change and no persistence (rd = 0), a firm does R&D when its
    propensity plus weight x trend is above 0. Weight 0.5, trend 0.9: the shift is 0.45, so an
    industrial firm at -0.4 is drawn in, one at -0.5 is not, one at +0.1 does R&D on its own (not marked);
    a services firm at -0.4 gets no shift."""
    a = load_scenario("baseline").region.defaults() | {"participation_national_weight": 0.5}
    firms = _firms([INDUSTRIAL, INDUSTRIAL, INDUSTRIAL, SERVICES], [-0.4, -0.5, 0.1, -0.4], [0, 0, 0, 0])
    doing = firms._participate(a, np.zeros(4), 0.9, np.full(4, 0.5))
    np.testing.assert_array_equal(doing, [True, False, True, False])
    np.testing.assert_array_equal(firms.drawn_in, [True, False, False, False])


def test_the_mark_stays_when_the_trend_no_longer_carries_the_firm():
    """A firm drawn in keeps aiming at the low-tail ratio (``full_coverage_intensity_ratio``) even in a
    year it would not be carried: the mark records how it started."""
    a = load_scenario("baseline").region.defaults() | {"participation_national_weight": 0.5}
    firms = _firms([INDUSTRIAL, INDUSTRIAL], [-0.4, -0.6], [0, 0])
    firms._participate(a, np.zeros(2), 0.9, np.full(2, 0.5))
    np.testing.assert_array_equal(firms.drawn_in, [True, False])
    doing = firms._participate(a, np.zeros(2), 0.0, np.full(2, 0.5))
    np.testing.assert_array_equal(doing, [False, False])
    np.testing.assert_array_equal(firms.drawn_in, [True, False])


def _history_counts(weight: float | None, seeds=range(4)) -> dict[int, float]:
    """Median count of industrial firms doing R&D by year in the 2011-2019 history run (recorded
    policy, GDP and coal price) at the shipped calibration, or at ``weight``."""
    import pandas as pd

    from ecosim.model import simulate

    scenario = load_scenario("baseline").with_changes({"base_year": 2011, "parameter_uncertainty": False,
                                                       "policy_start_year": 2021})
    inputs = resolve(scenario.until(2019).with_changes({"history_until": 2019}),
                     None if weight is None else {"participation_national_weight": weight})
    runs = pd.concat([simulate(inputs, seed) for seed in seeds])
    return runs.groupby("year")["industrial_firms_doing_rd"].median().to_dict()


def test_without_the_trend_the_count_stays_at_its_steady_state_until_the_2020_campaign():
    """No campaign in the record before 2020 (policy_history.csv): at weight 0 the base year's count is
    the participation rule's steady state, so it drifts only with the user cost (the 2018
    super-deduction rise): within 10% of 2011's through 2017."""
    counts = _history_counts(0.0)
    assert all(abs(counts[y] / counts[2011] - 1.0) < 0.10 for y in range(2012, 2018)), counts


def test_with_the_shipped_weight_the_count_follows_the_nation_as_the_record_did():
    """The record: 224 of 3,905 industrial firms in 2012 (5.7%) and 530 in 2019 (13.6%), a log-odds rise
    of 0.95 against the nation's 1.19 (13.7% to 34.2%): 0.80 of the nation's pace. The model's rise
    2012-2019 on the same fixed count of firms must be within 0.5-1.1 of the nation's."""
    counts = _history_counts(None)
    rise = _logit(100 * counts[2019] / 3905) - _logit(100 * counts[2012] / 3905)
    pace = rise / (_logit(34.2) - _logit(13.7))
    assert 0.5 < pace < 1.1, (pace, counts)
