"""Universities and research institutes, and the technology market between them and firms.

Each institution is a Mesa agent (``University`` or ``ResearchInstitute``) whose state lives in
the arrays of :class:`Institutions`, so the yearly rule runs once over all of them. They are
funded by government science money and by firms' contracts; they accumulate knowledge, employ
researchers and offer technology that firms buy. Platforms raise their productivity, recruited
talent adds researchers, pilot-scale bases raise the share of their technology firms can use.

Money is in 100m yuan unless a name says otherwise.
"""

from __future__ import annotations

import mesa
import numpy as np

from ecosim.model.inputs import ModelInputs

UNIVERSITY, INSTITUTE = 0, 1


class Institution(mesa.Agent):
    """A university or research institute: a Mesa agent that reads its state from the arrays."""

    def __init__(self, model: mesa.Model, population: "Institutions", index: int):
        super().__init__(model)
        self.population = population
        self.index = index

    @property
    def rd(self) -> float:
        """R&D expenditure this year, 100m yuan."""
        return float(self.population.rd[self.index])

    @property
    def knowledge(self) -> float:
        """Knowledge stock, 100m yuan of R&D equivalent."""
        return float(self.population.knowledge[self.index])

    @property
    def researchers(self) -> float:
        """Researchers, full-time equivalent person-years."""
        return float(self.population.researchers[self.index])

    @property
    def offered_technology(self) -> float:
        """Technology offered to firms this year, 100m yuan of contract value."""
        return float(self.population.offered[self.index])


class University(Institution):
    """An institution of higher education."""


class ResearchInstitute(Institution):
    """A government research institute."""


class Institutions:
    """All universities and institutes as arrays; the Mesa agents are views on them."""

    def __init__(self, model: mesa.Model, inputs: ModelInputs, funding: dict, rng: np.random.Generator):
        a, base = inputs.assumptions, inputs.base
        n_uni, n_inst = int(a["n_universities"]), int(a["n_research_institutes"])
        self.kind = np.repeat([UNIVERSITY, INSTITUTE], [n_uni, n_inst])
        weight = np.exp(a["institution_size_dispersion"] * rng.standard_normal(self.kind.size))
        for k in (UNIVERSITY, INSTITUTE):
            weight[self.kind == k] /= weight[self.kind == k].sum()
        self.weight = weight
        self.productivity = np.exp(a["institution_productivity_dispersion"] * rng.standard_normal(self.kind.size))
        rd_kind = np.array([base.rd_by_performer["higher_education"], base.rd_by_performer["government_institutes"]])
        self.rd0_by_kind = rd_kind
        self.funding0 = funding
        """Base-year institution R&D by source (government, enterprises, other), 100m yuan."""
        self.rd = weight * rd_kind[self.kind]
        self.rd0_total = float(rd_kind.sum())
        self.researchers0 = base.rd_personnel_fte * a["institution_researcher_share"]
        self.researchers = self.researchers0 * self.rd / self.rd0_total
        self.talent_stock = 0.0
        self.knowledge = self.productivity * self.rd / (a["knowledge_depreciation"] + a["gdp_remainder_growth"])
        self.knowledge0 = float(self.knowledge.sum())
        self.offer_rate = 1.0
        self.offered = np.zeros(self.kind.size)
        self.agents = [(University if k == UNIVERSITY else ResearchInstitute)(model, self, i)
                       for i, k in enumerate(self.kind)]
        self.rd_by_source = dict(funding)

    def calibrate_offer(self, local_demand: float, usable: float) -> None:
        """Set the offer rate so that base-year supply of usable technology equals local demand."""
        self.offer_rate = local_demand / (self.knowledge0 * usable)

    def step(self, a: dict, science_index: float, extra_government: float, contract_ratio: float,
             platforms_gain: float, talent_recruits_change: float) -> None:
        """Fund this year's R&D, hire researchers, accumulate knowledge.

        ``science_index`` is government science money against the base year (the model's path);
        ``extra_government`` is lever-driven government R&D money beyond the base trend (100m yuan);
        ``contract_ratio`` firms' local technology purchases relative to the base year;
        ``platforms_gain`` the relative productivity gain from platforms against the base year;
        ``talent_recruits_change`` recruits above the base year's programme (researchers).
        """
        growth = science_index
        government = max(self.funding0["government"] * growth + extra_government, 0.0)
        enterprises = self.funding0["enterprises"] * contract_ratio
        other = self.funding0["other"] * growth
        self.rd_by_source = {"government": government, "enterprises": enterprises, "other": other}
        total = government + enterprises + other
        self.rd = self.weight * total * self.rd0_by_kind[self.kind] / self.rd0_total
        self.talent_stock = a["talent_retention"] * self.talent_stock + talent_recruits_change
        funded = self.researchers0 * total / self.rd0_total
        researchers = max(funded + self.talent_stock, 0.0) + 1e-9
        self.researchers = researchers * self.rd / total
        talent_gain = (researchers / funded) ** a["talent_productivity_gain"]
        self.knowledge = ((1.0 - a["knowledge_depreciation"]) * self.knowledge
                          + self.rd * self.productivity * platforms_gain * talent_gain)

    def offer(self, usable: float) -> float:
        """Usable technology offered to firms this year, 100m yuan of contract value."""
        self.offered = self.knowledge * self.offer_rate * usable
        return float(self.offered.sum())

    def rd_by_kind(self) -> tuple[float, float]:
        """R&D of universities and of institutes this year, 100m yuan."""
        uni = float(self.rd[self.kind == UNIVERSITY].sum())
        return uni, float(self.rd.sum()) - uni


def local_technology_sales(local_demand: float, supply: float) -> float:
    """Contracts between firms and local institutions: a matching function of demand and supply.

    Sales are the geometric mean of demand and usable supply (both 100m yuan), so that either
    side's growth raises sales with elasticity 1/2 and sales equal demand when supply equals it.
    """
    return float(np.sqrt(max(local_demand, 0.0) * max(supply, 0.0)))
