"""Charts checked through their matplotlib objects: titles, labels, legends, bands, lines, texts, fonts."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from ecosim.api.compare import compare  # noqa: E402
from ecosim.charts import fonts, style  # noqa: E402
from ecosim.charts.fan import fan_chart  # noqa: E402
from ecosim.charts.fonts import INSTALL_HELP, has_cjk_font  # noqa: E402
from ecosim.charts.labels import LABELS, area_name, benchmark_label, source_model, text  # noqa: E402
from ecosim.data import load_region  # noqa: E402

REPLICATIONS = 10
HAN = re.compile(r"[\u4e00-\u9fff]")


needs_cjk = pytest.mark.skipif(not has_cjk_font(), reason=INSTALL_HELP.splitlines()[0] + " (see ecosim.charts.fonts)")


@pytest.fixture(scope="module")
def comparison():
    return compare({"baseline": "baseline", "guiding-opinions": "guiding-opinions"}, REPLICATIONS)


@pytest.fixture(scope="module")
def baseline(comparison):
    return comparison.forecasts["baseline"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _line(ax, gid):
    [line] = [l for l in ax.get_lines() if l.get_gid() == gid]
    return line


def _text(ax, gid):
    [t] = [t for t in ax.texts if t.get_gid() == gid]
    return t.get_text()


def test_fan_chart_titles_labels_legend_bands(baseline):
    fig = baseline.plot("en")
    ax = fig.axes[0]
    en = LABELS["en"]
    assert ax.get_title() == "Shanxi R&D expenditure / GDP: Baseline"
    assert ax.get_xlabel() == en["year"]
    assert ax.get_ylabel() == en["intensity"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(legend) == sorted([en["band90"], en["band50"], en["median"],
                                     "National average, 90% range (target)", "National average, median (target)",
                                     en["history"], "Policy from 2021", "Target year 2024"])
    # the fit to history ends in the base year 2020, the fan's first year: no fitted-years line is drawn or listed
    assert not [line for line in ax.get_lines() if line.get_gid() == "fitted"]
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 3  # two bands and the national band


@pytest.fixture(scope="module")
def from_2015():
    """The baseline run from base year 2015, so that 2015-2020 are fitted (simulated history) years."""
    from ecosim.api.forecast import forecast
    from ecosim.scenario import load_scenario

    return forecast(load_scenario("baseline").with_changes({"base_year": 2015, "policy_start_year": 2021}, name="baseline-2015"), REPLICATIONS)


def test_fan_chart_lines_match_the_table(from_2015):
    baseline = from_2015
    ax = baseline.plot().axes[0]
    years = baseline.years
    # the national target path: median of national_rd_intensity by year, computed here row by row
    expected = [np.median(years.loc[years["year"] == y, "national_rd_intensity"].to_numpy())
                for y in sorted(years["year"].unique())]
    target = _line(ax, "target")
    np.testing.assert_allclose(target.get_ydata(), expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(target.get_xdata(), sorted(years["year"].unique()))
    assert list(_line(ax, "target_year").get_xdata()) == [2024, 2024]
    # median line from the last fitted year (2020) on, the fitted years before in their own line
    expected_median = {y: np.median(years.loc[years["year"] == y, "rd_intensity"]) for y in sorted(years["year"].unique())}
    median, fitted = _line(ax, "median"), _line(ax, "fitted")
    assert list(median.get_xdata()) == list(range(2020, 2031)) and list(fitted.get_xdata()) == list(range(2015, 2021))
    np.testing.assert_allclose(median.get_ydata(), [expected_median[y] for y in range(2020, 2031)], atol=1e-12)
    np.testing.assert_allclose(fitted.get_ydata(), [expected_median[y] for y in range(2015, 2021)], atol=1e-12)
    assert list(_line(ax, "policy_start").get_xdata()) == [2020.5, 2020.5]
    # history points 2011-2020 from the region's history.csv
    region = baseline.scenario.region
    history = pd.read_csv(region.root / "history.csv", comment="#")
    history = history[(history["region"] == region.key) & (history["variable"] == "rd_intensity_first_published")]
    [points] = [l for l in ax.get_lines() if l.get_label() == LABELS["en"]["history"]]
    assert list(points.get_xdata()) == list(range(2011, 2021))
    np.testing.assert_allclose(points.get_ydata(), history.set_index("year").loc[2011:2020, "value"].to_numpy())


def test_fan_chart_probability_text_is_the_share_in_the_table(baseline):
    rows = baseline.years[baseline.years["year"] == 2024]
    share = float((rows["rd_intensity"] >= rows["national_rd_intensity"]).mean())
    assert share == float(rows["target_met"].mean())
    label = _text(baseline.plot().axes[0], "p_met")
    count = int(rows["target_met"].sum())
    assert label.splitlines()[0].startswith("P(target met in 2024) = ")
    assert f"({count} of {REPLICATIONS}; 95% CI " in label.splitlines()[0]
    assert label.splitlines()[1] == f"{REPLICATIONS} replications"


def _texts(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _assert_glyphs(fig):
    for t in _texts(fig):
        path = font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)
        charmap = FT2Font(path).get_charmap()
        missing = [c for c in t.get_text() if not c.isspace() and ord(c) not in charmap]
        assert not missing, f"{t.get_text()!r}: font {path} lacks {missing}"


@needs_cjk
def test_fan_chart_in_chinese_uses_a_font_with_the_glyphs(baseline):
    fig = baseline.plot("zh")
    ax = fig.axes[0]
    for label in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), _text(ax, "p_met"),
                  *[t.get_text() for t in ax.get_legend().get_texts()]):
        assert HAN.search(label), label
    family, path = fonts.cjk_font()
    assert font_manager.findfont(ax.title.get_fontproperties()) == path
    _assert_glyphs(fig)


@needs_cjk
def test_compare_and_cost_charts(comparison):
    assert all(f.probability_met() == 0 for f in comparison.forecasts.values())
    for lang in ("en", "zh"):
        fig = comparison.plot(lang)
        left, right = fig.axes
        # no replication meets the target: a statement stands in place of the probability panel
        assert not right.axison and not right.patches
        assert [t.get_gid() for t in right.texts] == ["no_target_met"]
        target = _line(left, "target").get_xdata()[0]
        first = comparison.forecasts["baseline"].target_year()
        assert target == pytest.approx(np.median(first["national_rd_intensity"]))
        cost = comparison.plot(lang, kind="cost")
        assert all(ax.get_title() for ax in cost.axes)
        if lang == "zh":
            assert HAN.search(fig.axes[0].get_title()) and HAN.search(cost.axes[0].get_xlabel())
            _assert_glyphs(fig)
            _assert_glyphs(cost)
        else:
            assert left.get_title() == "Target-year R&D intensity by policy mix (2024)"
            assert [t.get_text() for t in left.get_yticklabels()] == ["Baseline", "Guiding Opinions"]
            assert right.texts[0].get_text().replace("\n", " ").startswith("P(target met in 2024) for every mix: <1%")


@needs_cjk
def test_save_writes_png_at_300_dpi_and_svg(baseline, tmp_path):
    paths = style.save(baseline.plot("zh"), tmp_path / "charts" / "fan", ("png", "svg"))
    assert [p.name for p in paths] == ["fan.png", "fan.svg"]
    with Image.open(paths[0]) as image:
        assert image.format == "PNG"
        assert tuple(round(v) for v in image.info["dpi"]) == (300, 300)
    svg = paths[1].read_text(encoding="utf-8")
    assert "<svg" in svg
    assert style.save(baseline.plot(), tmp_path / "only.png", formats=("svg",))[0].name == "only.svg"


def test_missing_cjk_font_raises_a_clear_error(monkeypatch):
    fonts.cjk_font.cache_clear()
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    monkeypatch.setattr(fonts, "_register_new_files", lambda: None)
    try:
        with pytest.raises(fonts.CJKFontMissing, match="fonts-wqy-microhei") as error:
            style.rc("zh")
        assert "ecosim[fonts]" in str(error.value)
        style.rc("en")  # English needs no CJK font
    finally:
        fonts.cjk_font.cache_clear()


def test_unknown_language_is_refused(baseline):
    with pytest.raises(ValueError, match="lang must be one of en, zh"):
        fan_chart(baseline, "fr")


def _testland(folder, calibrated: bool = True):
    """A copy of the built-in bundle renamed Testland / 测试省 (code ``testland``), benchmark China."""
    import shutil

    source = load_region()
    shutil.copytree(source.root, folder)
    if not calibrated:
        for name in ("calibration.toml", "calibration_posterior.csv"):
            (folder / name).unlink()
    for name in ("history.csv", "policy.csv"):
        path = folder / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(f"testland,{l[len(source.key) + 1:]}" if l.startswith(f"{source.key},") else l
                                for l in lines), encoding="utf-8")
    meta = folder / "region.toml"
    lines = meta.read_text(encoding="utf-8").splitlines(keepends=True)
    swap = {"id": "testland", "name_en": "Testland", "name_zh": "测试省"}
    for i, line in enumerate(lines):
        if line.startswith("["):  # the region's own keys come before the first table
            break
        key = line.split("=")[0].strip()
        if key in swap:
            lines[i] = f'{key} = "{swap[key]}"\n'
    meta.write_text("".join(lines), encoding="utf-8")
    return load_region(folder)


@pytest.fixture(scope="module")
def testland(tmp_path_factory):
    from ecosim.api.forecast import forecast
    from ecosim.scenario import load_scenario

    region = _testland(tmp_path_factory.mktemp("bundle") / "testland")
    return forecast(load_scenario("baseline", region=region), 4)


def test_labels_of_a_made_up_region_are_its_own(testland):
    region = testland.scenario.region
    assert (region.key, region.name("en"), region.name("zh"), region.benchmark_name("zh")) == \
        ("testland", "Testland", "测试省", "全国")
    assert [area_name(lang, "testland", region) for lang in ("en", "zh")] == ["Testland", "测试省"]
    assert [area_name(lang, "china", region) for lang in ("en", "zh")] == ["China", "全国"]
    assert area_name("en", "elsewhere", region) == "elsewhere" and area_name("en", "testland") == "testland"
    assert [benchmark_label(lang, region) for lang in ("en", "zh")] == ["National average", "全国平均"]
    assert source_model("en", region) == "ecosim model of Testland's innovation ecosystem"
    assert source_model("zh", region) == "测试省创新生态系统ecosim模型"
    assert source_model("en") == "ecosim model of a regional innovation ecosystem"
    assert text("zh", "fan_title", region=region.name("zh"), scenario="基准情景") == "测试省研发经费投入强度：基准情景"
    assert text("zh", "national", benchmark=benchmark_label("zh", region)) == "全国平均水平90%区间（目标）"


def test_the_fan_chart_names_the_region_of_the_result(testland):
    fig = testland.plot("en")
    ax = fig.axes[0]
    assert ax.get_title() == "Testland R&D expenditure / GDP: Baseline"
    [footer] = [t.get_text().replace("\n", " ") for t in fig.texts if t.get_gid() == "footer"]  # lines may break
    assert footer.startswith("Source: ecosim model of Testland's innovation ecosystem, version ")
    shown = " ".join(t.get_text() for t in fig.findobj(Text))
    assert load_region().name("en") not in shown


@pytest.mark.filterwarnings("ignore::UserWarning")  # the bundle without a calibration of its own
def test_the_brief_names_the_region_its_record_years_and_its_calibration(testland, tmp_path):
    from ecosim.analysis.compare import Comparison
    from ecosim.api.forecast import forecast
    from ecosim.outputs.report import _lines, region_fields
    from ecosim.scenario import load_scenario

    builtin = load_region()
    comparison = Comparison({"baseline": testland}, testland.seed)
    en, zh = _lines(comparison, "en"), _lines(comparison, "zh")
    assert en["title"] == ["Brief: does Testland reach its R&D-intensity target?"]
    assert zh["title"] == ["简报：测试省能否实现研发投入强度目标？"]
    assert en["question"] == ["Does Testland's R&D expenditure / GDP reach the national average in 2024?"]
    assert zh["question"] == ["测试省研发经费占地区生产总值比重能否在2024年达到全国平均水平？"]
    assert en["caveats"][0] == "It is calibrated to Testland's 2011-2020 record only; no outcome after 2020 is used."
    assert zh["caveats"][0] == "模型仅以测试省2011-2020年的记录数据校准，未使用2020年以后的任何结果数据。"
    assert "as wide as Testland's recorded year-to-year swings" in en["caveats"][2]
    assert en["caveats"][3].startswith("The national average intensity after 2020 is a random walk with the drift "
                                       "and spread of 2010-2020;")
    assert zh["caveats"][3].startswith("2020年以后的全国平均强度为随机游走（漂移和波动取自2010-2020年）")
    for lines, name in ((en, builtin.name("en")), (zh, builtin.name("zh"))):
        assert not any(name in line for section in lines.values() for line in section)
    # a bundle without its own calibration says whose record the calibration in use was fitted to
    borrowed = _testland(tmp_path / "uncalibrated", calibrated=False)
    assert not borrowed.has_own_calibration
    fields = region_fields(load_scenario("baseline", region=borrowed), "en")
    assert (fields["region"], fields["calibrated"]) == ("Testland", builtin.name("en"))
    run = forecast(load_scenario("baseline", region=borrowed), 2)
    caveat = _lines(Comparison({"baseline": run}, run.seed), "en")["caveats"][0]
    assert caveat == (f"It is calibrated to {builtin.name('en')}'s 2011-2020 record only (Testland has no calibration "
                      "of its own); no outcome after 2020 is used.")
