"""Intervals print at a precision that shows them: an interval whose ends differ never reads as a point."""

from __future__ import annotations

from ecosim.analysis.intervals import Interval, distinct_digits, format_difference


def test_an_interval_whose_ends_differ_gets_the_decimals_to_show_it():
    # the planner's case: intensity +0.109 pp with a paired interval 0.106-0.112 (percent of GDP)
    text = format_difference(Interval(0.109, 0.106, 0.112, 0.95), unit="pp", scale=1.0, digits=2)
    assert text == "+0.109 pp (95% CI +0.106 to +0.112)"
    # the brief's case: +0.04 to +0.04 at two decimals becomes three
    assert format_difference(Interval(0.041, 0.0402, 0.0448, 0.95), scale=1.0, digits=2) == \
        "+0.041 pp (95% CI +0.040 to +0.045)"


def test_wide_intervals_and_true_points_keep_the_asked_decimals():
    assert format_difference(Interval(0.03, -0.02, 0.08, 0.95)) == "+3 pp (95% CI -2 to +8)"
    assert format_difference(Interval(0.0, 0.0, 0.0, 0.95)) == "+0 pp (95% CI +0 to +0)"
    assert distinct_digits(1.0, 1.0, 2) == 2
    # ends that differ only beyond four more decimals are printed as asked
    assert distinct_digits(0.1, 0.1 + 1e-9, 0) == 0
    assert distinct_digits(0.1, 0.1002, 0) == 4


def test_chinese_shares_carry_their_verb_so_the_sentence_reads():
    from ecosim.analysis.intervals import format_share
    from ecosim.charts.labels import text

    assert format_share(0, 200, "zh") == "不足1%（200次中0次；95%置信区间0-2%）"
    assert format_share(200, 200, "zh") == "超过99%（200次中200次；95%置信区间98-100%）"
    assert format_share(78, 200, "zh").startswith("为39%（200次中78次")
    assert text("zh", "p_met", year=2024, p=format_share(0, 200, "zh")).startswith("2024年达标概率不足1%（")
    assert format_share(0, 200) == "<1% (0 of 200; 95% CI 0-2%)"  # English keeps "= <1%"'s symbol
