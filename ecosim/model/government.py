"""The provincial government: holds the policy schedule and the budget, and books each lever's cost."""

from __future__ import annotations

import mesa
import numpy as np

from ecosim.levers import LEVERS
from ecosim.model.enterprises import YearPolicy
from ecosim.model.inputs import ModelInputs


class Government(mesa.Agent):
    """One agent: each lever's value by year, and the cost of each lever in each year (100m yuan)."""

    def __init__(self, model: mesa.Model, inputs: ModelInputs):
        super().__init__(model)
        self.schedule = inputs.levers
        self.costs = {name: np.zeros(inputs.years.size) for name in LEVERS}
        """Government cost of each lever by simulated year, 100m yuan: paid out or tax forgone."""

    def lever(self, name: str, t: int) -> float:
        """A lever's value in the t-th simulated year."""
        return float(self.schedule[name][t])

    def policy(self, t: int) -> YearPolicy:
        """The levers that act on firms in the t-th year."""
        lever = self.lever
        return YearPolicy(
            super_deduction=lever("rd_super_deduction_rate", t),
            super_deduction_manufacturing=lever("rd_super_deduction_rate_manufacturing", t),
            hte_tax_rate=lever("hte_income_tax_rate", t),
            reward_rate=lever("rd_reward_rate", t),
            full_coverage=lever("innovation_full_coverage", t),
            soe_floor=lever("soe_rd_floor", t),
            cultivation_firms=int(lever("hte_cultivation_firms", t)),
            vat_threshold=lever("software_vat_refund_threshold", t),
            smart_factories=int(lever("smart_factories", t)),
        )

    def book(self, t: int, name: str, cost: float) -> None:
        """Record a lever's cost for the year (100m yuan)."""
        self.costs[name][t] += cost

    def spending(self, t: int) -> float:
        """Total cost of all levers in the t-th year: the budget the policy mix uses (100m yuan)."""
        return float(sum(cost[t] for cost in self.costs.values()))
