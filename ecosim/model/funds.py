"""Funds: the provincial venture guidance fund, private venture money, and the tech-credit lender.

Funds are Mesa agents. Each year they screen firms (young, knowledge-rich, in the clusters),
invest or lend, and so relax the investees' finance constraint; venture stakes are exited after
a holding period and the proceeds recycled. Money is in 100m yuan; deals in m yuan.
"""

from __future__ import annotations

import mesa
import numpy as np

from ecosim.model.enterprises import TECH_SME, Enterprises


class Screen:
    """A fund's view of the candidate firms: younger, more knowledge per revenue and cluster
    membership score higher. Candidates are live firms doing R&D and technology SMEs."""

    def __init__(self, firms: Enterprises, a: dict, rng: np.random.Generator):
        self.firms = np.flatnonzero(firms.alive & ((firms.rd > 0) | (firms.segment == TECH_SME)))
        knowledge = firms.knowledge[self.firms] / (a["knowledge_half_saturation"] * firms.revenue[self.firms])
        self.cluster = firms.in_cluster[self.firms]
        noise = rng.random(firms.alive.size)[self.firms] - 0.5
        self.score = (firms.age[self.firms] < a["venture_young_age"]) + np.log1p(knowledge) + self.cluster + noise

    def take(self, count: int, clusters_only: bool = False) -> np.ndarray:
        """The ``count`` best-scoring candidates not yet taken this year (firm slots, in no particular order)."""
        score = np.where(self.cluster, self.score, -np.inf) if clusters_only else self.score
        count = min(count, int(np.isfinite(score).sum()))
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        top = np.argpartition(-score, count - 1)[:count]
        self.score[top] = -np.inf
        return self.firms[top]


class VentureFund(mesa.Agent):
    """A venture investor: invests its yearly capital in screened firms, exits after a holding period."""

    cluster_only = False

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.cash = 0.0
        self.exits: dict[int, float] = {}
        self.invested = 0.0

    def deploy(self, year: int, capital: float, a: dict, firms: Enterprises, screen: Screen) -> float:
        """Add capital and exit proceeds to cash, invest it in deals, return the amount invested (100m yuan)."""
        self.cash += capital + self.exits.pop(year, 0.0)
        deals = int(self.cash * 100.0 // a["venture_deal_size"])
        chosen = screen.take(deals, self.cluster_only)
        amount = chosen.size * a["venture_deal_size"] / 100.0
        firms.venture_funds[chosen] += a["venture_deal_size"]
        self.cash -= amount
        exit_year = year + int(a["venture_holding_years"])
        self.exits[exit_year] = self.exits.get(exit_year, 0.0) + amount * a["venture_exit_multiple"]
        self.invested = amount
        return amount


class GuidanceFund(VentureFund):
    """The provincial venture guidance fund: government junior capital drawing in private money, clusters only."""

    cluster_only = True

    def deploy_policy(self, year: int, government_capital: float, leverage: float, a: dict,
                      firms: Enterprises, screen: Screen) -> float:
        """Invest the year's government capital and the private money it draws in."""
        return self.deploy(year, government_capital * (1.0 + leverage), a, firms, screen)


class TechCreditLender(mesa.Agent):
    """A bank lending to technology firms; government loss sharing makes it lend more."""

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.loans = 0.0
        self.losses = 0.0

    def lend(self, loss_share: float, scale: float, a: dict, firms: Enterprises, screen: Screen) -> float:
        """Lend this year's volume (the 2020 volume times ``scale``) to the best-scoring firms; return
        the government's share of losses (100m yuan)."""
        self.loans = a["tech_credit_base_lending"] * scale * (1.0 + a["tech_credit_risk_response"] * loss_share)
        borrowers = screen.take(int(self.loans * 100.0 // a["tech_credit_loan_size"]))
        firms.credit[:] = 0.0
        firms.credit[borrowers] = a["tech_credit_loan_size"]
        self.loans = borrowers.size * a["tech_credit_loan_size"] / 100.0
        self.losses = self.loans * a["tech_credit_default_rate"]
        return loss_share * self.losses
