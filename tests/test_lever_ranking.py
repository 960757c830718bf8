"""The lever ranking's statistics on hand-built paired tables whose answers are known, its chart at the
printed size, and SALib's delta notices named by lever (no model runs: the shipped ranking is
``benchmarks/lever_ranking.py``, docs/lever-ranking.md)."""

from __future__ import annotations

import math
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ecosim.analysis.ranking import (COST_COLUMN, GAP_COLUMN, bootstrap, convergence, funded_share,  # noqa: E402
                                     gain_per_10bn, lever_statistics, mean_changes, paired_changes,
                                     range_funded, ranked, resample_weights, tiers)
from ecosim.analysis.sensitivity import DeltaNotices  # noqa: E402
from ecosim.api.sensitivity import sensitivity  # noqa: E402
from ecosim.charts import style  # noqa: E402
from ecosim.charts.fonts import has_cjk_font  # noqa: E402
from ecosim.charts.ranking import chart_order, ranking_chart  # noqa: E402
from ecosim.explore.sensitivity import Settings  # noqa: E402
from ecosim.levers import LEVERS  # noqa: E402


def runs_from_changes(changes: dict[str, tuple[list[float], list[float]]]) -> pd.DataFrame:
    """A runs table whose paired changes are ``changes`` (lever -> (gap changes pp, cost changes 100m
    yuan) per replication): the low end at a gap of -1 pp and a cost of 100, the high end moved by the change."""
    rows = []
    for lever, (gaps, costs) in changes.items():
        for r, (gap, cost) in enumerate(zip(gaps, costs)):
            rows.append({"lever": lever, "end": "low", "replication": r, GAP_COLUMN: -1.0, COST_COLUMN: 100.0})
            rows.append({"lever": lever, "end": "high", "replication": r, GAP_COLUMN: -1.0 + gap,
                         COST_COLUMN: 100.0 + cost})
    return pd.DataFrame(rows)


def changes_table(changes: dict[str, tuple[list[float], list[float]]]) -> pd.DataFrame:
    return paired_changes(runs_from_changes(changes))


# --- paired changes ----------------------------------------------------------------------------------


def test_paired_changes_are_high_minus_low_per_replication():
    runs = pd.DataFrame({
        "lever": ["a"] * 4 + ["b"] * 4,
        "end": ["low", "high", "low", "high"] * 2,
        "replication": [0, 0, 1, 1] * 2,
        GAP_COLUMN: [-1.5, -1.2, -1.0, -0.9, -1.5, -1.6, -1.0, -1.0],
        COST_COLUMN: [10.0, 30.0, 12.0, 20.0, 10.0, 5.0, 12.0, 12.0],
    })
    changes = paired_changes(runs)
    assert list(changes["lever"]) == ["a", "a", "b", "b"]
    np.testing.assert_allclose(changes["gap_change_pp"], [0.3, 0.1, -0.1, 0.0], atol=1e-12)
    np.testing.assert_allclose(changes["cost_change_100m_yuan"], [20.0, 8.0, -5.0, 0.0])


def test_a_replication_without_both_ends_is_refused():
    runs = runs_from_changes({"a": ([0.1, 0.2], [1.0, 1.0])})
    with pytest.raises(ValueError, match="lever a replication 1"):
        paired_changes(runs.drop(index=runs.index[-1]))


def test_mean_changes_of_any_column():
    runs = runs_from_changes({"a": ([0.1, 0.3], [10.0, 30.0]), "b": ([0.0, 0.0], [-4.0, -6.0])})
    means = mean_changes(runs, [GAP_COLUMN, COST_COLUMN])
    assert list(means.index) == ["a", "b"]
    np.testing.assert_allclose(means[GAP_COLUMN], [0.2, 0.0], atol=1e-12)
    np.testing.assert_allclose(means[COST_COLUMN], [20.0, -5.0])


# --- statistics ----------------------------------------------------------------------------------------


def test_gain_is_per_10bn_yuan():
    # 0.1 pp for 100 (100m yuan) = 10bn yuan: 0.1 pp per 10bn yuan; zero cost has no ratio
    np.testing.assert_allclose(gain_per_10bn([0.1, 0.3], [100.0, 50.0]), [0.1, 0.6])
    assert math.isnan(gain_per_10bn(0.1, 0.0))


def test_resample_weights_draw_every_replication_count_times_in_total():
    weights = resample_weights(7, 50, seed=3)
    assert weights.shape == (50, 7)
    np.testing.assert_array_equal(weights.sum(axis=1), 7)
    np.testing.assert_array_equal(weights, resample_weights(7, 50, seed=3))
    assert not np.array_equal(weights, resample_weights(7, 50, seed=4))


def test_a_constant_change_has_a_zero_width_interval():
    changes = changes_table({"steady": ([0.12] * 10, [40.0] * 10),
                             "noisy": ([0.0, 0.2] * 5, [30.0, 50.0] * 5)})
    table = lever_statistics(changes, bootstrap(changes, 500, seed=1)).set_index("lever")
    steady, noisy = table.loc["steady"], table.loc["noisy"]
    assert steady["gap_low"] == pytest.approx(0.12) and steady["gap_high"] == pytest.approx(0.12)
    assert steady["cost_low"] == pytest.approx(40.0) and steady["cost_high"] == pytest.approx(40.0)
    assert steady["gain_per_10bn_pp"] == pytest.approx(0.3)  # 0.12 pp / 0.4 x 10bn yuan
    assert steady["gain_low"] == pytest.approx(0.3) and steady["gain_high"] == pytest.approx(0.3)
    assert noisy["gap_low"] < 0.1 < noisy["gap_high"]  # the mean, 0.1, inside a positive-width interval
    assert noisy["gap_high"] - noisy["gap_low"] > 0.02


def test_gain_is_the_ratio_of_means_not_the_mean_of_ratios():
    # gap changes 1 and 3 pp for costs of 100 and 10,000 (100m yuan): ratio of means 2 / 50.5 per 100m
    # yuan = 3.96 pp per 10bn yuan; the mean of the per-replication ratios would be 50.5
    changes = changes_table({"a": ([1.0, 3.0], [100.0, 10_000.0])})
    row = lever_statistics(changes, bootstrap(changes, 200, seed=0)).iloc[0]
    assert row["gap_change_pp"] == pytest.approx(2.0)
    assert row["cost_change_100m_yuan"] == pytest.approx(5050.0)
    assert row["gain_per_10bn_pp"] == pytest.approx(100 * 2.0 / 5050.0)


def test_a_lever_without_a_cost_change_is_flagged_and_not_ranked_by_gain():
    changes = changes_table({
        "costly": ([0.2] * 6, [100.0] * 6),
        "free": ([0.05] * 6, [0.0] * 6),                        # no cost change at all
        "either_way": ([0.05] * 6, [-1.0, 1.0] * 3),            # cost change straddles zero
        "rounding": ([0.05] * 6, [1e-9] * 6),                   # a change of 0.1 yuan: rounding, not a cost
    })
    table = ranked(changes, 400, seed=2).set_index("lever")
    assert table.loc["costly", "cost_distinct"]
    for name in ("free", "either_way", "rounding"):
        row = table.loc[name]
        assert not row["cost_distinct"]
        assert math.isnan(row["gain_per_10bn_pp"]) and math.isnan(row["gain_low"])
        assert pd.isna(row["gain_rank"]) and pd.isna(row["gain_tier"])
        assert not pd.isna(row["gap_rank"])  # still ranked by its effect on the gap
    assert table.loc["costly", "gain_rank"] == 1


# --- tiers -------------------------------------------------------------------------------------------------


def draws(**columns: list[float]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_clearly_separated_levers_are_in_tiers_of_their_own():
    resampled = draws(a=[3.0] * 20, b=[2.0] * 20, c=[1.0] * 20)
    estimates = pd.Series({"c": 1.0, "a": 3.0, "b": 2.0})
    result = tiers(estimates, resampled)
    assert list(result.index) == ["a", "b", "c"]
    assert list(result) == [1, 2, 3]


def test_an_order_held_in_fewer_than_95_percent_of_resamples_shares_a_tier():
    # b above c in 18 of 20 resamples (90%): one tier; d below both in every resample: a tier of its own
    resampled = draws(b=[2.0] * 20, c=[1.9] * 18 + [2.1] * 2, d=[0.0] * 20)
    result = tiers(pd.Series({"b": 2.0, "c": 1.92, "d": 0.0}), resampled)
    assert result.to_dict() == {"b": 1, "c": 1, "d": 2}
    # held in 19 of 20 (95%): separated
    resampled = draws(b=[2.0] * 20, c=[1.9] * 19 + [2.1], d=[0.0] * 20)
    assert tiers(pd.Series({"b": 2.0, "c": 1.91, "d": 0.0}), resampled).to_dict() == {"b": 1, "c": 2, "d": 3}


def test_a_boundary_needs_every_pair_across_it_separated():
    # a is above c in every resample, but b overlaps both: no boundary can be drawn, one tier
    resampled = draws(a=[3.0, 2.0] * 10, b=[3.5, 0.5] * 10, c=[2.0, 1.0] * 10)
    assert (resampled["a"] > resampled["c"]).all()
    result = tiers(pd.Series({"a": 2.5, "b": 2.0, "c": 1.5}), resampled)
    assert set(result) == {1}


def test_gap_ranking_orders_by_size_and_gain_ranking_by_signed_gain():
    changes = changes_table({
        "big_loss": ([-0.5] * 8, [-10.0] * 8),       # lowers the gap most; saves money: gain +5 per 10bn
        "medium": ([0.3, 0.31] * 4, [100.0] * 8),    # gain about 0.3 per 10bn
        "backfires": ([-0.1] * 8, [50.0] * 8),       # costs more and widens the gap: gain -0.2 per 10bn
    })
    table = ranked(changes, 300, seed=5).set_index("lever")
    assert table["gap_rank"].to_dict() == {"big_loss": 1, "medium": 2, "backfires": 3}
    assert table["gain_rank"].to_dict() == {"big_loss": 1, "medium": 2, "backfires": 3}
    assert table.loc["backfires", "gain_per_10bn_pp"] == pytest.approx(-0.2)
    assert list(table["gap_tier"]) == [1, 2, 3]


# --- convergence -------------------------------------------------------------------------------------------


def test_separated_precise_levers_converge():
    rng = np.random.default_rng(0)
    n = 40
    changes = changes_table({name: (list(level + 0.001 * rng.standard_normal(n)), list(cost + rng.standard_normal(n)))
                             for name, level, cost in (("a", 0.3, 100.0), ("b", 0.2, 100.0), ("c", 0.1, 200.0))})
    verdict = convergence(changes, top=3, max_relative_half_width=0.1, resamples=400, seed=1)
    assert verdict["converged"], verdict["reason"]
    assert verdict["replications"] == n and verdict["half"] == n // 2
    assert verdict["gap"]["top"] == ["a", "b", "c"] and verdict["gap"]["tiers"] == {"a": 1, "b": 2, "c": 3}
    assert verdict["gain"]["top"] == ["a", "b", "c"]


def test_an_order_that_only_the_second_half_shows_is_not_converged():
    # the first half cannot tell a from b (identical changes); the second half separates them
    n = 20
    changes = changes_table({"a": ([0.2] * (n // 2) + [0.4] * (n // 2), [100.0] * n),
                             "b": ([0.2] * n, [100.0] * n)})
    verdict = convergence(changes, top=2, max_relative_half_width=1.0, resamples=400, seed=1)
    assert verdict["gap"]["tiers"] == {"a": 1, "b": 2}
    assert verdict["gap"]["tiers_half"] == {"a": 1, "b": 1}
    assert not verdict["gap"]["stable"] and not verdict["converged"]
    assert "a, b" in verdict["reason"] or "b" in verdict["reason"]


def test_a_wide_interval_is_not_converged():
    n = 20
    changes = changes_table({"a": ([0.0, 0.4] * (n // 2), [100.0] * n), "b": ([0.05] * n, [100.0] * n)})
    verdict = convergence(changes, top=2, max_relative_half_width=0.1, resamples=400, seed=1)
    assert not verdict["gap"]["narrow"] and verdict["gap"]["widest_lever"] == "a"
    assert not verdict["converged"] and "half-width" in verdict["reason"]


# --- the budget column -------------------------------------------------------------------------------------


def test_funded_share_is_the_tightest_year():
    assert funded_share(np.array([3.0, 10.0]), np.array([6.0, 5.0])) == pytest.approx(0.5)
    assert funded_share(np.array([3.0, 10.0]), np.array([0.0, 0.0])) == 1.0
    assert funded_share(np.array([-1.0, 10.0]), np.array([2.0, 5.0])) == 0.0


def test_range_funded_counts_from_the_low_end():
    # half of the increase from 5 to 20 is funded: the top is 12.5, i.e. 62.5% of the range 0-20
    assert range_funded(0.5, low=0.0, base=5.0, high=20.0) == pytest.approx(0.625)
    assert range_funded(1.0, low=0.0, base=5.0, high=20.0) == pytest.approx(1.0)
    assert range_funded(0.0, low=0.0, base=5.0, high=20.0) == pytest.approx(0.25)
    assert range_funded(0.0, low=0.1, base=0.15, high=0.15) == 1.0  # nothing above the base-year value


# --- the chart -------------------------------------------------------------------------------------------------


@pytest.fixture
def table() -> pd.DataFrame:
    levers = list(LEVERS)[:6]
    rng = np.random.default_rng(4)
    changes = changes_table({name: (list(0.02 * (i + 1) + 0.002 * rng.standard_normal(12)),
                                    list((0.0 if i == 0 else 50.0 * (6 - i)) + 0.0 * rng.standard_normal(12)))
                             for i, name in enumerate(levers)})
    return ranked(changes, 300, seed=1)


LANGS = ["en", pytest.param("zh", marks=pytest.mark.skipif(not has_cjk_font(), reason="no CJK font"))]


def drawn_texts(fig) -> list:
    """Every non-empty text the figure draws, with its box as drawn (tick labels beyond the axis limits
    exist but are not drawn)."""
    drawn, original = [], matplotlib.text.Text.draw

    def record(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, self.get_window_extent(renderer)))

    matplotlib.text.Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        matplotlib.text.Text.draw = original
    return drawn


@pytest.mark.parametrize("lang", LANGS)
def test_chart_is_print_ready(table, lang):
    fig = ranking_chart(table, lang, converged=False, footer={"scenario": "fifteenth-plan", "seed": 1,
                                                              "replications": 12})
    try:
        assert fig.get_figwidth() == pytest.approx(style.TEXT_WIDTH_MM * style.MM)
        page = fig.bbox
        texts = drawn_texts(fig)
        assert len(texts) > 15
        for t, box in texts:
            assert box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1, t.get_text()
            assert box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1, t.get_text()
            assert t.get_fontsize() >= style.MIN_FONT_PT, t.get_text()
        gain_ax, gap_ax = fig.axes
        assert len(gain_ax.get_yticklabels()) == 6
        boxes = {t: box for t, box in texts}
        assert not boxes[gain_ax.title].overlaps(boxes[gap_ax.title])  # the two panel titles side by side
        assert any(t.get_gid() == "not_converged" for t, _ in texts)
    finally:
        plt.close(fig)


def test_chart_puts_the_best_gain_on_top_and_the_costless_lever_last(table):
    order = chart_order(table)  # bottom row first
    free = list(LEVERS)[0]
    assert order.iloc[0]["lever"] == free  # no cost change: not ranked, drawn last
    ranked_rows = order.dropna(subset=["gain_rank"])
    assert list(ranked_rows["gain_rank"]) == sorted(ranked_rows["gain_rank"], reverse=True)


# --- SALib's delta notices, named by lever ----------------------------------------------------------------------


def test_delta_notices_are_named_by_factor():
    log = DeltaNotices()
    log.add(["[x1][balanced] Bin Merge Notice: Final no. bins is 4. Min samples per bin: 10",
             "[x0] Potential Bias Notice: Raw delta score differs from balanced delta by 0.22. Potential dataset "
             "bias, take care in interpretation.",
             "[x1] something else"], ["levers.a", "levers.b"], 40)
    assert log.merged == {"levers.b": {40}}
    assert log.bias == {"levers.a": [0.22]}
    assert log.other == {"[levers.b] something else": 1}
    text = "\n".join(log.lines())
    assert "expected" in text and "levers.a (up to 0.22, 1 of 1 analyses)" in text
    assert not re.search(r"\bx\d\b", text)


def test_delta_analysis_names_no_placeholder_and_keeps_warning_settings(tmp_path, capsys):
    factors = ["rd_super_deduction_rate", "rd_reward_rate", "tech_contract_reward_rate"]
    lines = ['name = "notices"', 'scenario = "baseline"', "replications = 2", "seed = 3"]
    for name in factors:
        lines += [f'[factors."levers.{name}"]', 'distribution = "uniform"']
    lines += ["[design]", 'method = "lhs"', "points = 40"]
    path = tmp_path / "experiment.toml"
    path.write_text("\n".join(lines) + "\n")

    def model(frame: pd.DataFrame) -> dict:
        rng = np.random.default_rng(frame["seed"].to_numpy())
        noise = rng.standard_normal(len(frame))
        return {"y": frame["levers.rd_reward_rate"].to_numpy() * 10 + noise}

    format_before = warnings.formatwarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filters = list(warnings.filters)
        table = sensitivity(path, tmp_path / "out", "delta", model=model, settings=Settings(num_resamples=20),
                            charts=False)
        assert list(warnings.filters) == filters  # SALib's "once" filter did not reach the process
    out, err = capsys.readouterr()
    messages = out + err + "\n".join(str(w.message) for w in caught)
    assert not re.search(r"\[x\d+\]|\bx\d+\b", messages), messages
    notices = table.attrs["summary"]["methods"]["delta"]["salib_notices"]
    assert notices and all(line in err for line in notices)
    assert any("expected" in line for line in notices)  # 40 points: every factor's bins merged
    assert len(notices) <= 3
    assert warnings.formatwarning is format_before
