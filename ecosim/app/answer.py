"""The answer the page shows for a mix: P(target met) with its Wilson interval, the target-year median and
90% band, the first year met, the gap, the paired difference from the reference, the cost by kind and the
levers changed, in the page's language. The numbers are the forecast's own (``Forecast.summary``,
``Comparison.differences``, ``scenario_cost``), only worded here."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

import numpy as np

from ecosim.analysis.compare import Comparison
from ecosim.analysis.contribution import changed_levers
from ecosim.analysis.costs import MEASURES, cost_window, scenario_cost
from ecosim.analysis.forecast import Forecast
from ecosim.analysis.intervals import format_difference, format_share
from ecosim.app.labels import page_text
from ecosim.app.levers import written_text
from ecosim.charts.labels import lever_name, scenario_name, text

CHART_DPI = 110
"""Resolution of the fan chart on the page: its printed 156 mm width is about 680 pixels."""

_drawing = threading.Lock()
"""Charts are drawn one at a time: the house style sets matplotlib's global settings while it draws."""


@dataclass(frozen=True)
class Answer:
    """The worded answer for one mix, ready to show."""

    probability: str
    median: str
    first_year: str
    gap: str
    difference: str
    cost_title: str
    cost_rows: tuple[tuple[str, str, str, str], ...]
    """(kind, this mix, the reference, change) for each cost measure, 100m yuan."""
    changed_title: str
    changed: tuple[str, ...]


def answer(mix: Forecast, reference: Forecast, lang: str) -> Answer:
    """The answer for ``mix``, with its differences from ``reference`` (run on the same seed and replications)."""
    s = mix.summary()
    scenario = mix.scenario
    year = s["target_year"]
    region = scenario.region.name(lang)
    own, gap = s["rd_intensity"], mix.gap_to_target()
    first = s["first_year_met"]
    return Answer(
        probability=text(lang, "p_met", year=year, p=format_share(s["target_met_count"], s["replications"], lang)),
        median=page_text(lang, "median_band", region=region, year=year, **own),
        first_year=(page_text(lang, "first_year", year=first) if first
                    else page_text(lang, "first_year_none", horizon=scenario.horizon)),
        gap=page_text(lang, "gap", year=year, **gap),
        difference=difference_text(mix, reference, lang),
        cost_title=page_text(lang, "costs", window=cost_window(scenario).label),
        cost_rows=cost_rows(mix, reference, lang),
        changed_title=page_text(lang, "changed" if changed_levers(scenario) else "changed_none",
                                base_year=scenario.base_year),
        changed=changed_lines(mix, lang),
    )


def difference_text(mix: Forecast, reference: Forecast, lang: str) -> str:
    """P(target met) and mean target-year intensity of ``mix`` minus ``reference``, paired replication by
    replication (:meth:`Comparison.differences`), or a note that the two are the same mix."""
    name = scenario_name(lang, reference.scenario.name)
    if same_outcomes(mix, reference):
        return page_text(lang, "same_as_reference", reference=name)
    comparison = Comparison({"reference": reference, "mix": mix}, mix.seed)
    p_diff, x_diff = comparison.differences("mix")
    unit = page_text(lang, "pp")
    return page_text(lang, "difference", reference=name, n=mix.replications, seed=mix.seed,
                     year=mix.scenario.target.year,
                     p_diff=format_difference(p_diff, unit, 100.0, 0, lang),
                     x_diff=format_difference(x_diff, unit, 1.0, 2, lang))


def same_outcomes(mix: Forecast, reference: Forecast) -> bool:
    """Whether the two forecasts have the same target-year outcome in every replication (the same mix)."""
    a, b = mix.target_year(), reference.target_year()
    return len(a) == len(b) and np.array_equal(a["rd_intensity"].to_numpy(), b["rd_intensity"].to_numpy()) \
        and np.array_equal(a["target_met"].to_numpy(), b["target_met"].to_numpy())


def cost_rows(mix: Forecast, reference: Forecast, lang: str) -> tuple[tuple[str, str, str, str], ...]:
    """Each cost measure over the mix's cost window: the mix's median, the reference's and the change."""
    window = cost_window(mix.scenario)
    own, other = scenario_cost(mix.years, window), scenario_cost(reference.years, window)
    rows = []
    for measure in MEASURES:
        key = f"{measure}_cost_median"
        rows.append((page_text(lang, f"cost_{measure}"), f"{own[key]:.1f}", f"{other[key]:.1f}",
                     f"{own[key] - other[key]:+.1f}"))
    return tuple(rows)


def cost_header(reference: Forecast, lang: str) -> tuple[str, str, str, str]:
    """The header of the cost table."""
    return (page_text(lang, "cost_kind"), page_text(lang, "cost_mix"),
            page_text(lang, "cost_reference", reference=scenario_name(lang, reference.scenario.name)),
            page_text(lang, "cost_change"))


def changed_lines(mix: Forecast, lang: str) -> tuple[str, ...]:
    """Each lever whose path differs from holding its base-year value (:func:`ecosim.changed_levers`):
    its base-year value and what the mix writes from the policy start."""
    scenario = mix.scenario
    return tuple(page_text(lang, "changed_item", lever=lever_name(lang, name), base_year=scenario.base_year,
                           base=scenario.region.lever_value(name, scenario.base_year),
                           value=written_text(scenario, name), start=scenario.policy_start_year)
                 for name in changed_levers(scenario))


def fan_png(result: Forecast, lang: str) -> bytes:
    """The forecast's fan chart in the house style of ``ecosim plot`` (:meth:`Forecast.plot`) as PNG."""
    import matplotlib.pyplot as plt

    with _drawing:
        fig = result.plot(lang=lang)
        try:
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=CHART_DPI)
        finally:
            plt.close(fig)
    return buffer.getvalue()
