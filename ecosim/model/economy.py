"""The rest of the economy: the coal price, the non-modelled GDP remainder and the national target path.

Shanxi's GDP is the value added of the modelled firms plus a remainder. Up to 2020 (and in any
year the scenario gives a GDP path for) GDP is the recorded one and the remainder is what the
firms do not explain; after that the remainder grows at a trend rate and swings with the coal
price, whose log-deviation from trend follows an AR(1). China's R&D intensity is the recorded
first-published series up to 2020 (or the scenario's path), then a random walk with drift.
"""

from __future__ import annotations

import numpy as np

from ecosim.assumptions import ASSUMPTIONS
from ecosim.model.inputs import ModelInputs


class Economy:
    """Exogenous paths: coal price, non-modelled GDP, national R&D intensity."""

    def __init__(self, inputs: ModelInputs):
        self.inputs = inputs
        self.coal_gap = 0.0
        """Log deviation of the coal price from its trend."""
        self.coal_change = 0.0
        self.remainder = np.nan
        """Non-modelled GDP, 100m yuan."""
        self.gdp = np.nan
        self.national = inputs.national_history[int(inputs.years[0])]

    def advance(self, t: int, rng: np.random.Generator) -> None:
        """Draw this year's coal price and national R&D intensity."""
        a, year = self.inputs.assumptions, int(self.inputs.years[t])
        shocks = rng.standard_normal(2)
        if t > 0:
            gap = a["coal_price_persistence"] * self.coal_gap + a["coal_price_volatility"] * shocks[0]
            self.coal_change, self.coal_gap = gap - self.coal_gap, gap
        national = self.inputs.national_history.get(year)
        if national is None:
            national = max(self.national + a["national_intensity_drift"] + a["national_intensity_sd"] * shocks[1], 0.0)
        self.national = national

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
