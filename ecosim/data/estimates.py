"""Assumptions a region's record estimates directly: the exogenous paths of the model (the benchmark's
intensity drift, the GDP trend, the coal cycle). Calibration starts from them; a bundle without a
calibration of its own takes them from its own record rather than from another region's calibration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.assumptions import ASSUMPTIONS

if TYPE_CHECKING:
    from ecosim.data import Region


def data_estimates(region: Region, last_year: int | None = None) -> dict[str, float]:
    """Assumptions estimated directly from the data up to ``last_year`` (exogenous paths of the model).

    national_intensity_drift/sd: mean and sample sd of the benchmark's yearly intensity changes;
    gdp_remainder_growth: mean log growth of the region's GDP from its first base year; coal_price_log_mean,
    _persistence, _volatility: least-squares AR(1) of the log coal price from 2005 (mean
    c / (1 - rho), residual sd with two degrees of freedom used); coal_gdp_elasticity: least-squares
    slope of GDP log growth on the coal price's log change. Each is clipped to its catalogue range.
    """
    last_year = region.last_year if last_year is None else last_year
    national = {y: v for y, v in region.benchmark_series("rd_intensity_first_published").items() if y <= last_year}
    changes = np.diff([national[y] for y in sorted(national)])
    gdp = {y: v for y, v in region.gdp.items() if y <= last_year}
    gdp_years = sorted(gdp)
    growth = np.diff(np.log([gdp[y] for y in gdp_years]))
    coal = {y: v for y, v in region.coal if y <= last_year}
    log_coal = np.log([coal[y] for y in sorted(coal)])
    slope, intercept = np.polyfit(log_coal[:-1], log_coal[1:], 1)
    residual = log_coal[1:] - (intercept + slope * log_coal[:-1])
    coal_change = np.array([np.log(coal[y] / coal[y - 1]) for y in gdp_years[1:]])
    elasticity = np.polyfit(coal_change, growth, 1)[0] if growth.size >= 3 else ASSUMPTIONS["coal_gdp_elasticity"].default
    estimates = {
        "national_intensity_drift": float(changes.mean()),
        "national_intensity_sd": float(changes.std(ddof=1)),
        "gdp_remainder_growth": float(growth.mean()),
        "firm_revenue_growth": float(growth.mean()),
        "coal_price_log_mean": float(intercept / (1.0 - slope)),
        "coal_price_persistence": float(slope),
        "coal_price_volatility": float(np.sqrt((residual**2).sum() / (residual.size - 2))),
        "coal_gdp_elasticity": float(elasticity),
    }
    return {name: float(np.clip(v, ASSUMPTIONS[name].low, ASSUMPTIONS[name].high)) for name, v in estimates.items()}
