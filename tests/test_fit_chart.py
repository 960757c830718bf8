"""The calibration fit chart as small multiples: one panel per target family, years along x, the data
(with its tolerance) against the model median and 90% band, in the data's units; a shared legend
outside the panels; nothing overlapping at the printed size, in English and Chinese."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from ecosim.charts.calibration import fit_chart, target_family  # noqa: E402
from ecosim.charts.fonts import has_cjk_font  # noqa: E402

needs_cjk = pytest.mark.skipif(not has_cjk_font(), reason="no CJK font")
FIT_CSV = Path(__file__).resolve().parents[1] / "docs" / "calibration" / "fit.csv"
CJK = ("\u4e00", "\u9fff")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _synthetic() -> pd.DataFrame:
    """Two families, rows out of year order: R&D expenditure 2015, 2013, 2014 (100m yuan) and the
    government-funded share 2018, 2016 (shares, shown in percent)."""
    rows = [
        # target, year, data, median, q05, q95, tolerance
        ("rd_expenditure_2015", 2015, 150.0, 148.0, 140.0, 155.0, 7.5),
        ("rd_expenditure_2013", 2013, 130.0, 126.0, 120.0, 133.0, 6.5),
        ("share_government_funded_2018", 2018, 0.15, 0.16, 0.14, 0.18, 0.02),
        ("rd_expenditure_2014", 2014, 140.0, 141.0, 135.0, 146.0, 7.0),
        ("share_government_funded_2016", 2016, 0.125, 0.13, 0.12, 0.145, 0.02),
    ]
    return pd.DataFrame(rows, columns=["target", "year", "data", "model_median", "model_q05", "model_q95",
                                       "tolerance"])


# what the synthetic table must show, worked out by hand (years sorted; shares x 100)
EXPECTED = {
    "R&D expenditure": {"years": [2013, 2014, 2015], "data": [130.0, 140.0, 150.0], "median": [126.0, 141.0, 148.0],
                        "q05": [120.0, 135.0, 140.0], "q95": [133.0, 146.0, 155.0], "tolerance": [6.5, 7.0, 7.5],
                        "unit": "100m yuan"},
    "Government-funded share of R&D": {"years": [2016, 2018], "data": [12.5, 15.0], "median": [13.0, 16.0],
                                       "q05": [12.0, 14.0], "q95": [14.5, 18.0], "tolerance": [2.0, 2.0],
                                       "unit": "%"},
}


def _panels(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def _title(ax, lang="en") -> str:
    """A panel's title on one line (it may be broken to fit its panel)."""
    return ax.get_title().replace("\n", " " if lang == "en" else "")


def _panel(fig, title):
    [ax] = [ax for ax in _panels(fig) if _title(ax) == title]
    return ax


def _by_gid(ax, gid, kind=None):
    return [a for a in ax.get_children() if a.get_gid() == gid and (kind is None or isinstance(a, kind))]


def _has_cjk(s: str) -> bool:
    return any(CJK[0] <= c <= CJK[1] for c in s)


def test_target_family_drops_the_trailing_year_only():
    assert target_family("rd_expenditure_2016") == "rd_expenditure"
    assert target_family("share_enterprises_funded_2020") == "share_enterprises_funded"
    assert target_family("tech_contracts_bought") == "tech_contracts_bought"
    assert target_family("rd_2020_total") == "rd_2020_total"


def test_one_visible_panel_per_family_titled_with_its_name_and_unit():
    fig = fit_chart(_synthetic())
    panels = _panels(fig)
    assert len(panels) == 2
    assert [_title(ax) for ax in panels] == list(EXPECTED)  # in the order the families first appear
    for title, expected in EXPECTED.items():
        assert _panel(fig, title).get_ylabel() == expected["unit"]
    assert fig._suptitle.get_text() == "Calibration fit, 2013-2018 (first-published basis)"


def test_unused_cells_of_the_grid_are_hidden():
    fit = pd.concat([_synthetic(), pd.DataFrame({
        "target": ["hte_recognised_2019", "tech_contracts_bought_2014", "industrial_firms_doing_rd_2012"],
        "year": [2019, 2014, 2012], "data": [900.0, 200.0, 224.0], "model_median": [300.0, 130.0, 196.0],
        "model_q05": [290.0, 120.0, 191.0], "model_q95": [330.0, 140.0, 199.0], "tolerance": [225.0, 60.0, 33.6]})])
    fig = fit_chart(fit)
    assert len(_panels(fig)) == 5  # five families on a 2 x 3 grid: one cell hidden
    assert len(fig.axes) == 6
    assert [_title(ax) for ax in _panels(fig)] == [*EXPECTED, "HTE recognitions", "Technology contracts bought",
                                                    "Industrial firms doing R&D"]


def test_data_points_are_the_sorted_years_and_the_data_in_display_units():
    fig = fit_chart(_synthetic())
    for title, expected in EXPECTED.items():
        [points] = _by_gid(_panel(fig, title), "data")
        assert list(points.get_xdata()) == expected["years"]
        np.testing.assert_allclose(points.get_ydata(), expected["data"])
        assert points.get_linestyle() == "None"  # markers only
        assert points.get_marker() not in (None, "", "None")


def test_tolerance_bars_run_from_data_minus_to_data_plus_tolerance():
    fig = fit_chart(_synthetic())
    for title, expected in EXPECTED.items():
        bars = [a for a in _by_gid(_panel(fig, title), "tolerance") if hasattr(a, "get_segments")]
        [segments] = [a.get_segments() for a in bars]
        got = sorted((float(s[0, 0]), float(s[:, 1].min()), float(s[:, 1].max())) for s in segments)
        want = [(y, d - t, d + t) for y, d, t in zip(expected["years"], expected["data"], expected["tolerance"])]
        np.testing.assert_allclose(got, want)


def test_model_median_line_and_its_band_span_q05_to_q95_at_every_year():
    fig = fit_chart(_synthetic())
    for title, expected in EXPECTED.items():
        ax = _panel(fig, title)
        medians = _by_gid(ax, "model_median")
        xs = np.concatenate([m.get_xdata() for m in medians])
        ys = np.concatenate([m.get_ydata() for m in medians])
        assert list(xs) == expected["years"]
        np.testing.assert_allclose(ys, expected["median"])
        vertices = np.concatenate([p.vertices for band in _by_gid(ax, "model_band") for p in band.get_paths()])
        for year, low, high in zip(expected["years"], expected["q05"], expected["q95"]):
            at = vertices[np.abs(vertices[:, 0] - year) <= 0.5, 1]
            assert at.min() == pytest.approx(low) and at.max() == pytest.approx(high)
        assert vertices[:, 1].min() == pytest.approx(min(expected["q05"]))
        assert vertices[:, 1].max() == pytest.approx(max(expected["q95"]))


def test_model_is_not_drawn_across_years_without_a_target():
    # 2016 and 2018 have no 2017 between them: two runs of one year, each with a band of its own
    fig = fit_chart(_synthetic())
    ax = _panel(fig, "Government-funded share of R&D")
    assert sorted(list(m.get_xdata()) for m in _by_gid(ax, "model_median")) == [[2016], [2018]]
    bands = _by_gid(ax, "model_band")
    assert len(bands) == 2
    for band in bands:
        x = band.get_paths()[0].vertices[:, 0]
        assert x.max() - x.min() > 0.3  # a lone year's band has a visible width


def test_single_year_family_is_drawn():
    fit = _synthetic().query("target == 'rd_expenditure_2014'")
    fig = fit_chart(fit)
    [ax] = _panels(fig)
    assert _title(ax) == "R&D expenditure"
    [points] = _by_gid(ax, "data")
    assert list(points.get_xdata()) == [2014]
    assert list(ax.get_xticks()) == [2014]
    [band] = _by_gid(ax, "model_band")
    vertices = band.get_paths()[0].vertices
    assert vertices[:, 1].min() == pytest.approx(135.0) and vertices[:, 1].max() == pytest.approx(146.0)
    assert ax.get_xlim()[0] < 2014 - 0.3 and ax.get_xlim()[1] > 2014 + 0.3


def test_year_ticks_are_whole_years_inside_the_data_span():
    fig = fit_chart(pd.read_csv(FIT_CSV))
    for ax in _panels(fig):
        ticks = ax.get_xticks()
        assert np.all(ticks == np.round(ticks))
        assert ticks.min() >= 2012 and ticks.max() <= 2020
        assert all(label.get_text() == str(int(t)) for t, label in zip(ticks, ax.get_xticklabels()))


def test_one_shared_legend_with_the_four_entries_outside_the_panels():
    fig = fit_chart(_synthetic())
    assert all(ax.get_legend() is None for ax in fig.axes)
    [legend] = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["data", "tolerance", "model median", "model 90% band"]
    fig.canvas.draw()
    box = legend.get_window_extent()
    for ax in _panels(fig):
        assert not box.overlaps(ax.get_tightbbox())


def test_real_fit_table_one_panel_per_family():
    fig = fit_chart(pd.read_csv(FIT_CSV), seed=2020)
    assert [_title(ax) for ax in _panels(fig)] == [
        "R&D expenditure", "Enterprise share of R&D", "Institutes' share of R&D", "Universities' share of R&D",
        "Government-funded share of R&D", "Enterprise-funded share of R&D",
        "Industry's share of enterprise R&D (a check, not fitted)", "Industrial firms doing R&D",
        "HTE recognitions", "HTE stock (valid certificates)", "Technology contracts bought"]
    [points] = _by_gid(_panel(fig, "Industry's share of enterprise R&D (a check, not fitted)"), "data")
    np.testing.assert_allclose(points.get_ydata(), [100 * 138.1 / 156.7, 100 * 156.2 / 176.2])  # SX19, SX20
    [points] = _by_gid(_panel(fig, "Technology contracts bought"), "data")
    assert list(points.get_xdata()) == list(range(2012, 2021))  # the table has 2015, 2020, 2012, ...
    np.testing.assert_allclose(points.get_ydata(), [111.26, 99.01, 207.68, 97.2, 234.08, 249.32, 251.05, 444.67,
                                                    332.3])
    [points] = _by_gid(_panel(fig, "Institutes' share of R&D"), "data")
    assert list(points.get_xdata()) == [2016, 2017, 2019, 2020]
    np.testing.assert_allclose(points.get_ydata(), [11.689291, 8.839406, 8.629707, 6.537186], rtol=1e-6)


@needs_cjk
def test_chinese_titles_legend_and_units():
    fig = fit_chart(_synthetic(), lang="zh")
    titles = [_title(ax, "zh") for ax in _panels(fig)]
    assert titles == ["研发经费", "政府资金占研发经费比重"]
    assert all(_has_cjk(t) for t in titles)
    assert [ax.get_ylabel() for ax in _panels(fig)] == ["亿元", "%"]
    assert _has_cjk(fig._suptitle.get_text()) and "2013-2018" in fig._suptitle.get_text()
    [legend] = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["数据", "容差", "模型中位数", "模型90%区间"]


@needs_cjk
def test_every_family_of_the_real_table_has_a_chinese_title():
    fig = fit_chart(pd.read_csv(FIT_CSV), lang="zh")
    titles = [_title(ax, "zh") for ax in _panels(fig)]
    assert len(titles) == 11 and all(_has_cjk(t) for t in titles)
    assert "企业资金占研发经费比重" in titles


def _visible_texts(fig):
    return [t for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and (t.axes is None or t.axes.get_visible())]


@pytest.mark.parametrize("lang", ["en", pytest.param("zh", marks=needs_cjk)])
def test_nothing_overlaps_at_print_size(lang):
    fig = fit_chart(pd.read_csv(FIT_CSV), lang=lang, seed=2020, replications=3)
    assert fig.get_figwidth() * 25.4 == pytest.approx(156.0)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    panels = _panels(fig)
    for ax in panels:
        for labels in (ax.get_yticklabels(), ax.get_xticklabels()):
            boxes = [t.get_window_extent(renderer) for t in labels if t.get_visible() and t.get_text()]
            assert len(boxes) >= 2
            for a, b in combinations(boxes, 2):
                assert not a.overlaps(b), f"{_title(ax)}: tick labels overlap"
    # panels (with their titles and labels) apart from each other, from the legend and the footer
    [legend] = fig.legends
    [footer] = [t for t in fig.texts if t.get_gid() == "footer"]
    boxes = {f"panel {_title(ax, lang)}": ax.get_tightbbox(renderer) for ax in panels}
    boxes["legend"] = legend.get_window_extent(renderer)
    boxes["footer"] = footer.get_window_extent(renderer)
    boxes["title"] = fig._suptitle.get_window_extent(renderer)
    for (name_a, a), (name_b, b) in combinations(boxes.items(), 2):
        assert not a.overlaps(b), f"{name_a} overlaps {name_b}"
    # every text inside the page
    page = fig.bbox
    for t in _visible_texts(fig):
        box = t.get_window_extent(renderer)
        assert box.x0 >= page.x0 - 0.5 and box.x1 <= page.x1 + 0.5, f"{t.get_text()!r} leaves the page"
        assert box.y0 >= page.y0 - 0.5 and box.y1 <= page.y1 + 0.5, f"{t.get_text()!r} leaves the page"


@pytest.mark.parametrize("n", [1, 2, 4, 7, 12])
def test_any_number_of_families_fits_the_page(n):
    families = [f"family_{i}" for i in range(n)]
    rows = [(f"{f}_{y}", y, 10.0 + i + y % 3, 10.5 + i, 9.0 + i, 12.0 + i, 1.0)
            for i, f in enumerate(families) for y in range(2014, 2014 + 1 + i % 4)]
    fit = pd.DataFrame(rows, columns=["target", "year", "data", "model_median", "model_q05", "model_q95",
                                      "tolerance"])
    fig = fit_chart(fit)
    assert len(_panels(fig)) == n
    assert [_title(ax) for ax in _panels(fig)] == [f"Family {i}" for i in range(n)]
    assert 60 <= fig.get_figheight() * 25.4 <= 225  # within a GB/T 9704 text block
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in _panels(fig)] + [fig.legends[0].get_window_extent(renderer)]
    for a, b in combinations(boxes, 2):
        assert not a.overlaps(b)


def test_footer_names_the_calibration_seed_and_replications():
    fig = fit_chart(_synthetic(), seed=7, replications=3)
    [footer] = [t.get_text() for t in fig.texts if t.get_gid() == "footer"]
    flat = footer.replace("\n", " ")
    assert "Source: ecosim calibration against the first-published statistics" in flat
    assert "seed 7" in flat and "3 replications" in flat


def test_empty_fit_table_still_draws():
    fit = _synthetic().iloc[0:0]
    fig = fit_chart(fit)
    assert len(fig.axes) == 1
    assert fig._suptitle.get_text().startswith("Calibration fit")
