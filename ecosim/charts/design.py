"""Policy-design charts: the PRIM peeling trajectory and the cost-probability frontier."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from ecosim.charts import style


def peeling_trajectory(trajectory: pd.DataFrame, title: str = "PRIM peeling trajectory") -> Figure:
    """Coverage against density of each PRIM box; colour = number of restricted factors; the chosen box ringed."""
    with style.context("en"):
        fig, ax = style.figure()
        points = ax.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["restricted_factors"],
                            cmap="viridis", s=18, label="boxes")
        chosen = trajectory[trajectory["chosen"]]
        ax.scatter(chosen["coverage"], chosen["density"], s=120, facecolors="none", edgecolors="#c0392b",
                   linewidths=1.5, label="chosen box")
        fig.colorbar(points, ax=ax, label="restricted factors")
        ax.set_xlabel("coverage (share of cases of interest in the box)")
        ax.set_ylabel("density (share of the box's cases of interest)")
        ax.set_title(title)
        ax.legend(loc="lower left")
    return fig


def frontier(table: pd.DataFrame, target_probability: float, chosen_cost: float | None = None,
             title: str = "Least-cost frontier") -> Figure:
    """Cheapest evaluated mix for each level of P(target met), the target probability and the chosen mix."""
    with style.context("en"):
        fig, ax = style.figure()
        ax.step(table["cost"], table["probability"], where="post", color=style.CYCLE[0], label="frontier")
        ax.scatter(table["cost"], table["probability"], s=12, color=style.CYCLE[0])
        ax.axhline(target_probability, color="#c0392b", linestyle="--", label=f"P = {target_probability:g}")
        if chosen_cost is not None:
            ax.axvline(chosen_cost, color="#555555", linestyle=":", label="chosen mix")
        ax.set_xlabel("government cost from the policy start to the target year (100m yuan)")
        ax.set_ylabel("P(target met)")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(title)
        ax.legend(loc="lower right")
    return fig
