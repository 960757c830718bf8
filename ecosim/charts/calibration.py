"""The calibration fit: model against data for every target, in the house style."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ecosim.charts import style


def fit_chart(fit: pd.DataFrame, title: str = "Calibration fit, 2016-2020 (first-published basis)") -> Figure:
    """Each target's model median and 90% band as a ratio to the data (1 = a perfect fit)."""
    with style.context("en"):
        fig, ax = style.figure("tall")
        y = np.arange(len(fit))
        ratio = fit["model_median"] / fit["data"]
        low = ratio - fit["model_q05"] / fit["data"]
        high = fit["model_q95"] / fit["data"] - ratio
        ax.errorbar(ratio, y, xerr=[low, high], fmt="o", color=style.CYCLE[0], ecolor=style.CYCLE[0],
                    alpha=0.9, capsize=2, label="model median and 90% band")
        tolerance = fit["tolerance"] / fit["data"]
        ax.barh(y, 2 * tolerance, left=1 - tolerance, color="#dddddd", height=0.6, label="tolerance", zorder=0)
        ax.axvline(1.0, color=style.COLOURS["national"], lw=1, label="data")
        ax.set_yticks(y, fit["target"])
        ax.invert_yaxis()
        ax.set_xlabel("model / data")
        ax.set_title(title)
        ax.legend(loc="upper left")
    return fig
