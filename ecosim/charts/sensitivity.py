"""Sensitivity charts: Sobol S1/ST bars with intervals, the Morris mu*-sigma plane, the S2 heat map,
and an index over time for yearly outputs. Each takes the tidy table of
:func:`ecosim.api.sensitivity.sensitivity` (``method, output, year, factor, index, value,
conf_low, conf_high``)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ecosim.charts import style
from ecosim.charts.labels import assumption_name, lever_name, output_name, text

INDEX_NAMES = {"ST": "ST", "S1": "S1", "mu_star": "mu*", "sigma": "sigma", "delta": "delta"}
"""Display names of the indices (the same in both languages; Chinese uses the Greek letters)."""
INDEX_NAMES_ZH = {"mu_star": "μ*", "sigma": "σ"}


def factor_label(name: str, lang: str = "en") -> str:
    """Display name of a factor (``levers.X`` translated; ``assumptions.X`` spelled out)."""
    kind, _, key = name.partition(".")
    if kind == "levers":
        return lever_name(lang, key)
    return text(lang, "assumption", name=assumption_name(lang, key)) if kind == "assumptions" else name


MORRIS_MARKER_PT = 4.0
"""Diameter of a factor's marker on the Morris plane, in points."""
LABELLED_SHARE = 0.05
"""Factors on the Morris plane are named when their mu* is at least this share of the largest."""
HEATMAP_LABEL_SHARE = 0.3
"""A factor's name beside or under the S2 heat map is broken into lines no wider than this share of the
figure's width (the map keeps the rest)."""

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


def index_name(lang: str, index: str) -> str:
    """Display name of an index (``mu_star`` -> ``mu*``, in Chinese ``μ*``)."""
    return (INDEX_NAMES_ZH.get(index) if lang == "zh" else None) or INDEX_NAMES.get(index, index)


def sobol_bars(table: pd.DataFrame, output: str, lang: str = "en", footer: dict | None = None) -> Figure:
    """First-order (S1) and total (ST) Sobol indices of each factor, with their confidence intervals."""
    return index_bars(table, "sobol", output, (("S1", text(lang, "s1")), ("ST", text(lang, "st"))),
                      text(lang, "sobol_axis"), text(lang, "sobol_title", output=output_name(lang, output)),
                      lang, footer)


def delta_bars(table: pd.DataFrame, output: str, lang: str = "en", footer: dict | None = None) -> Figure:
    """Borgonovo's moment-independent delta and the first-order index of each factor, with intervals."""
    return index_bars(table, "delta", output, (("S1", text(lang, "s1")), ("delta", text(lang, "delta"))),
                      text(lang, "delta_axis"), text(lang, "delta_title", output=output_name(lang, output)),
                      lang, footer)


def index_bars(table: pd.DataFrame, method: str, output: str, indices, xlabel: str, title: str,
               lang: str = "en", footer: dict | None = None) -> Figure:
    """Two indices of each factor as paired horizontal bars (sorted by the second), with intervals;
    ``title`` is the whole title and ``footer`` the values of the footer line (see :func:`style.add_footer`)."""
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
        ax.set_title(title)
        ax.legend(loc="lower right")
        style.add_footer(fig, lang, **(footer or {}))
        style.fit_texts(fig)
    return fig


def morris_plane(table: pd.DataFrame, output: str, lang: str = "en", footer: dict | None = None) -> Figure:
    """Morris screening: mean absolute elementary effect (mu*) against its spread (sigma)."""
    rows = _scalar(table, "morris", output)
    mu = rows[rows["index"] == "mu_star"].set_index("factor")
    sigma = rows[rows["index"] == "sigma"].set_index("factor")["value"].reindex(mu.index)
    with style.context(lang):
        fig, ax = style.figure()
        mu = clipped(mu, "mu_star")
        err = np.clip(np.nan_to_num(mu["conf_high"] - mu["value"]), 0, None)
        ax.errorbar(mu["value"], sigma, xerr=err, fmt="o", color=style.CYCLE[0], markersize=MORRIS_MARKER_PT,
                    elinewidth=0.8, capsize=2)
        top = mu["value"].max() or 1.0
        labelled = [name for name in mu.index if mu.loc[name, "value"] >= LABELLED_SHARE * top]
        limit = max(float(mu["value"].max()), float(sigma.max()), 1e-12) * 1.05
        ax.plot([0, limit], [0, limit], color=style.COLOURS["neutral"], linestyle="--", linewidth=0.8,
                label=text(lang, "sigma_eq_mu"))
        ax.set_xlabel(text(lang, "mu_star"))
        ax.set_ylabel(text(lang, "sigma"))
        ax.set_title(text(lang, "morris_title", output=output_name(lang, output)))
        ax.legend(loc="upper left")
        style.add_footer(fig, lang, **(footer or {}))
        style.fit_texts(fig)
        style.label_markers(ax, mu.loc[labelled, "value"], sigma[labelled], [factor_label(n, lang) for n in labelled],
                            MORRIS_MARKER_PT / 2, gid="factor_label")
    return fig


def s2_heatmap(table: pd.DataFrame, output: str, lang: str = "en", footer: dict | None = None) -> Figure:
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
        renderer = fig.canvas.get_renderer()
        room = HEATMAP_LABEL_SHARE * fig.bbox.width
        labels = [style.broken(fig, renderer, factor_label(n, lang), ax.yaxis.label, room) for n in names]
        ax.set_xticks(range(len(names)), labels, rotation=90)
        ax.set_yticks(range(len(names)), labels)
        ax.grid(False)
        fig.colorbar(image, ax=ax, label=text(lang, "s2_axis"))
        ax.set_title(text(lang, "s2_title", output=output_name(lang, output)))
        style.add_footer(fig, lang, **(footer or {}))
        style.fit_texts(fig)
    return fig


def index_over_time(table: pd.DataFrame, output: str, method: str = "sobol", index: str | None = None,
                    lang: str = "en", top: int = 6, footer: dict | None = None) -> Figure:
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
        shown, name = index_name(lang, index), output_name(lang, output)
        ax.set_xlabel(text(lang, "year"))
        ax.set_ylabel(text(lang, "over_time_axis", index=shown, output=name))
        ax.set_title(text(lang, "over_time_title", index=shown, output=name))
        ax.legend(loc="best")
        style.add_footer(fig, lang, **(footer or {}))
        style.fit_texts(fig)
    return fig


def footer_values(summary: dict | None, method: str | None, lang: str = "en") -> dict:
    """The footer of a chart of ``method``'s indices from the sensitivity summary: the experiment as
    the source, its scenario, seed and replications (empty without a summary)."""
    if not summary:
        return {}
    info = summary.get("methods", {}).get(method or "", {})
    return {"source": text(lang, "source_batch", name=summary.get("experiment", "")),
            "scenario": summary.get("scenario"), "seed": summary.get("seed"),
            "replications": info.get("replications")}


def write_charts(table: pd.DataFrame, folder: str | Path, lang: str = "en", summary: dict | None = None) -> list[Path]:
    """Every chart the table supports in ``lang``, saved as PNG, PDF and SVG in ``folder``; the paths.
    With the sensitivity ``summary``, the footers name the experiment, scenario and seed, and charts
    of indices that did not converge are stamped NOT CONVERGED. Chinese files end in ``-zh``."""
    import matplotlib.pyplot as plt

    folder = Path(folder)
    suffix = "" if lang == "en" else f"-{lang}"
    paths: list[Path] = []

    def save(draw, stem: str, method: str, output: str) -> None:
        fig = draw(table, output, lang=lang, footer=footer_values(summary, method, lang))
        if not converged(summary, method, output):
            with style.context(lang):  # the stamp in the language's font
                style.stamp(fig.axes[0], text(lang, "not_converged"), gid="not_converged")
        paths.extend(style.save(fig, folder / (re.sub(r"[^A-Za-z0-9_.-]+", "-", stem) + suffix)))
        plt.close(fig)

    scalar = table[table["year"].isna()]
    for output in scalar.loc[scalar["method"] == "sobol", "output"].unique():
        save(sobol_bars, f"sobol-{output}", "sobol", output)
        if (scalar[(scalar["method"] == "sobol") & (scalar["output"] == output)]["index"] == "S2").any():
            save(s2_heatmap, f"sobol-s2-{output}", "sobol", output)
    for output in scalar.loc[scalar["method"] == "delta", "output"].unique():
        save(delta_bars, f"delta-{output}", "delta", output)
    for output in scalar.loc[scalar["method"] == "morris", "output"].unique():
        save(morris_plane, f"morris-{output}", "morris", output)
    yearly = table[table["year"].notna()]
    for (method, output) in yearly[["method", "output"]].drop_duplicates().itertuples(index=False):
        def over_time(frame, name, lang, footer, method=method):
            return index_over_time(frame, name, method, lang=lang, footer=footer)

        save(over_time, f"{method}-over-time-{output}", method, output)
    return paths
