"""Every remaining chart family (backtest, calibration fit, PRIM trajectory, optimiser frontier,
sensitivity) in English and Chinese: printed at 156 mm, no text under 9 pt, the footer line with
source, version and date, and every Chinese glyph in the font used."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import ecosim  # noqa: E402
from ecosim.api.backtest import backtest  # noqa: E402
from ecosim.analysis.design import DesignResult  # noqa: E402
from ecosim.analysis.discovery import prim  # noqa: E402
from ecosim.charts import sensitivity as sensitivity_charts  # noqa: E402
from ecosim.charts.calibration import fit_chart  # noqa: E402
from ecosim.charts.fonts import has_cjk_font  # noqa: E402

needs_cjk = pytest.mark.skipif(not has_cjk_font(), reason="no CJK font")
FAMILIES = ["backtest", "fit", "prim", "frontier", "sobol", "morris", "delta", "s2", "over_time"]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def backtest_result():
    actuals = pd.DataFrame([{"region": "shanxi", "year": y, "variable": "rd_expenditure", "value": 250.0 + 20 * y % 7,
                             "unit": "100m_yuan", "source": "test"} for y in (2021, 2022)])
    return backtest(actuals, replications=3, seed=5)


def _fit() -> pd.DataFrame:
    return pd.DataFrame({"target": ["rd_expenditure_2016", "share_enterprises_2018", "hte_recognised_2020"],
                         "year": [2016, 2018, 2020], "data": [130.0, 0.75, 3000.0],
                         "model_median": [128.0, 0.77, 2900.0], "model_q05": [120.0, 0.7, 2600.0],
                         "model_q95": [140.0, 0.8, 3200.0], "tolerance": [10.0, 0.05, 300.0]})


def _prim():
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.random((400, 3)), columns=["levers.rd_reward_rate", "levers.platforms", "a"])
    return prim(x, ((x.iloc[:, 0] > 0.5) & (x.iloc[:, 1] < 0.6)).to_numpy())


def _design() -> DesignResult:
    evaluations = pd.DataFrame({"x": [0.1, 0.2, 0.3, 0.4], "cost": [10.0, 20.0, 30.0, 40.0],
                                "probability": [0.1, 0.3, 0.55, 0.7]})
    return DesignResult(["x"], 0.5, None, evaluations, {"x": 0.3}, 30.0, 0.55)


def _indices() -> pd.DataFrame:
    factors = ["levers.rd_reward_rate", "assumptions.rd_catch_up_rate"]
    rows = []
    for method, indices in (("sobol", ("S1", "ST")), ("delta", ("S1", "delta")), ("morris", ("mu_star", "sigma"))):
        for i, factor in enumerate(factors):
            for index in indices:
                rows.append((method, "rd_intensity", None, factor, index, 0.3 + 0.2 * i, 0.2, 0.6))
    rows.append(("sobol", "rd_intensity", None, ":".join(factors), "S2", 0.05, 0.0, 0.1))
    for year in (2021, 2022):
        for factor in factors:
            rows.append(("sobol", "rd_intensity", year, factor, "ST", 0.4, 0.3, 0.5))
    table = pd.DataFrame(rows, columns=["method", "output", "year", "factor", "index", "value", "conf_low",
                                        "conf_high"])
    table["year"] = table["year"].astype("Int64")
    return table


def _draw(family: str, lang: str, backtest_result):
    indices = _indices()
    footer = {"source": "ecosim batch test", "scenario": "baseline", "seed": 3, "replications": 2}
    draw = {
        "backtest": lambda: backtest_result.plot("shanxi", "rd_expenditure", lang),
        "fit": lambda: fit_chart(_fit(), lang=lang, seed=3, replications=2),
        "prim": lambda: _prim().plot(lang, scenario="baseline", seed=3, replications=2),
        "frontier": lambda: _design().plot(lang, scenario="baseline"),
        "sobol": lambda: sensitivity_charts.sobol_bars(indices, "rd_intensity", lang, footer),
        "morris": lambda: sensitivity_charts.morris_plane(indices, "rd_intensity", lang, footer),
        "delta": lambda: sensitivity_charts.delta_bars(indices, "rd_intensity", lang, footer),
        "s2": lambda: sensitivity_charts.s2_heatmap(indices, "rd_intensity", lang, footer),
        "over_time": lambda: sensitivity_charts.index_over_time(indices, "rd_intensity", lang=lang, footer=footer),
    }
    return draw[family]()


def _texts(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("family", FAMILIES)
def test_print_size_9pt_text_and_footer(family, backtest_result):
    fig = _draw(family, "en", backtest_result)
    assert fig.get_figwidth() * 25.4 == pytest.approx(156.0)
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < 9]
    assert not small
    [footer] = [t.get_text() for t in _texts(fig) if t.get_gid() == "footer"]
    assert f"version {ecosim.__version__}" in footer and "Source:" in footer
    if family != "frontier":
        assert "seed" in footer


@needs_cjk
@pytest.mark.parametrize("family", FAMILIES)
def test_chinese_labels_with_every_glyph(family, backtest_result):
    english = {t.get_text() for t in _texts(_draw(family, "en", backtest_result))}
    fig = _draw(family, "zh", backtest_result)
    assert any("\u4e00" <= c <= "\u9fff" for c in fig.axes[0].get_title())
    assert any("\u4e00" <= c <= "\u9fff" for ax in fig.axes for c in ax.get_xlabel() + ax.get_ylabel())
    texts = _texts(fig)
    [footer] = [t.get_text() for t in texts if t.get_gid() == "footer"]
    assert "资料来源" in footer
    for t in texts:
        path = font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)
        charmap = FT2Font(path).get_charmap()
        missing = [c for c in t.get_text() if not c.isspace() and ord(c) not in charmap]
        assert not missing, f"{t.get_text()!r} lacks {missing}"
    # no English word of the catalogue left in the axis titles
    assert fig.axes[0].get_title() not in english
