"""Sensitivity charts: Sobol S1/ST bars with intervals, the Morris mu*-sigma plane, the S2 heat map,
and an index over time for yearly outputs. Each takes the tidy table of
:func:`ecosim.analysis.sensitivity.sensitivity` (``method, output, year, factor, index, value,
conf_low, conf_high``)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ecosim.charts import style
from ecosim.charts.labels import assumption_name, lever_name, text

OUTPUT_NAMES = {"rd_intensity": "R&D / GDP in the target year", "rd_intensity_gap": "gap to the target",
                "p_target_met": "P(target met)", "government_cost": "government cost from the policy start"}


def factor_label(name: str, lang: str = "en") -> str:
    """Display name of a factor (``levers.X`` translated; ``assumptions.X`` spelled out)."""
    kind, _, key = name.partition(".")
    if kind == "levers":
        return lever_name(lang, key)
    return text(lang, "assumption", name=assumption_name(lang, key)) if kind == "assumptions" else name


RANGES = {"S1": (0.0, 1.0), "ST": (0.0, 1.0), "S2": (0.0, 1.0), "delta": (0.0, 1.0), "mu_star": (0.0, np.inf),
          "sigma": (0.0, np.inf)}
"""The possible range of each index: intervals are clipped to it (a Sobol share above 1 or a
mean absolute effect below 0 is sampling error, not information)."""


def clipped(frame: pd.DataFrame, index: str) -> pd.DataFrame:
    """``frame`` with ``conf_low``/``conf_high`` clipped to the possible range of ``index``."""
    low, high = RANGES.get(index, (-np.inf, np.inf))
    frame = frame.copy()
    frame[["conf_low", "conf_high"]] = frame[["conf_low", "conf_high"]].clip(low, high)
    return frame


def converged(summary: dict | None, method: str, output: str) -> bool:
    """Whether the sensitivity summary records the indices of ``output`` by ``method`` as converged
    (True when no verdict is known)."""
    entry = ((summary or {}).get("methods", {}).get(method, {}).get("outputs", {}).get(output, {}))
    verdict = entry.get("convergence")
    return True if verdict is None else bool(verdict.get("converged"))


def _scalar(table: pd.DataFrame, method: str, output: str) -> pd.DataFrame:
    rows = table[(table["method"] == method) & (table["output"] == output)]
    return rows[rows["year"].isna()]


def sobol_bars(table: pd.DataFrame, output: str, lang: str = "en") -> Figure:
    """First-order (S1) and total (ST) Sobol indices of each factor, with their confidence intervals."""
    return index_bars(table, "sobol", output, (("S1", "first order (S1)"), ("ST", "total (ST)")),
                      "Sobol index (share of output variance), with confidence interval", "Sobol indices", lang)


def delta_bars(table: pd.DataFrame, output: str, lang: str = "en") -> Figure:
    """Borgonovo's moment-independent delta and the first-order index of each factor, with intervals."""
    return index_bars(table, "delta", output, (("S1", "first order (S1)"), ("delta", "delta")),
                      "index, with confidence interval", "Moment-independent delta", lang)


def index_bars(table: pd.DataFrame, method: str, output: str, indices, xlabel: str, title: str,
               lang: str = "en") -> Figure:
    """Two indices of each factor as paired horizontal bars (sorted by the second), with intervals."""
    rows = _scalar(table, method, output)
    frames = [(rows[rows["index"] == index].set_index("factor"), label) for index, label in indices]
    order = list(frames[-1][0].sort_values("value").index)
    y = np.arange(len(order))
    with style.context(lang):
        fig, ax = style.figure("tall" if len(order) > 8 else "single")
        for offset, (frame, label), colour, (index, _) in zip((0.2, -0.2), frames, style.CYCLE, indices):
            frame = clipped(frame.reindex(order), index)
            err = np.vstack([frame["value"] - frame["conf_low"], frame["conf_high"] - frame["value"]])
            ax.barh(y + offset, frame["value"], height=0.38, color=colour, label=label,
                    xerr=np.clip(np.nan_to_num(err), 0, None), error_kw={"elinewidth": 0.8, "capsize": 2})
        ax.set_yticks(y, [factor_label(f, lang) for f in order])
        ax.axvline(0, color=style.COLOURS["neutral"], linewidth=0.8)
        ax.set_xlabel(xlabel)
        ax.set_title(f"{title}: {OUTPUT_NAMES.get(output, output)}")
        ax.legend(loc="lower right")
    return fig


def morris_plane(table: pd.DataFrame, output: str, lang: str = "en") -> Figure:
    """Morris screening: mean absolute elementary effect (mu*) against its spread (sigma)."""
    rows = _scalar(table, "morris", output)
    mu = rows[rows["index"] == "mu_star"].set_index("factor")
    sigma = rows[rows["index"] == "sigma"].set_index("factor")["value"].reindex(mu.index)
    with style.context(lang):
        fig, ax = style.figure()
        mu = clipped(mu, "mu_star")
        err = np.clip(np.nan_to_num(mu["conf_high"] - mu["value"]), 0, None)
        ax.errorbar(mu["value"], sigma, xerr=err, fmt="o", color=style.CYCLE[0], markersize=4,
                    elinewidth=0.8, capsize=2)
        top = mu["value"].max() or 1.0
        labels = [ax.text(mu.loc[name, "value"], sigma[name], factor_label(name, lang))
                  for name in mu.index if mu.loc[name, "value"] >= 0.05 * top]
        from ecosim.charts.cost import place_labels

        place_labels(ax, labels)
        limit = max(float(mu["value"].max()), float(sigma.max()), 1e-12) * 1.05
        ax.plot([0, limit], [0, limit], color=style.COLOURS["neutral"], linestyle="--", linewidth=0.8,
                label="sigma = mu*")
        ax.set_xlabel("mu* (mean |elementary effect|, per unit-range step)")
        ax.set_ylabel("sigma (spread: non-linearity or interactions)")
        ax.set_title(f"Morris screening: {OUTPUT_NAMES.get(output, output)}")
        ax.legend(loc="upper left")
    return fig


def s2_heatmap(table: pd.DataFrame, output: str, lang: str = "en") -> Figure:
    """Second-order Sobol indices of each pair of factors."""
    rows = _scalar(table, "sobol", output)
    names = list(rows.loc[rows["index"] == "ST", "factor"])
    matrix = np.full((len(names), len(names)), np.nan)
    position = {n: i for i, n in enumerate(names)}
    for pair, value in rows.loc[rows["index"] == "S2", ["factor", "value"]].itertuples(index=False):
        a, b = pair.split(":")
        matrix[position[a], position[b]] = matrix[position[b], position[a]] = value
    with style.context(lang):
        fig, ax = style.figure("tall")
        image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=max(np.nanmax(matrix) if np.isfinite(matrix).any()
                                                                  else 0, 1e-3))
        labels = [factor_label(n, lang) for n in names]
        ax.set_xticks(range(len(names)), labels, rotation=90)
        ax.set_yticks(range(len(names)), labels)
        ax.grid(False)
        fig.colorbar(image, ax=ax, label="S2 (share of variance from the pair's interaction)")
        ax.set_title(f"Second-order Sobol indices: {OUTPUT_NAMES.get(output, output)}")
    return fig


def index_over_time(table: pd.DataFrame, output: str, method: str = "sobol", index: str | None = None,
                    lang: str = "en", top: int = 6) -> Figure:
    """An index (ST, mu* or delta) of the most influential factors, year by year, with intervals."""
    index = index or {"sobol": "ST", "morris": "mu_star", "delta": "delta"}[method]
    rows = table[(table["method"] == method) & (table["output"] == output) & (table["index"] == index)
                 & table["year"].notna()]
    ranking = rows.groupby("factor")["value"].mean().sort_values(ascending=False)
    with style.context(lang):
        fig, ax = style.figure()
        for colour, name in zip(style.CYCLE * 3, ranking.index[:top]):
            line = rows[rows["factor"] == name].sort_values("year")
            years = line["year"].astype(int)
            ax.plot(years, line["value"], marker="o", markersize=3, color=colour, label=factor_label(name, lang))
            ax.fill_between(years, line["conf_low"], line["conf_high"], color=colour, alpha=0.15, linewidth=0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Year")
        ax.set_ylabel(f"{index} of {output}")
        ax.set_title(f"{index} over time: {output}")
        ax.legend(loc="best")
    return fig


def write_charts(table: pd.DataFrame, folder: str | Path, lang: str = "en", summary: dict | None = None) -> list[Path]:
    """Every chart the table supports, saved as PNG, PDF and SVG in ``folder``; the paths. With the
    sensitivity ``summary``, charts of indices that did not converge are stamped NOT CONVERGED."""
    import matplotlib.pyplot as plt

    folder = Path(folder)
    paths: list[Path] = []

    def save(fig: Figure, stem: str, method: str | None = None, output: str | None = None) -> None:
        if method and not converged(summary, method, output):
            style.stamp(fig.axes[0], text(lang, "not_converged"), gid="not_converged")
        paths.extend(style.save(fig, folder / re.sub(r"[^A-Za-z0-9_.-]+", "-", stem)))
        plt.close(fig)

    scalar = table[table["year"].isna()]
    for output in scalar.loc[scalar["method"] == "sobol", "output"].unique():
        save(sobol_bars(table, output, lang), f"sobol-{output}", "sobol", output)
        if (scalar[(scalar["method"] == "sobol") & (scalar["output"] == output)]["index"] == "S2").any():
            save(s2_heatmap(table, output, lang), f"sobol-s2-{output}")
    for output in scalar.loc[scalar["method"] == "delta", "output"].unique():
        save(delta_bars(table, output, lang), f"delta-{output}", "delta", output)
    for output in scalar.loc[scalar["method"] == "morris", "output"].unique():
        save(morris_plane(table, output, lang), f"morris-{output}", "morris", output)
    yearly = table[table["year"].notna()]
    for (method, output) in yearly[["method", "output"]].drop_duplicates().itertuples(index=False):
        save(index_over_time(table, output, method, lang=lang), f"{method}-over-time-{output}")
    return paths
