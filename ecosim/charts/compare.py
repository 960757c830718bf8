"""Policy mixes side by side: target-year intensity distributions, and P(target met) with its
Wilson interval and each mix's paired difference from the first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import benchmark_label, scenario_name, text

if TYPE_CHECKING:
    from ecosim.analysis.compare import Comparison


def _target(comparison: "Comparison", lang: str) -> tuple[float, str]:
    first = comparison.forecasts[comparison.baseline]
    if first.scenario.target.value == "national_average":
        return (float(np.median(first.target_year()["national_rd_intensity"])),
                text(lang, "national_median", benchmark=benchmark_label(lang, first.scenario.region)))
    value = float(first.scenario.target.value)
    return value, text(lang, "target_value", value=value)


def _tick_labels(comparison: "Comparison", lang: str) -> list[str]:
    """Each mix's name; below it (not for the first) its difference in P(target met) from the first."""
    from ecosim.analysis.intervals import format_difference

    labels = []
    for name in comparison.forecasts:
        label = scenario_name(lang, name)
        if name != comparison.baseline:
            p_diff, _ = comparison.differences(name)
            unit = "个百分点" if lang == "zh" else "pp"
            label += "\n" + text(lang, "difference", diff=format_difference(p_diff, unit=unit, lang=lang))
        labels.append(label)
    return labels


def compare_chart(comparison: "Comparison", lang: str = "en") -> Figure:
    """Top: target-year intensity by scenario (box = 50%, whiskers = 90%) and the target;
    bottom: P(target met) by scenario with its 95% Wilson interval and the paired difference from
    the first. Runs that do not share random numbers are stamped NOT PAIRED. Returns the Figure."""
    from ecosim.analysis.intervals import share_head

    names = list(comparison.forecasts)
    with style.context(lang):
        fig, (left, right) = style.figure("tall", nrows=2)
        colours = [style.CYCLE[i % len(style.CYCLE)] for i in range(len(names))]
        year = comparison.forecasts[names[0]].scenario.target.year
        data = [comparison.forecasts[n].target_year()["rd_intensity"].to_numpy() for n in names]
        boxes = left.boxplot(data, whis=(5, 95), patch_artist=True, showfliers=False, widths=0.5,
                             medianprops={"color": "black"}, orientation="horizontal")
        for patch, colour in zip(boxes["boxes"], colours):
            patch.set_facecolor(colour)
            patch.set_alpha(0.6)
        left.set_yticks(range(1, len(names) + 1), [scenario_name(lang, n) for n in names])
        target, target_label = _target(comparison, lang)
        left.axvline(target, color=style.COLOURS["national"], ls="--", lw=1.2, label=target_label, gid="target")
        left.set_xlabel(text(lang, "target_year_intensity", year=year))
        left.set_title(text(lang, "compare_title", year=year))
        left.invert_yaxis()
        left.legend(loc="best")
        intervals = [comparison.forecasts[n].probability_interval() for n in names]
        p = np.array([ci.estimate for ci in intervals])
        err = np.array([[ci.estimate - ci.low for ci in intervals], [ci.high - ci.estimate for ci in intervals]])
        y = np.arange(len(names))
        bars = right.barh(y, p, color=colours, alpha=0.85, xerr=err, error_kw={"elinewidth": 1, "capsize": 3},
                          gid="probability")
        right.bar_label(bars, labels=[f"{share_head(ci.estimate)} ({100 * ci.low:.0f}-{100 * ci.high:.0f}%)"
                                      for ci in intervals], padding=4)
        right.set_yticks(y, _tick_labels(comparison, lang))
        right.invert_yaxis()
        right.set_xlim(0, 1.35)
        right.set_xticks(np.linspace(0, 1, 6), [f"{v:.0%}" for v in np.linspace(0, 1, 6)])
        right.set_xlabel(text(lang, "probability"))
        right.set_title(text(lang, "probability_title", year=year))
        problem = comparison.pairing_problem()
        if problem:
            style.stamp(right, text(lang, "not_paired", reason=problem), gid="not_paired")
        first = comparison.forecasts[names[0]]
        style.add_footer(fig, lang, scenario=names[0],
                         seed=comparison.seed, replications=first.replications,
                         date=str(first.provenance.get("time", ""))[:10] or None, region=first.scenario.region)
    return fig
