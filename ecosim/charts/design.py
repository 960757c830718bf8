"""Policy-design charts: the PRIM peeling trajectory and the cost-probability frontier."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import text

if TYPE_CHECKING:
    from ecosim.data import Region


def peeling_trajectory(trajectory: pd.DataFrame, title: str | None = None, lang: str = "en",
                       source: str | None = None, scenario: str | None = None, seed: int | None = None,
                       replications: int | None = None, region: "Region | None" = None) -> Figure:
    """Coverage against density of each PRIM box; colour = number of restricted factors; the chosen box ringed.
    Without a ``source`` the footer names the model of ``region`` (see :func:`style.footer_text`)."""
    with style.context(lang):
        fig, ax = style.figure()
        points = ax.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["restricted_factors"],
                            cmap="viridis", s=18, label=text(lang, "boxes"))
        chosen = trajectory[trajectory["chosen"]]
        if len(chosen):  # the legend lists only what is drawn
            ax.scatter(chosen["coverage"], chosen["density"], s=120, facecolors="none", edgecolors="#c0392b",
                       linewidths=1.5, label=text(lang, "chosen_box"))
        fig.colorbar(points, ax=ax, label=text(lang, "restricted_factors"))
        ax.set_xlabel(text(lang, "coverage"))
        ax.set_ylabel(text(lang, "density"))
        ax.set_title(title or text(lang, "prim_title"))
        ax.legend(loc="lower left")
        style.add_footer(fig, lang, source=source, scenario=scenario, seed=seed, replications=replications,
                         region=region)
        style.fit_texts(fig)
    return fig


def frontier(table: pd.DataFrame, target_probability: float, chosen_cost: float | None = None,
             title: str | None = None, lang: str = "en", scenario: str | None = None,
             seed: int | None = None, region: "Region | None" = None) -> Figure:
    """Cheapest evaluated mix for each level of P(target met), the target probability and the chosen mix;
    the footer names the model of ``region`` (see :func:`style.footer_text`)."""
    with style.context(lang):
        fig, ax = style.figure()
        ax.step(table["cost"], table["probability"], where="post", color=style.CYCLE[0], label=text(lang, "frontier"))
        ax.scatter(table["cost"], table["probability"], s=12, color=style.CYCLE[0])
        ax.axhline(target_probability, color="#c0392b", linestyle="--",
                   label=text(lang, "target_probability", p=target_probability))
        if chosen_cost is not None:
            ax.axvline(chosen_cost, color="#555555", linestyle=":", label=text(lang, "chosen_mix"))
        ax.set_xlabel(text(lang, "frontier_cost"))
        ax.set_ylabel(text(lang, "frontier_probability"))
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(title or text(lang, "frontier_title"))
        ax.legend(loc="lower right")
        style.add_footer(fig, lang, scenario=scenario, seed=seed, region=region)
        style.fit_texts(fig)
    return fig
