"""The rest of the economy: the coal price, the non-modelled GDP remainder, the national target path
and the common R&D shock.

* **Coal price** (Qinhuangdao spot, US$/t): the recorded annual average (the region bundle's ``coal_price.csv``)
  up to the last year the run knows, then an AR(1) of its log around the long-run mean, with
  persistence and volatility estimated from the recorded years (``ecosim.data.estimates.data_estimates``).
* **GDP** (100m yuan): the recorded one while known; after that the non-modelled remainder grows
  at its trend rate plus the estimated coal elasticity times the coal price's log change, and the
  modelled firms' value added is added to it.
* **National intensity** (percent of GDP): the recorded first-published series while known, then a
  random walk with the drift and spread of its recorded yearly changes.
* **Common R&D shock** (log points): an AR(1) factor multiplying every firm's own R&D spending:
  the year-to-year swings common to all firms that the modelled drivers do not explain (campaign
  years, budget cycles, statistical revisions). Its volatility is the calibration's residual
  spread (``rd_common_shock_sd``), so the forecast carries the model's own error.
"""

from __future__ import annotations

import numpy as np

from ecosim.assumptions import ASSUMPTIONS
from ecosim.model.inputs import ModelInputs


def smoothed(planned: float, gap: float, weight: float) -> float:
    """Next year's planning gap: ``weight`` on the last one, the rest on last year's gap (log points)."""
    return weight * planned + (1.0 - weight) * gap


class Economy:
    """Exogenous paths: coal price, non-modelled GDP, national R&D intensity, the common R&D shock."""

    def __init__(self, inputs: ModelInputs):
        self.inputs = inputs
        a = inputs.assumptions
        base = int(inputs.years[0])
        self.log_coal = float(np.log(inputs.coal_history[base]))
        """Log coal price this year, log US$/t."""
        self.coal_mean = a["coal_price_log_mean"]
        self.coal_gap = self.log_coal - self.coal_mean
        """Log deviation of the coal price from its long-run mean."""
        self.planning_gap = self._recorded_planning_gap(base)
        """Coal-price gap firms plan this year's R&D budgets on: last year's gap and, with weight
        ``rd_budget_smoothing``, the gaps of the years before (cash reserves smooth R&D)."""
        before = inputs.coal_history.get(base - 1)
        self.coal_change = float(np.log(inputs.coal_history[base] / before)) if before else 0.0
        """Change of the log coal price from last year (in the base year: the recorded change, which
        reaches firms' sales next year)."""
        self.rd_shock = 0.0
        """Common R&D shock, log points."""
        self.remainder = np.nan
        """Non-modelled GDP, 100m yuan."""
        self.gdp = np.nan
        self.national = inputs.national_history[base]

    def _recorded_planning_gap(self, base: int) -> float:
        """The base year's planning gap from the recorded prices before it: an exponentially weighted
        average of the years' log gaps, lagged one year (the base year's own gap when no earlier year
        is recorded)."""
        smoothing = self.inputs.assumptions["rd_budget_smoothing"]
        gaps = [float(np.log(self.inputs.coal_history[y])) - self.coal_mean
                for y in sorted(self.inputs.coal_history) if y < base]
        if not gaps:
            return self.coal_gap
        planned = gaps[0]
        for gap in gaps[1:]:
            planned = smoothed(planned, gap, smoothing)
        return planned

    @property
    def coal_price(self) -> float:
        """Coal price this year, US$/t."""
        return float(np.exp(self.log_coal))

    def advance(self, t: int, shocks: np.ndarray) -> None:
        """Move the coal price, the national intensity and the common R&D shock to year ``t``, given
        the year's three standard-normal shocks (coal, national intensity, common R&D), drawn
        whatever is recorded (common random numbers)."""
        a, year = self.inputs.assumptions, int(self.inputs.years[t])
        if t == 0:
            return
        self.planning_gap = smoothed(self.planning_gap, self.coal_gap, a["rd_budget_smoothing"])
        recorded = self.inputs.coal_history.get(year)
        if recorded is not None:
            log_coal = float(np.log(recorded))
        else:
            log_coal = (self.coal_mean + a["coal_price_persistence"] * (self.log_coal - self.coal_mean)
                        + a["coal_price_volatility"] * shocks[0])
        self.coal_change, self.log_coal = log_coal - self.log_coal, log_coal
        self.coal_gap = log_coal - self.coal_mean
        national = self.inputs.national_history.get(year)
        if national is None:
            national = max(self.national + a["national_intensity_drift"] + a["national_intensity_sd"] * shocks[1], 0.0)
        self.national = national
        self.rd_shock = a["rd_common_shock_persistence"] * self.rd_shock + a["rd_common_shock_sd"] * shocks[2]

    def firm_growth(self, t: int) -> float:
        """Nominal growth every firm's revenue shares from year ``t`` to the next (log points).

        Beyond the recorded years: the trend plus the coal elasticity times this year's coal-price
        change, so the price reaches firms' sales a year later. Where both years' GDP are known: the
        recorded growth (the region's whole economy moves with coal, not only its coal firms: the
        built-in record's stalled in 2014-2016), with its coal part moved to the same timing: recorded
        GDP carries next year's price change in that year (in the built-in record, 2017: +21% nominal,
        the coal price +28%), so, where next year's price is recorded too, that year's coal part is
        taken out and this year's put in. Recorded and forecast years then pass the price to revenue
        alike."""
        a, years = self.inputs.assumptions, self.inputs.years
        year = int(years[t])
        now, then = self.inputs.gdp_history.get(year + 1), self.inputs.gdp_history.get(year)
        lagged = a["coal_gdp_elasticity"] * self.coal_change
        if now is None or then is None:
            return a["gdp_remainder_growth"] + lagged
        coal_now, coal_next = self.inputs.coal_history.get(year), self.inputs.coal_history.get(year + 1)
        if coal_now is None or coal_next is None:
            return float(np.log(now / then))
        return float(np.log(now / then)) - a["coal_gdp_elasticity"] * float(np.log(coal_next / coal_now)) + lagged

    def close(self, t: int, modelled_value_added: float) -> None:
        """This year's GDP given the modelled firms' value added (100m yuan)."""
        a, year = self.inputs.assumptions, int(self.inputs.years[t])
        recorded = self.inputs.gdp_history.get(year)
        if recorded is not None:
            self.gdp = recorded
            self.remainder = recorded - modelled_value_added
            if self.remainder <= 0:
                raise ValueError(
                    f"{year}: the modelled firms' value added ({modelled_value_added:.0f}) exceeds recorded GDP "
                    f"({recorded:.0f}, 100m yuan); lower assumptions.modelled_va_share_of_gdp "
                    f"(allowed {ASSUMPTIONS['modelled_va_share_of_gdp'].allowed}) or the firms' growth")
        else:
            self.remainder *= np.exp(a["gdp_remainder_growth"] + a["coal_gdp_elasticity"] * self.coal_change)
            self.gdp = self.remainder + modelled_value_added
