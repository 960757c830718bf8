"""The calibration fit: model against data for every target, in the house style."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import text, variable_name


def fit_chart(fit: pd.DataFrame, title: str | None = None, lang: str = "en", seed: int | None = None,
              replications: int | None = None) -> Figure:
    """Each target's model median and 90% band as a ratio to the data (1 = a perfect fit), in ``lang``.

    ``fit`` is :meth:`CalibrationResult.fit_table` (columns target, year, data, model_median,
    model_q05, model_q95, tolerance); the title names its first and last year.
    """
    years = fit["year"] if "year" in fit else pd.Series(dtype=int)
    if title is None:
        title = text(lang, "fit_title", start=int(years.min()), end=int(years.max())) if len(years) \
            else text(lang, "fit_title", start="", end="").strip()
    with style.context(lang):
        fig, ax = style.figure("tall")
        y = np.arange(len(fit))
        ratio = fit["model_median"] / fit["data"]
        low = ratio - fit["model_q05"] / fit["data"]
        high = fit["model_q95"] / fit["data"] - ratio
        ax.errorbar(ratio, y, xerr=[low, high], fmt="o", color=style.CYCLE[0], ecolor=style.CYCLE[0],
                    alpha=0.9, capsize=2, label=text(lang, "fit_model"))
        tolerance = fit["tolerance"] / fit["data"]
        ax.barh(y, 2 * tolerance, left=1 - tolerance, color="#dddddd", height=0.6, label=text(lang, "tolerance"),
                zorder=0)
        ax.axvline(1.0, color=style.COLOURS["national"], lw=1, label=text(lang, "data"))
        ax.set_yticks(y, [variable_name(lang, str(t)) for t in fit["target"]])
        ax.invert_yaxis()
        ax.set_xlabel(text(lang, "model_over_data"))
        ax.set_title(title)
        ax.legend(loc="upper left")
        style.add_footer(fig, lang, source=text(lang, "source_calibration"), seed=seed, replications=replications)
    return fig
