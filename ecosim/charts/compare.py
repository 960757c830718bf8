"""Policy mixes side by side: target-year intensity distributions, and P(target met) with its
Wilson interval and each mix's paired difference from the first (or, when no replication of any mix
meets the target, a statement saying so in place of the probability panel)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import benchmark_label, scenario_name, text

if TYPE_CHECKING:
    from ecosim.analysis.compare import Comparison

BAR_HEIGHT = 0.5
"""Height of a probability bar, in rows: the rest of the row holds the mix's difference from the first."""
STATEMENT_ROWS = (4, 1)
"""Heights of the distributions panel and the statement that replaces the probability panel."""


def _target(comparison: "Comparison", lang: str) -> tuple[float, str]:
    first = comparison.forecasts[comparison.baseline]
    if first.scenario.target.value == "national_average":
        return (float(first.target_path()[first.scenario.target.year]),
                text(lang, "national_median", benchmark=benchmark_label(lang, first.scenario.region)))
    value = float(first.scenario.target.value)
    return value, text(lang, "target_value", value=value)


def _difference(comparison: "Comparison", name: str, lang: str) -> str:
    """A mix's paired difference in P(target met) from the first, e.g. ``vs first: +12 pp (95% CI +5 to +19)``."""
    from ecosim.analysis.intervals import format_difference

    p_diff, _ = comparison.differences(name)
    unit = "个百分点" if lang == "zh" else "pp"
    return text(lang, "difference", diff=format_difference(p_diff, unit=unit, lang=lang))


def none_met(comparison: "Comparison") -> bool:
    """Whether no replication of any mix meets the target in the target year."""
    return all(not result.target_year()["target_met"].any() for result in comparison.forecasts.values())


def none_met_statement(comparison: "Comparison", lang: str) -> str:
    """The sentence that replaces the probability panel when no replication meets the target: the share
    with its count and interval (once when every mix has the same, else each mix's)."""
    from ecosim.analysis.intervals import format_share

    shares = {name: format_share(0, len(result.target_year()), lang) for name, result in comparison.forecasts.items()}
    if len(set(shares.values())) == 1:
        share = next(iter(shares.values()))
    else:
        share = ("，" if lang == "zh" else "; ").join(f"{scenario_name(lang, name)} {value}"
                                                      for name, value in shares.items())
    year = comparison.forecasts[comparison.baseline].scenario.target.year
    return text(lang, "none_met", year=year, p=share)


def _draw_distributions(ax, comparison: "Comparison", colours: list[str], lang: str) -> None:
    """Target-year intensity of each mix as a box (50%) with whiskers (90%), and the target."""
    names = list(comparison.forecasts)
    year = comparison.forecasts[names[0]].scenario.target.year
    data = [comparison.forecasts[n].target_year()["rd_intensity"].to_numpy() for n in names]
    boxes = ax.boxplot(data, whis=(5, 95), patch_artist=True, showfliers=False, widths=0.5,
                       medianprops={"color": "black"}, orientation="horizontal")
    for patch, colour in zip(boxes["boxes"], colours):
        patch.set_facecolor(colour)
        patch.set_alpha(0.6)
    ax.set_yticks(range(1, len(names) + 1), [scenario_name(lang, n) for n in names])
    target, target_label = _target(comparison, lang)
    ax.axvline(target, color=style.COLOURS["national"], ls="--", lw=1.2, label=target_label, gid="target")
    ax.set_xlabel(text(lang, "target_year_intensity", year=year))
    ax.set_title(text(lang, "compare_title", year=year))
    ax.invert_yaxis()
    ax.legend(loc="best")


def _draw_probabilities(ax, comparison: "Comparison", colours: list[str], lang: str) -> None:
    """P(target met) of each mix as a bar with its 95% Wilson interval, the share and interval after the
    interval's end, and under each bar after the first its paired difference from the first."""
    from ecosim.analysis.intervals import share_head

    names = list(comparison.forecasts)
    year = comparison.forecasts[names[0]].scenario.target.year
    intervals = [comparison.forecasts[n].probability_interval() for n in names]
    p = np.array([ci.estimate for ci in intervals])
    err = np.array([[ci.estimate - ci.low for ci in intervals], [ci.high - ci.estimate for ci in intervals]])
    y = np.arange(len(names))
    ax.barh(y, p, height=BAR_HEIGHT, color=colours, alpha=0.85, xerr=err,
            error_kw={"elinewidth": 1, "capsize": 3}, gid="probability")
    for row, ci in zip(y, intervals):
        ax.annotate(f"{share_head(ci.estimate)} ({100 * ci.low:.0f}-{100 * ci.high:.0f}%)", xy=(ci.high, row),
                    xytext=(5, 0), textcoords="offset points", va="center", gid="probability_label")
    for row, name in zip(y[1:], names[1:]):
        ax.annotate(_difference(comparison, name, lang), xy=(0, row + BAR_HEIGHT / 2), xytext=(3, -2),
                    textcoords="offset points", ha="left", va="top", color="#555555", gid="difference")
    ax.set_yticks(y, [scenario_name(lang, n) for n in names])
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlim(0, 1.35)
    ax.set_xticks(np.linspace(0, 1, 6), [f"{v:.0%}" for v in np.linspace(0, 1, 6)])
    ax.set_xlabel(text(lang, "probability"))
    ax.set_title(text(lang, "probability_title", year=year))


def compare_chart(comparison: "Comparison", lang: str = "en") -> Figure:
    """Top: target-year intensity by scenario (box = 50%, whiskers = 90%) and the target;
    bottom: P(target met) by scenario with its 95% Wilson interval and the paired difference from
    the first, or, when no replication of any mix meets the target, a statement of that (an empty
    panel of zero bars would say less). Runs that do not share random numbers are stamped NOT PAIRED.
    Returns the Figure."""
    names = list(comparison.forecasts)
    statement = none_met(comparison)
    with style.context(lang):
        fig, (top, bottom) = style.figure("tall", nrows=2,
                                          gridspec_kw={"height_ratios": STATEMENT_ROWS} if statement else None)
        colours = [style.CYCLE[i % len(style.CYCLE)] for i in range(len(names))]
        _draw_distributions(top, comparison, colours, lang)
        panel_texts = []
        if statement:
            bottom.axis("off")
            words = bottom.text(0, 1, none_met_statement(comparison, lang), transform=bottom.transAxes, ha="left",
                                va="top", gid="no_target_met")
            words.set_in_layout(False)  # broken to the panel's width once the layout is known
            panel_texts.append(words)
        else:
            _draw_probabilities(bottom, comparison, colours, lang)
        problem = comparison.pairing_problem()
        if problem:
            style.stamp(bottom, text(lang, "not_paired", reason=problem), gid="not_paired", top=not statement)
        first = comparison.forecasts[names[0]]
        style.add_footer(fig, lang, scenario=names[0],
                         seed=comparison.seed, replications=first.replications,
                         date=str(first.provenance.get("time", ""))[:10] or None, region=first.scenario.region)
        style.fit_texts(fig, panel_texts)
    return fig
