"""The firm population: Shanxi's above-scale firms and technology SMEs as arrays.

Firms are held as a structure of numpy arrays (one per attribute, over a fixed capacity with an
``alive`` mask) and every yearly rule is a vectorised function of those arrays. A single firm is
reachable as a read-only :class:`Firm` view through ``model.enterprises[i]``.

Money is in million yuan (m yuan); intensities are shares of revenue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ecosim.model.inputs import (
    ABOVE_SCALE_REVENUE,
    CORPORATE_INCOME_TAX_RATE,
    ModelInputs,
    sectors,
)

INDUSTRIAL, SERVICES, TECH_SME = 0, 1, 2
"""Segments: above-scale industrial firms, above-scale non-industrial firms, technology SMEs."""
SEGMENT_NAMES = ("above_scale_industrial", "above_scale_services", "tech_sme")


@dataclass(frozen=True)
class Firm:
    """One firm's state, read from the population arrays (a view, not the model's state)."""

    index: int
    sector: str
    segment: str
    state_owned: bool
    age: int
    revenue: float
    """m yuan per year."""
    value_added: float
    """m yuan per year."""
    rd: float
    """R&D expenditure, m yuan per year."""
    knowledge: float
    """Knowledge stock (perpetual inventory of R&D and absorbed technology), m yuan."""
    high_tech: bool
    hte_valid_until: int
    finance_capacity: float
    """The most the firm can spend on R&D this year, m yuan."""

    @property
    def rd_intensity(self) -> float:
        """R&D / revenue, share."""
        return self.rd / self.revenue if self.revenue > 0 else 0.0


INITIAL_AGE_LIMIT = 30
"""Base-year firm ages are drawn uniformly from 0 to 29 years (an assumption: firm ages only
matter to funds' screening of young firms, and no age data are in the project)."""

MIN_USER_COST = 0.05
"""Floor of the B-index. At the levers' extremes (super-deduction 200% with a 30% reward) the
formula gives a zero or negative cost, i.e. R&D that pays for itself before any return; firms
would then want unbounded R&D. The floor keeps the target finite (finance caps it anyway)."""

FINANCE_HEADROOM = 1.2
"""Base-year performers' finance must carry at least this multiple of the recorded enterprise R&D.
Where the assumed finance shares fall short of it, the cash share of revenue is scaled up for all
firms (``Enterprises.liquidity_scale``): the data say the R&D was financed."""


@cache
def sector_table() -> dict[str, object]:
    """The sector table's columns as arrays (read-only, shared by every population)."""
    table = sectors()
    columns = {"va_ratio": "va_ratio", "sector_growth": "growth", "sector_margin": "margin",
               "sector_rd": "rd_intensity"}
    flags = {"is_cluster": "cluster", "is_manufacturing": "manufacturing", "is_software": "software",
             "is_coal": "coal", "is_industrial": "industrial"}
    arrays = {name: table[column].to_numpy(dtype=float) for name, column in columns.items()}
    arrays.update({name: table[column].to_numpy().astype(bool) for name, column in flags.items()})
    for array in arrays.values():
        array.setflags(write=False)
    return {"sector_names": tuple(table["sector"]), **arrays}


def desire_scale_for(desired: np.ndarray, finance: np.ndarray, total: float) -> float:
    """The factor k with sum(min(k * desired, finance)) == total: how strongly firms must want R&D
    for the base year's performers to spend the recorded enterprise R&D (m yuan).

    The sum is piecewise linear and increasing in k, with kinks where k = finance / desired, so
    the exact root is found from the sorted kinks.
    """
    kinks = finance / desired
    order = np.argsort(kinks)
    kinks, desired, finance = kinks[order], desired[order], finance[order]
    capped = np.concatenate([[0.0], np.cumsum(finance)])
    free = np.concatenate([np.cumsum(desired[::-1])[::-1], [0.0]])
    at_kinks = capped[:-1] + kinks * free[:-1]
    j = int(np.searchsorted(at_kinks, total))
    if j >= kinks.size:
        raise ValueError("the assumed finance capacity of firms cannot carry base-year enterprise R&D")
    return float((total - capped[j]) / free[j])


def choose(mask: np.ndarray, if_true: float, if_false: float) -> np.ndarray:
    """``np.where(mask, if_true, if_false)`` for two scalars, exact and several times faster."""
    return np.take(np.array([if_false, if_true]), mask.view(np.int8))


@dataclass
class YearPolicy:
    """The levers that act on firms in one year (values from the government's schedule)."""

    super_deduction: float
    super_deduction_manufacturing: float
    hte_tax_rate: float
    reward_rate: float
    full_coverage: float
    soe_floor: float
    cultivation_firms: int
    vat_threshold: float
    smart_factories: int


class Enterprises:
    """The firm population as arrays, with the yearly rules as vectorised methods."""

    FLOAT_FIELDS = ("revenue", "log_size", "margin", "rd", "knowledge", "kappa0", "desire0", "propensity",
                    "log_user_cost0", "finance", "venture_funds", "credit", "tech_bought", "refund",
                    "va_ratio_of", "growth_of", "deduction_share")
    INT_FIELDS = ("sector", "segment", "age", "hte_until", "cost_class")
    BOOL_FIELDS = ("alive", "state_owned", "upgraded", "in_cluster", "manufacturing", "software", "coal")
    SECTOR_FIELDS = {"va_ratio_of": "va_ratio", "growth_of": "sector_growth", "in_cluster": "is_cluster",
                     "manufacturing": "is_manufacturing", "software": "is_software", "coal": "is_coal"}
    """Per-firm copies of sector characteristics, set on entry so the yearly rules need no lookups."""

    def __init__(self, capacity: int):
        for name in self.FLOAT_FIELDS:
            setattr(self, name, np.zeros(capacity))
        for name in self.INT_FIELDS:
            setattr(self, name, np.zeros(capacity, dtype=np.int64))
        for name in self.BOOL_FIELDS:
            setattr(self, name, np.zeros(capacity, dtype=bool))
        self.hte_until[:] = -1
        self.hte_version = 0
        self._tax_key = None
        self.__dict__.update(sector_table())
        self.segment_median = np.ones(3)
        self.desire_scale = 1.0
        self.liquidity_scale = 1.0
        self.new_hte = 0
        self.pushed_count = 0
        self.cultivated_count = 0
        self.cultivated = np.zeros(capacity, dtype=bool)

    # --- views --------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.alive.sum())

    def __getitem__(self, index: int) -> Firm:
        """The firm in slot ``index`` (see :meth:`indices` for the live slots)."""
        if not 0 <= index < self.alive.size or not self.alive[index]:
            raise IndexError(f"no live firm in slot {index}")
        return Firm(
            index=index,
            sector=self.sector_names[self.sector[index]],
            segment=SEGMENT_NAMES[self.segment[index]],
            state_owned=bool(self.state_owned[index]),
            age=int(self.age[index]),
            revenue=float(self.revenue[index]),
            value_added=float(self.revenue[index] * self.va_ratio_of[index]),
            rd=float(self.rd[index]),
            knowledge=float(self.knowledge[index]),
            high_tech=bool(self.hte_until[index] >= 0 and self.hte_until[index] >= self.year),
            hte_valid_until=int(self.hte_until[index]),
            finance_capacity=float(self.finance[index]),
        )

    def indices(self) -> np.ndarray:
        """Slots of the live firms."""
        return np.flatnonzero(self.alive)

    @property
    def value_added(self) -> np.ndarray:
        """Value added of each slot, m yuan (zero for empty slots)."""
        return self.revenue * self.va_ratio_of

    @property
    def profit(self) -> np.ndarray:
        """Gross profit of each slot, m yuan (negative for loss-makers)."""
        return self.margin * self.revenue

    def high_tech(self, year: int) -> np.ndarray:
        """Mask of firms holding a valid HTE certificate in ``year``."""
        return self.hte_until >= year

    def industrial_above_scale(self) -> np.ndarray:
        """Mask of live above-scale industrial firms (the statistics' 'industrial firms')."""
        return self.alive & (self.segment == INDUSTRIAL)

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def initial(cls, inputs: ModelInputs, policy: YearPolicy, rng: np.random.Generator) -> "Enterprises":
        """The base-year population, scaled to the base year's GDP and enterprise R&D (history.csv)."""
        a = inputs.assumptions
        n_above, n_sme = int(a["n_above_scale_firms"]), int(a["n_tech_smes"])
        firms = cls(capacity=int(1.1 * (n_above + n_sme)) + 64)
        firms.a = a
        firms.year = int(inputs.years[0])
        n = n_above + n_sme
        n_industrial = round(a["industrial_share"] * n_above)
        segment = np.repeat([INDUSTRIAL, SERVICES, TECH_SME], [n_industrial, n_above - n_industrial, n_sme])
        firms._populate(np.arange(n), segment, inputs, rng, entrants=False)
        firms._scale_to_base_year(inputs, policy, rng)
        return firms

    def _draw_sectors(self, segment: np.ndarray, a: dict, rng: np.random.Generator) -> np.ndarray:
        """Sector of each new firm given its segment, by the sector table's weights."""
        if not hasattr(self, "_sector_cdf"):
            self._sector_cdf = np.array(self._sector_distribution(a))
        u = rng.random(segment.size)
        out = np.empty(segment.size, dtype=np.int64)
        for seg, cdf in enumerate(self._sector_cdf):
            where = segment == seg
            out[where] = np.searchsorted(cdf, u[where], side="right")
        return np.minimum(out, self._sector_cdf.shape[1] - 1)

    def _sector_distribution(self, a: dict) -> list[np.ndarray]:
        """Cumulative sector probabilities of each segment: clusters and the rest by the assumed shares."""
        weight = sectors()["weight"].to_numpy()
        groups = {
            INDUSTRIAL: [(self.is_cluster & self.is_industrial, a["cluster_share"]),
                         (~self.is_cluster & self.is_industrial, 1 - a["cluster_share"])],
            SERVICES: [(self.is_software, a["software_share_of_services"]),
                       (~self.is_cluster & ~self.is_industrial, 1 - a["software_share_of_services"])],
            TECH_SME: [(self.is_cluster, a["tech_sme_cluster_share"]),
                       (~self.is_cluster & ~self.is_coal, 1 - a["tech_sme_cluster_share"])],
        }
        cdfs = []
        for seg in (INDUSTRIAL, SERVICES, TECH_SME):
            probs = sum(share * np.where(mask, weight, 0.0) / weight[mask].sum() for mask, share in groups[seg])
            cdfs.append(np.cumsum(probs / probs.sum()))
        return cdfs

    def _populate(self, slots: np.ndarray, segment: np.ndarray, inputs: ModelInputs,
                  rng: np.random.Generator, entrants: bool, t: int = 0) -> None:
        """Fill ``slots`` with new firms of the given segments (initial population, or entrants in year ``t``)."""
        a = inputs.assumptions
        k = slots.size
        sector = self._draw_sectors(segment, a, rng)
        if entrants:
            median = a["entrant_size_ratio"] * self.typical_revenue(segment, a, t)
            revenue = median * np.exp(a["revenue_dispersion"] * rng.standard_normal(k))
            revenue = np.where(segment == TECH_SME, revenue, np.maximum(revenue, ABOVE_SCALE_REVENUE))
        else:
            median = np.take(np.array([1.0, a["services_revenue_ratio"], a["tech_sme_revenue_median"]]), segment)
            revenue = median * np.exp(a["revenue_dispersion"] * rng.standard_normal(k))
        self.alive[slots] = True
        self.segment[slots] = segment
        self.sector[slots] = sector
        for field_name, table_name in self.SECTOR_FIELDS.items():
            getattr(self, field_name)[slots] = getattr(self, table_name)[sector]
        self.revenue[slots] = revenue
        draws = rng.standard_normal((3, k))
        self.margin[slots] = self.sector_margin[sector] + a["margin_dispersion"] * draws[0]
        profitable = self.margin[slots] > 0
        self.deduction_share[slots] = choose(profitable, 1.0, a["loss_carry_forward_value"])
        self.cost_class[slots] = 2 * self.manufacturing[slots] + profitable
        self.log_size[slots] = 0.0

        self.age[slots] = 0 if entrants else rng.integers(0, INITIAL_AGE_LIMIT, size=k)
        sigma = a["rd_intensity_dispersion"]
        self.desire0[slots] = self.sector_rd[sector] * self.desire_scale * np.exp(sigma * draws[1] - 0.5 * sigma**2)
        self.propensity[slots] = draws[2]
        if entrants:
            self._finish_entry(slots, a, t)

    def _finish_entry(self, slots: np.ndarray, a: dict, t: int) -> None:
        """R&D propensity of entrants relative to their segment's cut-off, and their reference user
        cost: the base-year policy's for their class, the policy under which firms' desired R&D was
        set, so that later lever changes act on entrants as on incumbents."""
        seg = self.segment[slots]
        size = np.log(self.revenue[slots] / self.typical_revenue(seg, a, t))
        self.propensity[slots] += a["participation_size_effect"] * size - self.segment_cutoff[seg]
        self.log_user_cost0[slots] = np.log(self.base_cost_table[self.cost_class[slots]])

    def typical_revenue(self, segment: np.ndarray, a: dict, t: int) -> np.ndarray:
        """Median revenue of a segment's firms in year ``t``: the base year's, grown at the trend rate (m yuan)."""
        return self.segment_median[segment] * (1.0 + a["firm_revenue_growth"]) ** t

    def _scale_to_base_year(self, inputs: ModelInputs, policy: YearPolicy, rng: np.random.Generator) -> None:
        """Scale sizes to base-year GDP, pick R&D performers and scale R&D to base-year enterprise R&D."""
        a, base = inputs.assumptions, inputs.base
        live = self.indices()
        seg = self.segment[live]
        above = seg != TECH_SME
        va_target = a["modelled_va_share_of_gdp"] * base.gdp * 100.0
        va = self.value_added[live]
        scale = (va_target - va[~above].sum()) / va[above].sum()
        self.revenue[live[above]] = np.maximum(self.revenue[live[above]] * scale, ABOVE_SCALE_REVENUE)
        for s in range(3):
            self.segment_median[s] = np.median(self.revenue[live[seg == s]])
        self.propensity[live] += a["participation_size_effect"] * np.log(
            self.revenue[live] / self.segment_median[seg])
        industrial = live[seg == INDUSTRIAL]
        large = industrial[self.revenue[industrial] >= np.median(self.revenue[industrial])]
        n_soe = min(round(a["state_owned_share"] * industrial.size), large.size)
        self.state_owned[rng.choice(large, size=n_soe, replace=False)] = True
        performers_wanted = {
            INDUSTRIAL: base.industrial_rd_performers,
            SERVICES: a["services_rd_performer_share"] * (seg == SERVICES).sum(),
            TECH_SME: a["tech_sme_rd_performer_share"] * (seg == TECH_SME).sum(),
        }
        doing = np.zeros(self.alive.size, dtype=bool)
        self.segment_cutoff = np.zeros(3)
        persistence = a["participation_persistence"]
        for s, count in performers_wanted.items():
            members = live[seg == s]
            k = int(round(count))
            top = members[np.argpartition(-self.propensity[members], k - 1)[:k]]
            doing[top] = True
            self.segment_cutoff[s] = self.propensity[top].min() + 0.5 * persistence
        self.propensity[live] -= self.segment_cutoff[seg]
        target_rd = base.rd_by_performer["enterprises"] * 100.0
        self.liquidity_scale = 1.0
        finance = self.internal_finance(a, policy, int(inputs.years[0]))
        shortfall = FINANCE_HEADROOM * target_rd - finance[doing].sum()
        if shortfall > 0:
            self.liquidity_scale += shortfall / (a["liquidity_share"] * self.revenue[doing].sum())
            finance = self.internal_finance(a, policy, int(inputs.years[0]))
        self.finance = finance
        scale = desire_scale_for(self.desire0[doing] * self.revenue[doing], finance[doing], target_rd)
        self.desire_scale = scale
        self.desire0 *= scale
        self.rd[doing] = np.minimum(self.desire0 * self.revenue, finance)[doing]
        growth = a["firm_revenue_growth"]
        self.knowledge[:] = self.rd / (a["knowledge_depreciation"] + growth)
        self.kappa0[:] = self._knowledge_index(a)
        tech_ratio = base.tech_bought / base.rd_by_performer["enterprises"]
        self.tech_bought[:] = tech_ratio * self.rd
        self.tech_ratio0 = tech_ratio
        self._initial_hte(inputs, rng, doing)
        self.base_cost_table = self.user_cost_table(policy)
        self.log_user_cost0[:] = np.log(self.user_cost(policy, int(inputs.years[0])))

    def _initial_hte(self, inputs: ModelInputs, rng: np.random.Generator, doing: np.ndarray) -> None:
        """Certify the assumed base-year HTE stock: eligible performers first, certificates staggered."""
        want = int(inputs.assumptions["hte_initial_stock"])
        intensity = np.divide(self.rd, self.revenue, out=np.zeros_like(self.rd), where=self.revenue > 0)
        ratio = intensity / inputs.hte.for_revenue(self.revenue)
        candidates = np.flatnonzero(doing)
        eligible = candidates[ratio[candidates] >= 1.0]
        if eligible.size >= want:
            chosen = rng.choice(eligible, size=want, replace=False)
        else:
            rest = candidates[ratio[candidates] < 1.0]
            chosen = np.concatenate([eligible, rest[np.argsort(-ratio[rest])][: want - eligible.size]])
        self.hte_until[chosen] = inputs.years[0] + rng.integers(0, 3, size=chosen.size)
        self.hte_version += 1

    # --- the yearly rules -----------------------------------------------------------------

    def tax_rate(self, policy: YearPolicy, year: int) -> np.ndarray:
        """Income-tax rate of each firm: the HTE rate with a valid certificate, else the statutory rate.

        Computed once per (year, HTE rate) while certificates do not change within the year's decision.
        """
        key = (year, policy.hte_tax_rate, self.hte_version)
        if self._tax_key != key:
            self._tax = choose(self.hte_until >= year, policy.hte_tax_rate, CORPORATE_INCOME_TAX_RATE)
            self._tax_key = key
        return self._tax

    def user_cost(self, policy: YearPolicy, year: int) -> np.ndarray:
        """After-tax user cost of one yuan of R&D relative to an ordinary expense (the B-index).

        B = (1 - phi*tau*(1 + s) - r) / (1 - phi*tau): tau the firm's tax rate, s its super-deduction
        rate, phi the usable share of deductions, r the direct reward rate.
        """
        return np.take(self.user_cost_table(policy), self._cost_code(year))

    def user_cost_table(self, policy: YearPolicy) -> np.ndarray:
        """The B-index of each firm class: index = 4 * HTE + 2 * manufacturing + profitable."""
        values = []
        for tau in (CORPORATE_INCOME_TAX_RATE, policy.hte_tax_rate):
            for s in (policy.super_deduction, policy.super_deduction_manufacturing):
                for phi in (self.a["loss_carry_forward_value"], 1.0):
                    values.append((1.0 - phi * tau * (1.0 + s) - policy.reward_rate) / (1.0 - phi * tau))
        return np.maximum(np.array(values), MIN_USER_COST)

    def _cost_code(self, year: int) -> np.ndarray:
        """Each firm's user-cost class this year (see :meth:`user_cost_table`)."""
        return self.cost_class + 4 * (self.hte_until >= year).view(np.int8)

    def internal_finance(self, a: dict, policy: YearPolicy, year: int, idx=slice(None)) -> np.ndarray:
        """Most firms ``idx`` can spend on R&D this year: after-tax profit share, cash, outside money
        and refunds (m yuan)."""
        after_tax = np.maximum(self.profit[idx], 0.0) * (1.0 - self.tax_rate(policy, year)[idx])
        return (a["internal_finance_share"] * after_tax + (a["liquidity_share"] * self.liquidity_scale) * self.revenue[idx]
                + self.venture_funds[idx] * (a["venture_rd_share"] / a["venture_spend_years"])
                + self.credit[idx] * a["tech_credit_rd_share"] + self.refund[idx])

    def _knowledge_index(self, a: dict) -> np.ndarray:
        """Own knowledge intensity on a log scale: log(1 + K / (h * revenue))."""
        scale = a["knowledge_half_saturation"] * np.maximum(self.revenue, 1e-9)
        return np.log1p(self.knowledge / scale)

    def cluster_knowledge_index(self, a: dict) -> np.ndarray:
        """Knowledge intensity of each sector (cluster spill-over pool), log scale, by sector."""
        n = len(self.sector_names)
        k = np.bincount(self.sector, weights=self.knowledge, minlength=n)
        r = np.bincount(self.sector, weights=self.revenue, minlength=n)
        return np.log1p(k / (a["knowledge_half_saturation"] * np.maximum(r, 1e-9)))

    def decide_rd(self, a: dict, policy: YearPolicy, inputs: ModelInputs, t: int,
                  spill: np.ndarray, rng: np.random.Generator, coverage_rng: np.random.Generator) -> None:
        """This year's R&D: whether to do it (latent rule) and how much (partial adjustment to target).

        The target is the firm's base desire scaled by its user cost relative to entry
        (elasticity), expected returns (own knowledge, cluster and institution spill-overs) and a
        secular trend, and for state-owned firms at least the floor. R&D moves part of the way to
        the target, is raised to the HTE threshold where the tax saving pays (or the firm is
        coached), and is capped by this year's finance. The amounts are worked out for performers
        only.
        """
        year = int(inputs.years[t])
        table = self.user_cost_table(policy)
        code = self._cost_code(year)
        cost_change = np.take(np.log(table), code) - self.log_user_cost0
        doing = self._participate(a, cost_change, rng)
        self.pushed_count = self._full_coverage(policy, doing, a, coverage_rng)
        soe_bound = self.state_owned & self.alive & (policy.soe_floor > 0)
        i = np.flatnonzero(doing | soe_bound)
        revenue, rd_before = self.revenue[i], self.rd[i]
        knowledge_index = np.log1p(self.knowledge[i] / (a["knowledge_half_saturation"] * revenue))
        returns = np.exp(a["own_knowledge_return"] * (knowledge_index - self.kappa0[i]) + spill[self.sector[i]])
        target = (self.desire0[i] * revenue * np.exp(-a["rd_user_cost_elasticity"] * cost_change[i])
                  * (returns * (1.0 + a["rd_trend_growth"]) ** t) + a["software_refund_rd_share"] * self.refund[i])
        target = np.maximum(target, (policy.soe_floor * revenue) * soe_bound[i])
        rd = rd_before + a["rd_adjustment_speed"] * (target - rd_before)
        rd = self._lift_to_hte_threshold(i, rd, policy, inputs, year, table[code[i]], a)
        finance = self.internal_finance(a, policy, year, i)
        self.finance[:] = 0.0
        self.finance[i] = finance
        self.rd[:] = 0.0
        self.rd[i] = np.maximum(np.minimum(rd, finance), 0.0)

    def _participate(self, a: dict, cost_change: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Whether each firm does R&D this year: latent propensity, size, user cost, persistence and a shock.

        The shock is logistic with the assumed standard deviation, one draw per slot every year
        (common random numbers: a lever change does not reshuffle other firms' shocks).
        """
        u = rng.random(self.alive.size)
        shock = (a["participation_shock_sd"] * np.sqrt(3.0) / np.pi) * np.log(u / (1.0 - u))
        margin = (self.propensity + a["participation_size_effect"] * self.log_size
                  - a["participation_cost_sensitivity"] * cost_change
                  + a["participation_persistence"] * (self.rd > 0) + shock)
        return self.alive & (margin > 0)

    def _full_coverage(self, policy: YearPolicy, doing: np.ndarray, a: dict, rng: np.random.Generator) -> int:
        """Push a share of non-performing industrial firms into R&D; they stay (their propensity is raised)."""
        u = rng.random(doing.size)
        if policy.full_coverage <= 0:
            return 0
        pushed = self.industrial_above_scale() & ~doing & (u < policy.full_coverage)
        which = np.flatnonzero(pushed)
        self.propensity[which] = np.maximum(self.propensity[which], -0.5 * a["participation_persistence"])
        doing |= pushed
        return int(pushed.sum())

    def _lift_to_hte_threshold(self, i: np.ndarray, rd: np.ndarray, policy: YearPolicy,
                               inputs: ModelInputs, year: int, cost: np.ndarray, a: dict) -> np.ndarray:
        """Performers ``i`` just below the HTE threshold lift R&D (``rd``) to it when the tax saving beats
        the extra cost; coached firms (the cultivation lever) lift it in any case."""
        revenue = self.revenue[i]
        need = inputs.hte.for_revenue(revenue) * revenue
        uncertified = self.hte_until[i] <= year
        gap = need - rd
        below = uncertified & (gap > 0)
        near = below & (rd >= (1.0 - a["hte_bunching_window"]) * need)
        saving = (CORPORATE_INCOME_TAX_RATE - policy.hte_tax_rate) * np.maximum(self.profit[i], 0.0)
        lift = near & (saving > gap * cost)
        self.cultivated[:] = False
        self.cultivated_count = 0
        if policy.cultivation_firms > 0:
            pool = np.flatnonzero(below & ~lift)
            closest = pool
            if pool.size > policy.cultivation_firms:
                share = gap[pool] / need[pool]
                closest = pool[np.argpartition(share, policy.cultivation_firms - 1)[: policy.cultivation_firms]]
            lift[closest] = True
            self.cultivated[i[closest]] = True
            self.cultivated_count = int(closest.size)
        return np.maximum(rd, need * lift)

    def receive_grants(self, amount: float) -> None:
        """Open-competition project money (m yuan) goes to the cluster firms doing R&D in proportion to
        their R&D; the projects' results add to their knowledge stock."""
        weight = self.rd * self.in_cluster
        total = float(weight.sum())
        if amount > 0 and total > 0:
            self.knowledge += (amount / total) * weight

    def innovate(self, a: dict, rng: np.random.Generator) -> None:
        """Knowledge accumulates; a stochastic innovation, likelier with more knowledge, raises revenue."""
        self.knowledge = ((1.0 - a["knowledge_depreciation"]) * self.knowledge + self.rd
                          + a["tech_absorption_weight"] * self.tech_bought)
        u = rng.random(self.alive.size)
        knowing = np.flatnonzero(self.knowledge > 0)
        chance = a["innovation_success_max"] * -np.expm1(
            -self.knowledge[knowing] / (a["knowledge_half_saturation"] * self.revenue[knowing]))
        success = knowing[u[knowing] < chance]
        self.revenue[success] *= 1.0 + a["innovation_productivity_gain"]
        self.log_size[success] += np.log1p(a["innovation_productivity_gain"])

    def recognise_hte(self, a: dict, inputs: ModelInputs, year: int, rng: np.random.Generator) -> None:
        """Firms without a certificate, or in its last year, whose R&D/revenue meets the threshold may be
        recognised: for 3 years from this year, or from next year for a renewal."""
        u = rng.random(self.alive.size)
        applying = np.flatnonzero((self.rd > 0) & (self.hte_until <= year))
        revenue = self.revenue[applying]
        applying = applying[self.rd[applying] >= inputs.hte.for_revenue(revenue) * revenue]
        chance = np.where(self.cultivated[applying], a["hte_cultivated_success"], a["hte_application_success"])
        recognised = applying[u[applying] < chance]
        renewal = self.hte_until[recognised] == year
        self.hte_until[recognised] = year + 2 + renewal
        self.hte_version += 1
        self.new_hte = int(recognised.size)

    def upgrade_factories(self, count: int, gain: float, rng: np.random.Generator) -> int:
        """Smart-factory grants: ``count`` industrial firms not yet upgraded gain ``gain`` of revenue once
        (chosen with one uniform draw per slot, so the draws do not depend on the count)."""
        u = rng.random(self.alive.size)
        if count <= 0:
            return 0
        pool = np.flatnonzero(self.industrial_above_scale() & ~self.upgraded)
        chosen = pool if count >= pool.size else pool[np.argpartition(u[pool], count - 1)[:count]]
        self.revenue[chosen] *= 1.0 + gain
        self.log_size[chosen] += np.log1p(gain)
        self.upgraded[chosen] = True
        return int(chosen.size)

    def grow(self, a: dict, coal_change: float, rng: np.random.Generator) -> None:
        """Revenue drifts with its sector's trend, the coal price (coal firms) and an idiosyncratic shock.

        The yearly log shock is uniform with the assumed standard deviation (a quarter of the
        cost of a normal draw; over the years and firms only its variance matters).
        """
        sigma = a["firm_revenue_shock_sd"]
        half_width = sigma * np.sqrt(3.0)
        log_growth = (a["firm_revenue_growth"] - 0.5 * sigma**2 - half_width + self.growth_of
                      + (a["coal_firm_elasticity"] * coal_change) * self.coal
                      + (2.0 * half_width) * rng.random(self.alive.size))
        self.revenue *= np.exp(log_growth)
        self.log_size += log_growth
        self.age += self.alive

    def clear(self, slots: np.ndarray) -> None:
        """Empty the slots of firms that leave, so that sums over all slots count live firms only and
        entrants start from nothing (no R&D, knowledge, money, certificate or flags)."""
        for name in ("revenue", "rd", "knowledge", "kappa0", "venture_funds", "credit", "tech_bought", "refund"):
            getattr(self, name)[slots] = 0.0
        for name in ("state_owned", "upgraded"):
            getattr(self, name)[slots] = False
        self.hte_until[slots] = -1

    def turnover(self, inputs: ModelInputs, t: int, rng: np.random.Generator,
                 entry_rng: np.random.Generator) -> tuple[int, int]:
        """Exit and entry at the end of year ``t``.

        Smaller firms are likelier to leave (fall below the register's threshold or close): a
        firm's exit chance is the exit rate times (typical revenue / its revenue) ** elasticity,
        normalised so the average chance is the exit rate. Entrants (start-ups, spin-offs, firms
        crossing the threshold) fill free slots, drawn from ``entry_rng``.
        """
        a = inputs.assumptions
        live = np.flatnonzero(self.alive)
        relative = self.typical_revenue(self.segment[live], a, t) / self.revenue[live]
        weight = relative ** a["exit_size_elasticity"]
        chance = a["firm_exit_rate"] * weight / weight.mean()
        leaving = live[rng.random(self.alive.size)[live] < chance]
        self.alive[leaving] = False
        self.clear(leaving)
        self.hte_version += 1
        entry_rate = min(max(a["firm_exit_rate"] + a["firm_net_growth"], 0.0), 1.0)
        n_entry = int(entry_rng.binomial(live.size, entry_rate))
        free = np.flatnonzero(~self.alive)
        if n_entry > free.size:
            self._enlarge(n_entry - free.size)
            free = np.flatnonzero(~self.alive)
        if n_entry:
            n_total = a["n_above_scale_firms"] + a["n_tech_smes"]
            p_sme = a["n_tech_smes"] / n_total
            p_ind = (1 - p_sme) * a["industrial_share"]
            segment = np.searchsorted(np.array([p_ind, 1.0 - p_sme]), entry_rng.random(n_entry), side="right")
            self._populate(free[:n_entry], segment, inputs, entry_rng, entrants=True, t=t)
        return int(leaving.size), n_entry

    def _enlarge(self, extra: int) -> None:
        """Add empty slots when entry outgrows the capacity (a growing population)."""
        extra = max(extra, self.alive.size // 10)
        for name in self.FLOAT_FIELDS + self.INT_FIELDS + self.BOOL_FIELDS + ("cultivated",):
            array = getattr(self, name)
            fill = -1 if name == "hte_until" else 0
            setattr(self, name, np.concatenate([array, np.full(extra, fill, dtype=array.dtype)]))
        self._tax_key = None
