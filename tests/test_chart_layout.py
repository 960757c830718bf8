"""Layout of every chart family at its printed size, in English and Chinese: no text leaves the figure,
no panel is drawn empty, legends list only what is drawn, the cost chart's labels sit beside their
markers and its gain per cost is in a unit within the costs drawn; the HTML brief's stylesheet is CSS.

(The contribution chart is checked with its own module.)"""

from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from ecosim.api.compare import compare  # noqa: E402
from ecosim.charts import sensitivity  # noqa: E402
from ecosim.charts.backtest import backtest_chart  # noqa: E402
from ecosim.charts.calibration import fit_chart  # noqa: E402
from ecosim.charts.design import frontier, peeling_trajectory  # noqa: E402
from ecosim.charts.fonts import INSTALL_HELP, has_cjk_font  # noqa: E402
from ecosim.scenario import load_scenario  # noqa: E402

REPLICATIONS = 10
PIXEL = 1.0
"""Slack, in pixels, for a text touching the figure's edge."""
FIT_CSV = Path(__file__).resolve().parents[1] / "docs" / "calibration" / "fit.csv"
needs_cjk = pytest.mark.skipif(not has_cjk_font(), reason=INSTALL_HELP.splitlines()[0] + " (see ecosim.charts.fonts)")
LANGS = ["en", pytest.param("zh", marks=needs_cjk)]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def comparison():
    """Two mixes against the region's benchmark: no replication meets it (every P(target met) is 0)."""
    return compare({"baseline": "baseline", "guiding-opinions": "guiding-opinions"}, REPLICATIONS)


@pytest.fixture(scope="module")
def reachable():
    """The same two mixes against a fixed target of 1.3% that some replications meet."""
    target = {"target": {"value": 1.3}}
    return compare({"baseline": load_scenario("baseline").with_changes(target),
                    "guiding-opinions": load_scenario("guiding-opinions").with_changes(target)}, REPLICATIONS)


@pytest.fixture(scope="module")
def from_2015():
    """The baseline run from base year 2015, so that 2015-2020 are fitted years."""
    from ecosim.api.forecast import forecast

    scenario = load_scenario("baseline").with_changes({"base_year": 2015, "policy_start_year": 2021},
                                                      name="baseline-2015")
    return forecast(scenario, REPLICATIONS)


@pytest.fixture(scope="module")
def backtested():
    """A backtest against one replication of the model itself (2021-2023), four replications."""
    from ecosim.api.backtest import backtest
    from ecosim.api.forecast import forecast

    scenario = load_scenario("actual-2021-2024").with_changes(horizon=2023, target={"year": 2023})
    run = forecast(scenario, 1, 20210511).years
    rows = [{"region": region, "year": year, "variable": variable, "unit": "u", "source": "synthetic",
             "value": float(run.loc[run["year"] == year, column].iloc[0])}
            for region, variable, column in (("shanxi", "rd_expenditure", "rd_expenditure"),
                                             ("china", "rd_intensity_first_published", "national_rd_intensity"))
            for year in (2021, 2022, 2023)]
    return backtest(pd.DataFrame(rows), "actual-2021-2024", replications=4, seed=20210511)


FACTORS = ["levers.rd_super_deduction_rate_manufacturing", "levers.transfer_demonstration_projects",
           "levers.guidance_fund_capital", "assumptions.tech_credit_default_margin_sensitivity",
           "assumptions.rd_user_cost_elasticity", "assumptions.institution_productivity_dispersion"]
"""Factors with long display names."""
OUTPUTS = ["rd_intensity", "social_cost"]
"""The output of the title that was cut ("R&D / GDP in the target year") and the one with the longest name."""


def _sensitivity_table() -> pd.DataFrame:
    """A tidy sensitivity table (the columns of :func:`ecosim.api.sensitivity.sensitivity`) with
    Sobol S1, ST and S2, Morris mu* and sigma, delta, and ST by year, made up for the layout."""
    rng = np.random.default_rng(5)
    rows = []

    def add(method, output, factor, index, value, year=None):
        rows.append({"method": method, "output": output, "year": year, "factor": factor, "index": index,
                     "value": value, "conf_low": value * 0.8 - 0.01, "conf_high": value * 1.2 + 0.01})

    for output in OUTPUTS:
        for factor in FACTORS:
            first = float(rng.uniform(0, 0.4))
            add("sobol", output, factor, "S1", first)
            add("sobol", output, factor, "ST", first + float(rng.uniform(0, 0.2)))
            add("delta", output, factor, "S1", first)
            add("delta", output, factor, "delta", float(rng.uniform(0, 0.3)))
            add("morris", output, factor, "mu_star", float(rng.uniform(0, 1)))
            add("morris", output, factor, "sigma", float(rng.uniform(0, 1)))
            for year in range(2021, 2025):
                add("sobol", output, factor, "ST", float(rng.uniform(0, 0.5)), float(year))
        for a, b in combinations(FACTORS, 2):
            add("sobol", output, f"{a}:{b}", "S2", float(rng.uniform(0, 0.05)))
    return pd.DataFrame(rows)


def _drawn_texts(fig) -> list[tuple[Text, Bbox]]:
    """Every non-empty text the figure draws (titles, labels, tick labels, legends, annotations), with
    its bounding box as drawn."""
    drawn = []
    original = Text.draw

    def record(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, self.get_window_extent(renderer)))

    Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    return drawn


def _assert_texts_inside(fig) -> None:
    """No drawn text reaches outside the figure (by more than a pixel)."""
    page = fig.bbox
    outside = [f"{t.get_text()!r} at x {box.x0:.0f}-{box.x1:.0f}, y {box.y0:.0f}-{box.y1:.0f}"
               for t, box in _drawn_texts(fig)
               if box.x0 < page.x0 - PIXEL or box.x1 > page.x1 + PIXEL
               or box.y0 < page.y0 - PIXEL or box.y1 > page.y1 + PIXEL]
    assert not outside, f"texts outside the {page.width:.0f} x {page.height:.0f} px figure: {outside}"


def _shows_data(ax) -> bool:
    """Whether ``ax`` draws lines, collections, images or patches of some size."""
    sized = [patch for patch in ax.patches if patch.get_window_extent().width * patch.get_window_extent().height > 0]
    return bool(ax.lines or ax.collections or ax.images or sized)


def _assert_no_empty_panel(fig) -> None:
    """Every visible axes draws something: data (lines, patches, collections or images), or, with its
    axis turned off, a statement."""
    fig.canvas.draw()
    empty = [ax.get_title() or repr(ax) for ax in fig.axes if ax.get_visible()
             and not (_shows_data(ax) if ax.axison else any(t.get_text().strip() for t in ax.texts))]
    assert not empty, f"empty panels: {empty}"


def _drawn(artist) -> bool:
    """Whether a legend's artist shows anything: a line with two points (or a marker), a collection
    with a non-empty path, a patch."""
    if isinstance(artist, Line2D):
        n = len(np.atleast_1d(artist.get_xdata()))
        return n >= 2 or (n == 1 and artist.get_marker() not in (None, "None", "none", ""))
    if isinstance(artist, Collection):
        return any(len(path.vertices) for path in artist.get_paths())
    return True


def _assert_legends_list_only_what_is_drawn(fig) -> None:
    """Every entry of an axes' legend names an artist that is drawn."""
    for ax in fig.axes:
        if ax.get_legend() is None:
            continue
        handles, labels = ax.get_legend_handles_labels()
        shown = [t.get_text() for t in ax.get_legend().get_texts()]
        undrawn = [label for handle, label in zip(handles, labels) if label in shown and not _drawn(handle)]
        assert not undrawn, f"legend entries with nothing drawn: {undrawn}"


def _assert_axis_labels_fit_their_axes(fig) -> None:
    """No axis label is longer than its axis (a longer one reaches past the panel, and off the page
    for a short panel)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in (ax for ax in fig.axes if ax.get_visible()):
        frame = ax.get_window_extent(renderer)
        for label, length, extent in ((ax.xaxis.label, frame.width, "width"), (ax.yaxis.label, frame.height, "height")):
            if label.get_text().strip():
                size = getattr(label.get_window_extent(renderer), extent)
                assert size <= length + PIXEL, f"{label.get_text()!r} is {size:.0f} px along an axis of {length:.0f} px"


def _assert_layout(fig) -> None:
    _assert_texts_inside(fig)
    _assert_axis_labels_fit_their_axes(fig)
    _assert_no_empty_panel(fig)
    _assert_legends_list_only_what_is_drawn(fig)


@pytest.mark.parametrize("lang", LANGS)
def test_fan_chart_layout(comparison, from_2015, lang):
    # guiding-opinions: the S&T budget cuts the mix, so the chart also says what it funded
    for result in (comparison.forecasts["baseline"], comparison.forecasts["guiding-opinions"], from_2015):
        _assert_layout(result.plot(lang))


def test_fan_chart_legend_names_fitted_years_only_when_drawn(comparison, from_2015):
    def legend(result):
        return [t.get_text() for t in result.plot("en").axes[0].get_legend().get_texts()]

    assert not any(label.startswith("Model, fitted years") for label in legend(comparison.forecasts["baseline"]))
    assert "Model, fitted years (to 2020)" in legend(from_2015)


@pytest.mark.parametrize("lang", LANGS)
def test_compare_chart_layout(comparison, reachable, lang):
    for case in (comparison, reachable):
        _assert_layout(case.plot(lang, "compare"))


@pytest.mark.parametrize("lang", LANGS)
def test_compare_chart_states_a_zero_probability_instead_of_an_empty_panel(comparison, reachable, lang):
    assert all(f.probability_met() == 0 for f in comparison.forecasts.values())
    fig = comparison.plot(lang, "compare")
    distributions, statement = fig.axes
    assert _shows_data(distributions) and not statement.axison
    assert not (statement.lines or statement.patches or statement.collections or statement.images)
    [words] = [t.get_text().replace("\n", " " if lang == "en" else "") for t in statement.texts
               if t.get_gid() == "no_target_met"]
    expected = {"en": "P(target met in 2024) for every mix: <1% (0 of 10; 95% CI 0-",
                "zh": "各政策组合2024年达标概率均不足1%（10次中0次；95%置信区间0-"}[lang]
    assert words.startswith(expected)
    assert not any(t.get_gid() == "no_target_met" for ax in reachable.plot(lang, "compare").axes for t in ax.texts)


@pytest.mark.parametrize("lang", LANGS)
def test_compare_chart_puts_the_difference_under_its_bar_inside_the_panel(reachable, lang):
    fig = reachable.plot(lang, "compare")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    probability = fig.axes[1]
    assert [t.get_text() for t in probability.get_yticklabels()] == \
        [t.get_text() for t in fig.axes[0].get_yticklabels()]  # the mixes' names only
    frame = probability.get_window_extent(renderer)
    [difference] = [t for t in probability.texts if t.get_gid() == "difference"]
    assert difference.get_text().startswith({"en": "vs first: +", "zh": "与首项之差：+"}[lang])
    box = difference.get_window_extent(renderer)
    assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
    bars = [p.get_window_extent(renderer) for p in probability.patches]
    assert not any(box.overlaps(bar) for bar in bars)


@pytest.mark.parametrize("lang", LANGS)
def test_cost_chart_layout(comparison, reachable, lang):
    for case in (comparison, reachable):
        _assert_layout(case.plot(lang, "cost"))


def _marker_boxes(ax, renderer) -> list[Bbox]:
    """The display box of each scatter marker of ``ax``."""
    boxes = []
    for points in ax.collections:
        radius = np.sqrt(points.get_sizes()) / 2 * ax.figure.dpi / 72  # sizes are areas in points squared
        centres = points.get_offset_transform().transform(points.get_offsets())
        for (x, y), r in zip(centres, np.broadcast_to(radius, len(centres))):
            boxes.append(Bbox.from_extents(x - r, y - r, x + r, y + r))
    return boxes


@pytest.mark.parametrize("lang", LANGS)
def test_cost_chart_labels_sit_beside_their_markers(comparison, lang):
    fig = comparison.plot(lang, "cost")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    scatter = fig.axes[0]
    labels = [t for t in scatter.texts if t.get_text().strip()]
    assert len(labels) == len(comparison.forecasts)
    boxes = [t.get_window_extent(renderer) for t in labels]
    markers = _marker_boxes(scatter, renderer)
    for label, box in zip(labels, boxes):
        for marker in markers:
            assert not box.overlaps(marker), f"{label.get_text()!r} lies on a marker"
    for a, b in combinations(boxes, 2):
        assert not a.overlaps(b), "two labels overlap"


def test_cost_chart_gain_per_cost_is_in_a_unit_within_the_costs_drawn(comparison):
    table = comparison.table()
    fig = comparison.plot("en", "cost")
    efficiency = fig.axes[1]
    [bar] = [p for p in efficiency.patches]
    per_100m = float(table["points_per_100m"].iloc[1])
    unit = bar.get_width() / per_100m  # the unit of cost of the bar, in 100m yuan
    assert unit <= table["extra_cost_vs_first"].max()
    assert unit == pytest.approx(10.0 ** np.floor(np.log10(unit)))  # a power of ten
    assert "100bn" not in efficiency.get_xlabel() and "100bn" not in efficiency.get_title()


@pytest.mark.parametrize("lang", LANGS)
def test_sensitivity_charts_layout(lang):
    table = _sensitivity_table()
    charts = [(sensitivity.sobol_bars, OUTPUTS[0]), (sensitivity.s2_heatmap, OUTPUTS[0])]
    charts += [(draw, OUTPUTS[1]) for draw in (sensitivity.sobol_bars, sensitivity.delta_bars, sensitivity.morris_plane,
                                               sensitivity.s2_heatmap, sensitivity.index_over_time)]
    for draw, output in charts:
        _assert_layout(draw(table, output, lang=lang))


@pytest.mark.parametrize("lang", LANGS)
def test_design_charts_layout(lang):
    from ecosim.analysis.design import least_cost
    from ecosim.analysis.discovery import prim

    rng = np.random.default_rng(42)
    x = pd.DataFrame(rng.random((600, 4)), columns=list("abcd"))
    y = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    _assert_layout(peeling_trajectory(prim(x, y).trajectory_table(), lang=lang))

    def toy(v):
        return float(v.sum()), float(min(1.0, v @ [0.3, 0.2]))

    result = least_cost(toy, ["x", "y"], [(0, 3), (0, 3)], 0.8, seed=1, maxiter=5, popsize=5)
    _assert_layout(frontier(result.frontier(), 0.8, result.best_cost, lang=lang))


@pytest.mark.parametrize("lang", LANGS)
def test_backtest_chart_layout(backtested, lang):
    for (region, variable), _ in backtested.table.groupby(["region", "variable"]):
        _assert_layout(backtest_chart(backtested, region, variable, lang))


@pytest.mark.parametrize("lang", LANGS)
def test_calibration_fit_chart_layout(lang):
    _assert_layout(fit_chart(pd.read_csv(FIT_CSV), lang=lang, seed=2020, replications=3))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_brief_stylesheet_is_css(comparison, lang):
    from ecosim.outputs.report import _html, _lines

    page = _html(_lines(comparison, lang), [], lang)
    [stylesheet] = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert "{{" not in stylesheet and "}}" not in stylesheet
    assert re.search(r"(^|\})\s*img\{width:156mm;max-width:100%\}", stylesheet)
