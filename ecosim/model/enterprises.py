"""The firm population: the region's above-scale firms and technology SMEs as arrays.

Firms are held as a structure of numpy arrays (one per attribute, over a fixed capacity with an
``alive`` mask) and every yearly rule is a vectorised function of those arrays. A single firm is
reachable as a read-only :class:`Firm` view through ``model.enterprises[i]``.

Money is in million yuan (m yuan); intensities are shares of revenue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, ndtr, ndtri

from ecosim.data import Region
from ecosim.model import kernels
from ecosim.model.accounts import in_m_yuan
from ecosim.model.draws import KeyedDraws, smallest
from ecosim.model.inputs import (
    ABOVE_SCALE_REVENUE,
    CORPORATE_INCOME_TAX_RATE,
    HTE_CERTIFICATE_YEARS,
    ModelInputs,
)

INDUSTRIAL, SERVICES, TECH_SME = 0, 1, 2
"""Segments: above-scale industrial firms, above-scale non-industrial firms, technology SMEs."""
SEGMENT_NAMES = ("above_scale_industrial", "above_scale_services", "tech_sme")
N_SEGMENTS = len(SEGMENT_NAMES)
HTE_COST_CLASSES = 4
"""The user-cost classes of a certificate holder start here: classes 0-3 are 2 x manufacturing +
profitable without an HTE certificate (``cost_class``), 4-7 the same with one."""


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
    rd_real: float
    """Real R&D (reported R&D less what was relabelled to reach the HTE threshold), m yuan per year."""

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
would then want unbounded R&D. The floor keeps the target finite: at most (B0 / 0.05) ** elasticity
times the firm's base-year ratio, reached only at such extremes."""

CERTIFIED_RD_CAP = 0.9
"""Largest share of an R&D group's base-year R&D the certified HTEs may hold. A guard, not an
estimate: certifying the recorded stock raises some firms to the threshold and the group's other
performers pay for it, so they must keep something (a draw with few technology SMEs could otherwise
leave none)."""

CASH_FLOOR = 0.01
"""Lowest cash flow (share of revenue) a loss-making firm keeps for R&D budgeting: keeps the cash-flow
ratio of the budget rule positive when the coal price drives margins below minus the buffer."""


@dataclass(frozen=True)
class SectorTable:
    """The region's sectors (sectors.csv) as read-only arrays indexed by sector."""

    names: tuple[str, ...]
    weight: np.ndarray
    """Share of firms in the sector within its group (sectors.csv ``weight``)."""
    va_ratio: np.ndarray
    """Value added / revenue, share."""
    growth: np.ndarray
    """Revenue growth gap to the economy, log points per year (fading)."""
    margin: np.ndarray
    """Typical profit margin, share of revenue."""
    rd_intensity: np.ndarray
    """Typical R&D / revenue of the sector's performers, share."""
    ceiling: np.ndarray
    """National R&D / revenue of the industry, the catch-up ceiling (0: none), share."""
    coal_link: np.ndarray
    """How much of the coal price's swings the sector's margins and sales feel, 0-1."""
    is_cluster: np.ndarray
    is_manufacturing: np.ndarray
    is_software: np.ndarray
    is_coal: np.ndarray
    is_industrial: np.ndarray


@cache
def sector_table(region: Region) -> SectorTable:
    """The region's sector table (sectors.csv) as arrays (read-only, shared by every population)."""
    table = region.sectors
    numbers = {"va_ratio": "va_ratio", "growth": "growth", "margin": "margin", "rd_intensity": "rd_intensity",
               "ceiling": "ceiling", "coal_link": "coal_link", "weight": "weight"}
    flags = {"is_cluster": "cluster", "is_manufacturing": "manufacturing", "is_software": "software",
             "is_coal": "coal", "is_industrial": "industrial"}
    arrays = {name: table[column].to_numpy(dtype=float) for name, column in numbers.items()}
    arrays.update({name: table[column].to_numpy().astype(bool) for name, column in flags.items()})
    for array in arrays.values():
        array.setflags(write=False)
    return SectorTable(names=tuple(table["sector"]), **arrays)


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
    smart_factories: int

    def per_agent(self, firms_per_agent: int) -> "YearPolicy":
        """The policy as the firm agents see it: the levers counted in firms (cultivation places,
        smart-factory grants) divided by the firms each agent stands for, to the nearest agent."""
        if firms_per_agent == 1:
            return self
        return replace(self, cultivation_firms=agents(self.cultivation_firms, firms_per_agent),
                       smart_factories=agents(self.smart_factories, firms_per_agent))


def prior_cultivation_places(inputs: ModelInputs) -> float:
    """The cultivation places the region's policy record gives the year before the base year (firms;
    0 before the record, or without a region)."""
    if inputs.region is None:
        return 0.0
    recorded = inputs.region.lever_history.get("hte_cultivation_firms", {})
    year = int(inputs.years[0]) - 1
    if not recorded or year < min(recorded):
        return 0.0
    return float(inputs.region.lever_value("hte_cultivation_firms", year))


def agents(firms: float, firms_per_agent: int) -> int:
    """A count of firms as a count of firm agents, to the nearest whole agent."""
    return int(math.floor(firms / firms_per_agent + 0.5))


@dataclass(frozen=True)
class FirmArray:
    """The declaration of one per-firm array (one slot per firm agent)."""

    dtype: type
    empty: object
    """The value of an empty slot (and of a new firm's before its entry sets it)."""
    emptied: bool
    """Whether the slot is reset to ``empty`` when its firm leaves (the others are set on entry)."""
    meaning: str
    """What it holds, with its unit."""

    def allocate(self, slots: int) -> np.ndarray:
        """``slots`` empty slots of this array."""
        return np.full(slots, self.empty, dtype=self.dtype)


FIRM_ARRAYS: dict[str, FirmArray] = {
    "alive": FirmArray(bool, False, False, "the slot holds a firm"),
    "segment": FirmArray(np.int64, 0, False, "INDUSTRIAL, SERVICES or TECH_SME"),
    "sector": FirmArray(np.int64, 0, False, "index into the sector table"),
    "age": FirmArray(np.int64, 0, False, "years since entry (base-year firms: drawn)"),
    "state_owned": FirmArray(bool, False, True, "a state-owned firm"),
    "floor_enforced": FirmArray(bool, False, False, "the SOE R&D floor binds this state-owned firm"),
    "revenue": FirmArray(float, 0.0, True, "m yuan per year"),
    "margin_ref": FirmArray(float, 0.0, False, "profit margin at the coal price's long-run mean, share of revenue"),
    "margin": FirmArray(float, 0.0, False, "profit margin this year, share of revenue"),
    "budget_margin": FirmArray(float, 0.0, False, "margin R&D budgets are planned on (smoothed coal price), share"),
    "margin0": FirmArray(float, 0.0, False, "the base year's planning margin, share of revenue"),
    "deduction_share": FirmArray(float, 0.0, False,
                                 "value of a yuan of deduction (1 if profitable, else carried forward)"),
    "cost_class": FirmArray(np.int64, 0, False,
                            "2 x manufacturing + profitable (the user-cost table's row without HTE)"),
    "log_user_cost0": FirmArray(float, 0.0, False, "log B-index under the base-year policy"),
    "propensity": FirmArray(float, 0.0, False, "latent R&D propensity against the segment's cut-off"),
    "intensity0": FirmArray(float, 0.0, False, "desired R&D / revenue at base-year conditions, share"),
    "intensity": FirmArray(float, 0.0, True, "R&D / revenue this year (own money), share"),
    "rd": FirmArray(float, 0.0, True, "reported R&D, m yuan per year"),
    "rd_real": FirmArray(float, 0.0, True, "real R&D (reported less relabelled), m yuan per year"),
    "knowledge": FirmArray(float, 0.0, True, "knowledge stock, m yuan of R&D equivalent"),
    "venture_funds": FirmArray(float, 0.0, True, "venture money held, m yuan"),
    "credit": FirmArray(float, 0.0, True, "tech-credit loan this year, m yuan"),
    "tech_bought": FirmArray(float, 0.0, True, "technology bought this year, m yuan"),
    "refund": FirmArray(float, 0.0, True, "software VAT refund this year, m yuan"),
    "hte_until": FirmArray(np.int64, -1, True, "last year of the HTE certificate (-1: never certified)"),
    "upgraded": FirmArray(bool, False, True, "received a smart-factory grant"),
    "pushed": FirmArray(bool, False, True, "pushed into R&D by the full-coverage campaign"),
    "drawn_in": FirmArray(bool, False, True, "started R&D only through the common participation trend (low tail)"),
    "coached_ratio": FirmArray(float, 0.0, True, "R&D / revenue the cultivation programme coaches the firm toward "
                                                 "(the HTE threshold when it enrolled), share; 0: not in the pipeline"),
    "cultivation_started": FirmArray(bool, False, True, "in the cultivation pipeline and doing R&D only because the "
                                                        "programme recruited it without R&D (all its R&D is the programme's)"),
    "va_ratio_of": FirmArray(float, 0.0, False, "the sector's value added / revenue (copied on entry)"),
    "growth_of": FirmArray(float, 0.0, False, "the sector's growth gap, log points per year (copied on entry)"),
    "coal_link_of": FirmArray(float, 0.0, False, "the sector's coal link, 0-1 (copied on entry)"),
    "in_cluster": FirmArray(bool, False, False, "the sector is a flagship cluster (copied on entry)"),
    "manufacturing": FirmArray(bool, False, False, "the sector is manufacturing (copied on entry)"),
    "software": FirmArray(bool, False, False, "the sector is software and IT (copied on entry)"),
    "coal": FirmArray(bool, False, False, "the sector is coal and energy (copied on entry)"),
}
"""Every per-firm array, declared once (name: dtype, empty value, emptied on exit, meaning and unit):
:meth:`Enterprises.allocate` creates and enlarges them from here, :meth:`Enterprises.clear` empties them."""

SPARE_SLOTS, MIN_SPARE_SLOTS = 0.1, 64
"""Empty slots made beyond the base-year population (a share of it, at least this many), so
entrants rarely make the arrays grow; when they do, they grow by the same share."""
PUSHED_PROPENSITY = -0.5
"""A firm pushed into R&D has its propensity raised to at least this many times the persistence
bonus: while it does R&D its margin is then at least half the bonus, so it stays unless a shock of
that size hits: a campaign's firms mostly stay. ASSUMPTION (range -1 to 0): docs/evidence.md has no
published estimate for campaigns (section 3), so this is a plausibility bound, not an estimate."""
TECH_SME_MAX_REVENUE = 200.0
"""m yuan per year: a technology SME's revenue limit (MOST, Measures for the Evaluation of Technology-
based SMEs, Guokefazheng [2017] No.115, art.6: staff at most 500, revenue and assets at most 200m
yuan). The cultivation programmes enrol such firms."""
CUTOFF_SEARCH_WIDTH = 40.0
"""The steady-state cut-off is searched this many logistic scales beyond the segment's propensities
(where every entry or exit chance is below 1e-17)."""
NORMAL_TAIL = 9.0
"""Standard deviations beyond which a normal draw's chance is below 1e-18: the search for the cut-off
reaches this far past the entrants' index values."""
MIN_GROUP_SCALE = 0.1
"""Least factor on a base-year R&D group's uncertified performers' desired R&D when its certified
firms hold more than the group's share: a guard against zero or negative ratios."""


ENTRANT_NODES = 32
"""Quadrature nodes per dimension (the entrant's size, the year's shock) in an entrant's expected
chance of starting R&D (:func:`entrant_start_chance`): over the assumptions' ranges the chance is
then within about 1e-4 of a 400-node rule's (a few hundredths of a firm a year)."""


def entry_shares(a: dict) -> np.ndarray:
    """Each segment's share of entrants (industrial, services, technology SMEs): the catalogue's
    make-up of the population, so that entry keeps it."""
    n_total = a["n_above_scale_firms"] + a["n_tech_smes"]
    p_sme = a["n_tech_smes"] / n_total
    p_industrial = (1.0 - p_sme) * a["industrial_share"]
    return np.array([p_industrial, 1.0 - p_sme - p_industrial, p_sme])


def entry_rate(a: dict) -> float:
    """Entrants per year as a share of the population: the exit rate plus the net growth (0-1)."""
    return min(max(a["firm_exit_rate"] + a["firm_net_growth"], 0.0), 1.0)


@cache
def _unit_nodes(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on (0, 1)."""
    x, weight = np.polynomial.legendre.leggauss(n)
    return 0.5 * (x + 1.0), 0.5 * weight


def entrant_index_nodes(a: dict, log_floor: float) -> tuple[np.ndarray, np.ndarray]:
    """The distribution of an entrant's latent R&D index before its segment's cut-off, less the
    normal part of its propensity: values ``v`` and weights ``w`` such that an entrant starts R&D in
    its first year with chance ``sum(w * ndtr(v - cutoff))``.

    An entrant's index is a standard normal draw plus the size effect times its log revenue against
    the segment's typical firm (``entrant_size_ratio`` times it, log-sd ``revenue_dispersion``, at
    least ``log_floor``: the register's threshold for above-scale firms, -inf for technology SMEs,
    see :meth:`Enterprises._populate`); it starts when the index plus the year's logistic shock clears
    the cut-off. The normal draw is integrated exactly (``ndtr``); size and shock by Gauss-Legendre
    over their quantiles, the size's above the floor, with the floor's mass as one node."""
    q, q_weight = _unit_nodes(ENTRANT_NODES)
    median, spread = np.log(a["entrant_size_ratio"]), a["revenue_dispersion"]
    at_floor = float(ndtr((log_floor - median) / spread))
    size = np.concatenate([[log_floor], median + spread * ndtri(at_floor + (1.0 - at_floor) * q)])
    size_weight = np.concatenate([[at_floor], (1.0 - at_floor) * q_weight])
    scale = a["participation_shock_sd"] * np.sqrt(3.0) / np.pi
    shock = scale * np.log(q / (1.0 - q))
    keep = size_weight > 0
    values = a["participation_size_effect"] * size[keep, None] + shock[None, :]
    return values.ravel(), np.outer(size_weight[keep], q_weight).ravel()


def entrant_start_chance(cutoff: float, nodes: tuple[np.ndarray, np.ndarray]) -> float:
    """An entrant's chance of starting R&D in its first year at the segment's ``cutoff`` (latent
    units), from :func:`entrant_index_nodes`."""
    values, weights = nodes
    return float(weights @ ndtr(values - cutoff))


def steady_cutoff(propensity: np.ndarray, doing: np.ndarray, certified: np.ndarray, leaving: np.ndarray,
                  entrants: float, entrant_nodes: tuple[np.ndarray, np.ndarray], a: dict) -> float:
    """The cut-off of a segment's latent R&D index at which the participation rule keeps the
    base year's count of performers in expectation, entry and exit included. In a year the count
    gains the surviving non-performers that start (a logistic shock lifts their index above the
    cut-off) and the ``entrants`` that start in their first year (:func:`entrant_start_chance`:
    entrants are drawn from the whole distribution, so they start far more often than the
    non-performers they replace), and loses the surviving uncertified performers that stop (the
    shock drops index plus persistence below it; certificate holders keep R&D) and the performers
    that leave. ``leaving`` is each firm's exit chance. So the recorded count is the rule's steady
    state, not its first year's level before a drift."""
    scale = a["participation_shock_sd"] * np.sqrt(3.0) / np.pi
    persistence = a["participation_persistence"]
    starters, stoppers = ~doing, doing & ~certified
    start_index, start_weight = propensity[starters] / scale, 1.0 - leaving[starters]
    stop_index, stop_weight = (propensity[stoppers] + persistence) / scale, 1.0 - leaving[stoppers]
    exits = float(leaving[doing].sum())

    def net_entry(cutoff: float) -> float:
        starts = start_weight @ expit(start_index - cutoff / scale) + entrants * entrant_start_chance(cutoff, entrant_nodes)
        stops = stop_weight @ expit(cutoff / scale - stop_index)
        return float(starts - stops - exits)

    values = entrant_nodes[0]
    low = min(propensity.min() - persistence, values.min() - NORMAL_TAIL) - CUTOFF_SEARCH_WIDTH * scale
    high = max(propensity.max(), values.max() + NORMAL_TAIL) + CUTOFF_SEARCH_WIDTH * scale
    if net_entry(low) <= 0:
        return float(low)
    if net_entry(high) >= 0:
        return float(high)
    return float(brentq(net_entry, low, high, xtol=1e-9 * scale))


@dataclass(frozen=True)
class YearTotals:
    """The firm sums and counts the year's record reads (over the firm agents; m yuan)."""

    value_added: float
    """Value added of all firms."""
    surveyed_rd: float
    """R&D of the firms the statistics survey (:meth:`Enterprises.surveyed`)."""
    industrial_rd: float
    """R&D of the live above-scale industrial firms."""
    outside_survey_rd: float
    """R&D of the live firms outside the survey."""
    firms: int
    doing_rd: int
    industrial_doing_rd: int
    high_tech: int
    """Live firms holding a valid HTE certificate."""


class Enterprises:
    """The firm population as arrays (:data:`FIRM_ARRAYS`), with the yearly rules as vectorised methods."""

    def __init__(self, capacity: int, region: Region, a: dict | None = None, year: int = 0):
        """Empty slots for ``capacity`` firm agents of ``region`` (its sector table), under the assumption
        values ``a`` in calendar year ``year``; :meth:`initial` fills them with the base-year population."""
        self.allocate(capacity)
        self.sectors = sector_table(region)
        self.a = a
        """The run's assumption values."""
        self.year = year
        """The calendar year."""
        self.sector_cdf = None
        """The segments' cumulative sector probabilities end to end (see :meth:`_draw_sectors`)."""
        self.template_ratio = self.template_count = self.template_start = None
        """The base year's desired R&D ratios by segment and sector (see :meth:`_keep_entry_template`)."""
        self.base_cost_table = None
        """The B-index of each firm class under the base-year policy (see :meth:`user_cost_table`)."""
        self.segment_median = np.ones(N_SEGMENTS)
        self.desire_scale = 1.0
        """Factor the base year applied to the sector table's R&D ratios (entrants of a segment and
        sector the base year lacks get it too)."""
        self.segment_cutoff = np.zeros(N_SEGMENTS)
        self.sector_level = np.ones(len(self.sectors.names))
        """Each sector's catch-up factor on its industrial firms' desired R&D ratios (1 in the base year)."""
        self.coal_gap = 0.0
        self.planning_gap = self.planning_gap0 = 0.0
        """Coal-price gap this year's R&D budgets are planned on, and the base year's (log points)."""
        self.coal_gap0 = 0.0
        """The base year's coal-price gap, which set the base year's cash (log points)."""
        self.firms_per_agent = 1
        """Firms each agent stands for (the model's population scale)."""
        self.new_hte = 0
        self.pushed_count = 0
        self.cultivated_count = 0
        """Firms enrolled in the cultivation pipeline this year."""
        self.floor_rd = 0.0
        """Real R&D the SOE floor adds this year above what the bound firms' own targets ask (what it
        makes them relabel is not spent, so not counted), m yuan."""

    def allocate(self, capacity: int) -> None:
        """Give every array of :data:`FIRM_ARRAYS` ``capacity`` slots: the live firms' slots kept, the
        new ones empty (the one constructor of the firm arrays)."""
        for name, spec in FIRM_ARRAYS.items():
            held = self.__dict__.get(name)
            extra = spec.allocate(capacity - (0 if held is None else held.size))
            setattr(self, name, extra if held is None else np.concatenate([held, extra]))

    # --- views --------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.alive.sum())

    def __getitem__(self, index: int) -> Firm:
        """The firm in slot ``index`` (see :meth:`indices` for the live slots)."""
        if not 0 <= index < self.alive.size or not self.alive[index]:
            raise IndexError(f"no live firm in slot {index}")
        return Firm(
            index=index,
            sector=self.sectors.names[self.sector[index]],
            segment=SEGMENT_NAMES[self.segment[index]],
            state_owned=bool(self.state_owned[index]),
            age=int(self.age[index]),
            revenue=float(self.revenue[index]),
            value_added=float(self.revenue[index] * self.va_ratio_of[index]),
            rd=float(self.rd[index]),
            knowledge=float(self.knowledge[index]),
            high_tech=bool(self.hte_until[index] >= 0 and self.hte_until[index] >= self.year),
            hte_valid_until=int(self.hte_until[index]),
            rd_real=float(self.rd_real[index]),
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

    def surveyed(self) -> np.ndarray:
        """Mask of the firms whose R&D the R&D statistics count: the live above-scale firms, and
        technology SMEs once their revenue reaches the above-scale threshold (ABOVE_SCALE_REVENUE,
        20m yuan). The statistics' enterprise R&D is a survey of above-scale firms (NBS's R&D survey:
        above-scale industrial firms, construction firms and above-scale services firms), so the R&D
        of the small technology firms most HTE certificates go to is not in the record until they
        grow into the register; it is still their R&D (knowledge, tax, certificates)."""
        return self.alive & ((self.segment != TECH_SME) | (self.revenue >= ABOVE_SCALE_REVENUE))

    def industrial_above_scale(self) -> np.ndarray:
        """Mask of live above-scale industrial firms (the statistics' 'industrial firms')."""
        return self.alive & (self.segment == INDUSTRIAL)

    def year_totals(self, year: int) -> YearTotals:
        """The sums and counts of the year's record, in one compiled pass (:func:`kernels.year_totals`:
        each sum in numpy's order over the firms it takes, so the numbers are those of the masks
        :meth:`surveyed`, :meth:`industrial_above_scale` and :meth:`high_tech` select)."""
        return YearTotals(*kernels.year_totals(self.alive, self.segment, self.revenue, self.va_ratio_of, self.rd,
                                               self.hte_until, year, ABOVE_SCALE_REVENUE))

    def coverage_pool(self, doing: np.ndarray) -> np.ndarray:
        """Mask of the firms a full-coverage push can reach: live above-scale industrial firms not
        ``doing`` R&D and never pushed before (the pool shrinks as firms are pushed)."""
        return self.industrial_above_scale() & ~doing & ~self.pushed

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def initial(cls, inputs: ModelInputs, policy: YearPolicy, coal_gap: float, planning_gap: float,
                own_rd: float, rng: np.random.Generator) -> "Enterprises":
        """The base-year population, scaled to the base year's GDP and firms' own R&D (``own_rd``,
        m yuan: recorded enterprise R&D less what outside money pays), in equilibrium: each
        performer's desired R&D equals its actual R&D. ``coal_gap`` is the base year's log coal
        price deviation from its long-run mean, which sets coal-linked firms' margins; ``planning_gap``
        the smoothed past gap their base-year R&D budgets were planned on. A programme running in the
        base year has its pipeline then: the firms the year before enrolled (:meth:`_carry_pipeline`)
        and the base year's places."""
        a = inputs.assumptions
        scale = inputs.firms_per_agent
        n_above, n_sme = agents(a["n_above_scale_firms"], scale), agents(a["n_tech_smes"], scale)
        firms = cls(capacity=n_above + n_sme + max(int(SPARE_SLOTS * (n_above + n_sme)), MIN_SPARE_SLOTS),
                    region=inputs.region, a=a, year=int(inputs.years[0]))
        firms.coal_gap = firms.coal_gap0 = coal_gap
        firms.planning_gap = firms.planning_gap0 = planning_gap
        n = n_above + n_sme
        n_industrial = round(a["industrial_share"] * n_above)
        segment = np.repeat([INDUSTRIAL, SERVICES, TECH_SME], [n_industrial, n_above - n_industrial, n_sme])
        firms._populate(slice(0, n), segment, inputs, rng, entrants=False)
        firms.firms_per_agent = scale
        firms._scale_to_base_year(inputs, policy, own_rd, rng)
        firms.cultivated_count = firms._cultivate(policy, firms.rd > 0, inputs, firms.year)
        return firms

    def _draw_sectors(self, segment: np.ndarray, a: dict, rng: np.random.Generator) -> np.ndarray:
        """Sector of each new firm given its segment, by the sector table's weights."""
        if self.sector_cdf is None:
            cdf = np.minimum(np.array(self._sector_distribution(a)), 1.0)
            self.sector_cdf = (np.arange(cdf.shape[0])[:, None] + cdf).ravel()
            """The segments' cumulative sector probabilities, segment k's shifted by k: one search finds
            every firm's sector."""
        n = len(self.sectors.names)
        found = np.searchsorted(self.sector_cdf, segment + rng.random(segment.size) * (1.0 - 1e-12), side="right")
        return np.clip(found - segment * n, 0, n - 1)

    def _sector_distribution(self, a: dict) -> list[np.ndarray]:
        """Cumulative sector probabilities of each segment: clusters and the rest by the assumed shares."""
        weight = self.sectors.weight
        groups = {
            INDUSTRIAL: [(self.sectors.is_cluster & self.sectors.is_industrial, a["cluster_share"]),
                         (~self.sectors.is_cluster & self.sectors.is_industrial, 1 - a["cluster_share"])],
            SERVICES: [(self.sectors.is_software, a["software_share_of_services"]),
                       (~self.sectors.is_cluster & ~self.sectors.is_industrial, 1 - a["software_share_of_services"])],
            TECH_SME: [(self.sectors.is_cluster, a["tech_sme_cluster_share"]),
                       (~self.sectors.is_cluster & ~self.sectors.is_coal, 1 - a["tech_sme_cluster_share"])],
        }
        cdfs = []
        for seg in (INDUSTRIAL, SERVICES, TECH_SME):
            probs = sum(share * np.where(mask, weight, 0.0) / weight[mask].sum() for mask, share in groups[seg])
            cdfs.append(np.cumsum(probs / probs.sum()))
        return cdfs

    def _populate(self, slots: np.ndarray | slice, segment: np.ndarray, inputs: ModelInputs,
                  rng: np.random.Generator, entrants: bool, t: int = 0) -> None:
        """Fill ``slots`` (indices, or a slice for the base-year population) with new firms of the given
        segments (initial population, or entrants in year ``t``), each array written once: numpy draws
        and takes the exponentials, one compiled pass writes the slots (:func:`kernels.write_new_firms`:
        the sector's characteristics copied, so the yearly rules need no lookups, the margins at the
        coal-price gaps, the deduction share, the cost class, the desired ratio and the propensity)."""
        a = inputs.assumptions
        k = segment.size
        sector = self._draw_sectors(segment, a, rng)
        if entrants:
            median = a["entrant_size_ratio"] * self.typical_revenue(segment, a, t)
            revenue = median * np.exp(a["revenue_dispersion"] * rng.standard_normal(k))
            revenue = np.where(segment == TECH_SME, revenue, np.maximum(revenue, ABOVE_SCALE_REVENUE))
        else:
            median = np.take(np.array([1.0, a["services_revenue_ratio"], a["tech_sme_revenue_median"]]), segment)
            revenue = median * np.exp(a["revenue_dispersion"] * rng.standard_normal(k))
        draws = rng.standard_normal((3, k))
        age = np.zeros(k, dtype=np.int64) if entrants else rng.integers(0, INITIAL_AGE_LIMIT, size=k)
        sigma = a["rd_intensity_dispersion"]
        sensitivity = a["coal_margin_sensitivity"]
        index = np.arange(slots.start, slots.stop) if isinstance(slots, slice) else slots
        tables = self.sectors
        kernels.write_new_firms(
            index, segment, sector, revenue, draws, age, np.exp(sigma * draws[1] - 0.5 * sigma**2),
            (tables.va_ratio, tables.growth, tables.coal_link),
            (tables.is_cluster, tables.is_manufacturing, tables.is_software, tables.is_coal), tables.margin,
            tables.rd_intensity,
            (a["margin_dispersion"], sensitivity * self.coal_gap, sensitivity * self.planning_gap,
             sensitivity * self.planning_gap0, a["loss_carry_forward_value"], self.desire_scale),
            (self.revenue, self.va_ratio_of, self.growth_of, self.coal_link_of, self.margin_ref, self.margin,
             self.budget_margin, self.margin0, self.deduction_share, self.intensity0, self.propensity),
            (self.alive, self.in_cluster, self.manufacturing, self.software, self.coal),
            (self.segment, self.sector, self.cost_class, self.age))
        if entrants:
            self._entrant_ratios(slots, segment, sector, ndtr(draws[1]))
            self._finish_entry(slots, a, t)

    def _keep_entry_template(self) -> None:
        """Remember the base year's desired R&D ratios by segment and sector. Entrants draw theirs
        from the base-year firms of their segment and sector, so that they carry the intensive tail
        the record's HTE certificates demand (see :meth:`_initial_hte`), not only the sector average
        with noise: the population keeps the base year's make-up as firms come and go."""
        live = self.indices()
        codes = N_SEGMENTS * len(self.sectors.names)
        code = self.segment[live] * len(self.sectors.names) + self.sector[live]
        order = np.argsort(code.astype(np.min_scalar_type(codes)), kind="stable")  # small integers: a radix sort
        self.template_ratio = self.intensity0[live[order]]
        self.template_count = np.bincount(code, minlength=codes)
        self.template_start = np.concatenate([[0], np.cumsum(self.template_count)[:-1]])

    def _entrant_ratios(self, slots: np.ndarray, segment: np.ndarray, sector: np.ndarray, u: np.ndarray) -> None:
        """Desired R&D ratios of entrants in ``slots``: a base-year firm of the same segment and sector,
        picked by the uniform ``u`` (the drawn ratio stays where the base year had no such firm)."""
        code = segment * len(self.sectors.names) + sector
        count = self.template_count[code]
        has = count > 0
        pick = self.template_start[code] + np.minimum((u * count).astype(np.int64), np.maximum(count - 1, 0))
        self.intensity0[slots[has]] = self.template_ratio[pick[has]]

    def _finish_entry(self, slots: np.ndarray, a: dict, t: int) -> None:
        """R&D propensity of entrants relative to their segment's cut-off, their reference user cost
        (the base-year policy's for their class, under which desired R&D was set, so that later lever
        changes act on entrants as on incumbents)."""
        seg = self.segment[slots]
        size = np.log(self.revenue[slots] / self.typical_revenue(seg, a, t))
        self.propensity[slots] += a["participation_size_effect"] * size - self.segment_cutoff[seg]
        self.log_user_cost0[slots] = np.log(self.base_cost_table[self.cost_class[slots]])

    def typical_revenue(self, segment: np.ndarray, a: dict, t: int) -> np.ndarray:
        """Median revenue of a segment's firms in year ``t``: the base year's, grown at the trend rate (m yuan)."""
        return self.segment_median[segment] * (1.0 + a["firm_revenue_growth"]) ** t

    def _scale_to_base_year(self, inputs: ModelInputs, policy: YearPolicy, own_rd: float,
                            rng: np.random.Generator) -> None:
        """Scale sizes to base-year GDP, pick R&D performers and scale desired R&D so that, in the
        base year, desired = actual and firms' own R&D sums to ``own_rd`` (m yuan)."""
        a, base = inputs.assumptions, inputs.base
        live = self.indices()
        seg = self.segment[live]
        above = seg != TECH_SME
        va_target = in_m_yuan(a["modelled_va_share_of_gdp"] * base.gdp) / self.firms_per_agent
        va = self.value_added[live]
        scale = (va_target - va[~above].sum()) / va[above].sum()
        self.revenue[live[above]] = np.maximum(self.revenue[live[above]] * scale, ABOVE_SCALE_REVENUE)
        for s in range(N_SEGMENTS):
            self.segment_median[s] = np.median(self.revenue[live[seg == s]])
        self.propensity[live] += a["participation_size_effect"] * np.log(self.revenue[live] / self.segment_median[seg])
        index = self.propensity
        industrial = live[seg == INDUSTRIAL]
        large = industrial[self.revenue[industrial] >= np.median(self.revenue[industrial])]
        n_soe = min(round(a["state_owned_share"] * industrial.size), large.size)
        soes = rng.choice(large, size=n_soe, replace=False)
        self.state_owned[soes] = True
        self.floor_enforced[soes[: round(a["soe_floor_enforcement"] * soes.size)]] = True
        performers_wanted = {
            INDUSTRIAL: base.industrial_rd_performers / self.firms_per_agent,
            SERVICES: a["services_rd_performer_share"] * (seg == SERVICES).sum(),
            TECH_SME: a["tech_sme_rd_performer_share"] * (seg == TECH_SME).sum(),
        }
        doing = np.zeros(self.alive.size, dtype=bool)
        for s, count in performers_wanted.items():
            members = live[seg == s]
            doing[smallest(members, -index[members], int(round(count)))] = True
        self._scale_desire(own_rd, doing, inputs.base)
        self.intensity[:] = np.where(doing, self.intensity0, 0.0)
        self.rd[:] = self.intensity * self.revenue
        certified = self._initial_hte(inputs, rng, doing, own_rd)
        coached = self._carry_pipeline(agents(prior_cultivation_places(inputs), self.firms_per_agent), inputs,
                                       doing & ~certified)
        leaving = self.exit_chance(live, a, 0)
        entrants = live.size * entry_rate(a) * entry_shares(a)
        for s in performers_wanted:
            members = live[seg == s]
            log_floor = -np.inf if s == TECH_SME else np.log(ABOVE_SCALE_REVENUE / self.segment_median[s])
            self.segment_cutoff[s] = steady_cutoff(index[members], doing[members], certified[members],
                                                   leaving[seg == s], entrants[s], entrant_index_nodes(a, log_floor), a)
        self.propensity[live] -= self.segment_cutoff[seg]
        self._scale_desire(own_rd, doing, inputs.base, fixed=certified | coached)
        self.intensity[:] = np.where(doing, self.intensity0, 0.0)
        self.rd[:] = self.intensity * self.revenue
        self.rd_real[:] = self.rd
        self._keep_entry_template()
        self.base_cost_table = self.user_cost_table(policy)
        self.log_user_cost0[:] = np.log(self.user_cost(policy, int(inputs.years[0])))

    def _carry_pipeline(self, places: int, inputs: ModelInputs, candidates: np.ndarray) -> np.ndarray:
        """The firms a cultivation programme enrolled the year before the base year (``places``; the mask
        of those enrolled): uncertified performers (``candidates``) of a technology SME's size, the
        smallest first as the programme enrols them, aiming at the threshold and one year of coaching
        along the way to it (desired ratio moved toward the threshold at ``rd_adjustment_speed``; the
        group's other performers make room, so the base year's R&D stays the record's).

        A coached firm takes about two years to reach the threshold and be recognised, so a run of
        the record that reaches the base year holds about two years' places in its pipeline (1.9 in
        the calibration's history run of 2017-2020); a run that starts there with the base year's
        places alone would recognise few new firms in its first year, and its HTE stock would dip."""
        coached = np.zeros(candidates.size, dtype=bool)
        if places <= 0:
            return coached
        year = int(inputs.years[0])
        pool = np.flatnonzero(candidates & (self.revenue <= TECH_SME_MAX_REVENUE))
        enrolled = smallest(pool, self.revenue[pool], places)
        threshold = inputs.hte.for_revenue(self.revenue[enrolled], year)
        self.coached_ratio[enrolled] = threshold
        self.intensity0[enrolled] += inputs.assumptions["rd_adjustment_speed"] * np.maximum(
            threshold - self.intensity0[enrolled], 0.0)
        coached[enrolled] = True
        return coached

    def _rd_groups(self, base) -> list[tuple[np.ndarray, float]]:
        """The base year's R&D groups (mask over slots, share of enterprise R&D): coal and energy
        industry, the rest of above-scale industry, and the other firms (services, technology SMEs)."""
        industrial = self.segment == INDUSTRIAL
        coal = industrial & self.sectors.is_coal[self.sector]
        return [(coal, base.industrial_rd_share * base.coal_share_of_industrial_rd),
                (industrial & ~coal, base.industrial_rd_share * (1.0 - base.coal_share_of_industrial_rd)),
                (~industrial, 1.0 - base.industrial_rd_share)]

    def _scale_desire(self, own_rd: float, doing: np.ndarray, base, fixed: np.ndarray | None = None) -> None:
        """Scale desired R&D ratios so that the base-year surveyed performers' R&D (:meth:`surveyed`)
        is ``own_rd`` (m yuan), split as the data split it: above-scale industry's share of
        enterprise R&D (SX20, SX19, IP12, see ``BaseRecord.industrial_rd_share``), and within industry
        the coal and energy sector's share (mining was 34% of above-scale industrial R&D in 2012,
        IP12). The ``fixed`` firms (certified HTEs, whose R&D meets the threshold) keep theirs; the
        others fill each group's share, and a last common factor makes the total exact where a group
        cannot. A group's factor applies to its unsurveyed performers too (small technology SMEs:
        their R&D is as intensive as their surveyed peers', only not in the record)."""
        fixed = np.zeros(doing.size, dtype=bool) if fixed is None else fixed
        counted = self.surveyed()
        wanted = self.intensity0 * self.revenue * doing
        free = doing & ~fixed
        before = float(wanted.sum())
        for mask, share in self._rd_groups(base):
            room = share * own_rd - float(wanted[mask & fixed & counted].sum())
            total = float(wanted[mask & free & counted].sum())
            if total > 0:
                self.intensity0[mask & free] *= max(room, MIN_GROUP_SCALE * total) / total
        wanted = self.intensity0 * self.revenue * doing
        rest = float(wanted[free & counted].sum())
        self.intensity0[free] *= (own_rd - float(wanted[fixed & counted].sum())) / rest
        self.desire_scale = float((self.intensity0 * self.revenue)[doing].sum()) / before

    def settle_knowledge(self, a: dict) -> None:
        """Base-year knowledge stocks in steady state with the base year's real R&D and absorbed
        technology: K = (R&D + w * technology bought) / (depreciation + trend growth)."""
        inflow = self.rd_real + a["tech_absorption_weight"] * self.tech_bought
        self.knowledge[:] = inflow / (a["knowledge_depreciation"] + a["firm_revenue_growth"])

    def own_share(self, share: np.ndarray) -> None:
        """Lower each firm's desired own R&D to ``share`` of its base-year R&D: outside money pays the rest."""
        self.intensity0 *= share
        self.intensity *= share

    def industrial_sector_intensity(self) -> np.ndarray:
        """Reported R&D / revenue of each sector's live above-scale industrial firms (share of revenue)."""
        n = len(self.sectors.names)
        industrial = np.flatnonzero(self.segment == INDUSTRIAL)
        sector = self.sector[industrial]
        rd = np.bincount(sector, weights=self.rd[industrial], minlength=n)
        revenue = np.bincount(sector, weights=self.revenue[industrial], minlength=n)
        return np.divide(rd, revenue, out=np.zeros(n), where=revenue > 0)

    def catch_up(self, a: dict) -> np.ndarray:
        """Move each sector's catch-up factor one year on and return it: the factor rises (or falls) by
        ``rd_catch_up_rate`` times the log gap between the sector ceiling (the national intensity of the
        industry, sectors.csv) and the sector's current industrial R&D/revenue. As the sector's firms,
        on either margin, approach the ceiling the gap and the growth vanish: bounded, decaying growth.
        Sectors without a ceiling (services, software: no industrial evidence) do not catch up."""
        level = self.industrial_sector_intensity()
        has = (self.sectors.ceiling > 0) & (level > 0)
        gap = np.where(has, np.log(np.where(has, self.sectors.ceiling, 1.0) / np.where(has, level, 1.0)), 0.0)
        self.sector_level *= np.exp(a["rd_catch_up_rate"] * gap)
        return self.sector_level

    def _initial_hte(self, inputs: ModelInputs, rng: np.random.Generator, doing: np.ndarray,
                     own_rd: float) -> np.ndarray:
        """Certify the base year's HTE stock (from the data): eligible performers first, then the
        performers whose R&D falls least short of the threshold in yuan (the cheapest to certify:
        mostly small firms, as most certificates are), their ends staggered over three years as the
        recorded recognition lists of the last three years were (the 2018 list's end in 2020). A
        certified firm meets the threshold by definition, so the desired ratio of those below it is
        raised to it: the record's certificates constrain the population's intensities (the drawn
        intensities of small firms are a sector average with noise, and the firms that hold
        certificates are the intensive tail the draw does not know). Certified firms
        may hold at most ``CERTIFIED_RD_CAP`` of their group's R&D (``own_rd``, m yuan, split as in
        :meth:`_scale_desire`), so the group's other performers keep a share: only where the
        population is too small for the record (few technology SMEs, say) is the stock smaller than
        recorded, and the shortfall is the model's. Returns the mask of certified firms."""
        want = agents(inputs.base.hte_stock, self.firms_per_agent)
        year = int(inputs.years[0])
        threshold = inputs.hte.for_revenue(self.revenue, year)
        intensity = np.divide(self.rd, self.revenue, out=np.zeros_like(self.rd), where=self.revenue > 0)
        ratio = intensity / threshold
        candidates = np.flatnonzero(doing)
        eligible = candidates[ratio[candidates] >= 1.0]
        if eligible.size >= want:
            chosen = rng.choice(eligible, size=want, replace=False)
        else:
            rest = candidates[ratio[candidates] < 1.0]
            shortfall = threshold[rest] * self.revenue[rest] - self.rd[rest]
            chosen = np.concatenate([eligible, rest[np.argsort(shortfall, kind="stable")][: want - eligible.size]])
        chosen = self._within_group_budgets(chosen, np.maximum(self.rd, threshold * self.revenue), inputs.base, own_rd)
        cohorts = np.asarray(inputs.base.hte_cohorts, dtype=float)
        self.hte_until[chosen] = year + rng.choice(HTE_CERTIFICATE_YEARS, size=chosen.size, p=cohorts / cohorts.sum())
        self.intensity0[chosen] = np.maximum(self.intensity0[chosen], threshold[chosen])
        certified = np.zeros(doing.size, dtype=bool)
        certified[chosen] = True
        return certified

    def _within_group_budgets(self, chosen: np.ndarray, certified_rd: np.ndarray, base, own_rd: float) -> np.ndarray:
        """The firms of ``chosen`` (in order of preference) whose R&D as certified firms
        (``certified_rd``, m yuan) fits, cumulatively, within ``CERTIFIED_RD_CAP`` of their group's R&D."""
        keep = np.zeros(chosen.size, dtype=bool)
        counted = np.where(self.surveyed()[chosen], certified_rd[chosen], 0.0)
        for mask, share in self._rd_groups(base):
            members = mask[chosen]
            spent = np.cumsum(counted[members])
            keep[np.flatnonzero(members)] = spent <= CERTIFIED_RD_CAP * share * own_rd
        return chosen[keep]

    # --- the yearly rules -----------------------------------------------------------------

    def tax_rate(self, policy: YearPolicy, year: int) -> np.ndarray:
        """Income-tax rate of each firm in ``year``: the HTE rate with a valid certificate, else the
        statutory rate (read from the certificates as they are: nothing to keep in step with them)."""
        return choose(self.hte_until >= year, policy.hte_tax_rate, CORPORATE_INCOME_TAX_RATE)

    def user_cost(self, policy: YearPolicy, year: int) -> np.ndarray:
        """After-tax user cost of one yuan of R&D relative to an ordinary expense (the B-index).

        B = (1 - phi*tau*(1 + s) - e*r) / (1 - phi*tau): tau the firm's tax rate, s its super-deduction
        rate, phi the usable share of deductions, r the direct reward rate and e the share of the
        reward that lowers the cost of marginal R&D (the rest rewards R&D the firm would do anyway:
        crowding-out).
        """
        return np.take(self.user_cost_table(policy), self._cost_code(year))

    def user_cost_table(self, policy: YearPolicy) -> np.ndarray:
        """The B-index of each firm class: index = HTE_COST_CLASSES x HTE + 2 x manufacturing + profitable."""
        reward = self.a["reward_marginal_share"] * policy.reward_rate
        values = []
        for tau in (CORPORATE_INCOME_TAX_RATE, policy.hte_tax_rate):
            for s in (policy.super_deduction, policy.super_deduction_manufacturing):
                for phi in (self.a["loss_carry_forward_value"], 1.0):
                    values.append((1.0 - phi * tau * (1.0 + s) - reward) / (1.0 - phi * tau))
        return np.maximum(np.array(values), MIN_USER_COST)

    def _cost_code(self, year: int) -> np.ndarray:
        """Each firm's user-cost class this year (see :meth:`user_cost_table`)."""
        return self.cost_class + HTE_COST_CLASSES * (self.hte_until >= year).view(np.int8)

    def apply_coal(self, a: dict, coal_gap: float, planning_gap: float) -> None:
        """This year's coal price sets coal-linked firms' margins (and so this year's profit and tax);
        R&D budgets are set on the planning margin (``budget_margin``): the margin at the smoothed
        past coal price ``planning_gap``, as firms plan R&D on past profits and draw on cash reserves
        to smooth it (Brown & Petersen 2011). The price's effect on revenue comes at the year's end
        (:meth:`grow`)."""
        self.coal_gap, self.planning_gap = coal_gap, planning_gap
        sensitivity = a["coal_margin_sensitivity"] * self.coal_link_of
        self.budget_margin[:] = self.margin_ref + sensitivity * planning_gap
        self.margin[:] = self.margin_ref + sensitivity * coal_gap

    def rd_factors(self, a: dict, i: np.ndarray, spill: np.ndarray, cost_change: np.ndarray) -> tuple:
        """The three factors of the R&D of firms ``i`` that follow prices and cash (arrays over ``i``):

        * spill-overs and user cost: exp(the sector's spill-over - elasticity x the log change of the
          firm's user cost since the base year), the elasticity smaller for state-owned firms;
        * the budget factor: (cash / cash0) ** the cash-flow elasticity, cash being the planning margin
          plus the buffer (at least ``CASH_FLOOR``) against the base year's; 1 for a margin that has not
          moved;
        * the liquidity factor, this year's cash constraint: a firm's cover is this year's cash flow
          (margin at this year's coal price plus the buffer) over ``rd_liquidity_comfort`` times its
          normal cash flow (at the coal price's long-run mean), capped at 1: reserves smooth R&D until
          cash falls below that share, then R&D is cut in the year by the cash-flow elasticity. The
          factor is the cover's ratio to the base year's raised to that elasticity, so the base year
          stays in equilibrium and a base year of short cash (a factor above 1 later) lets R&D recover
          with the price. Firms whose margin does not follow the coal price keep 1."""
        exponent, cash_ratio, cover_ratio = kernels.rd_factors_arguments(
            i, self.sector, spill, a["rd_user_cost_elasticity"], a["soe_user_cost_response"], self.state_owned,
            cost_change, self.budget_margin, self.margin0, self.margin_ref, self.coal_link_of,
            a["coal_margin_sensitivity"], self.coal_gap, self.coal_gap0, a["cash_flow_buffer"], CASH_FLOOR,
            a["rd_liquidity_comfort"])
        elasticity = a["rd_cash_flow_elasticity"]
        return np.exp(exponent), cash_ratio ** elasticity, cover_ratio ** elasticity

    def cluster_knowledge_index(self, a: dict) -> np.ndarray:
        """Knowledge intensity of each sector (cluster spill-over pool), log scale, by sector."""
        n = len(self.sectors.names)
        k = np.bincount(self.sector, weights=self.knowledge, minlength=n)
        r = np.bincount(self.sector, weights=self.revenue, minlength=n)
        return np.log1p(k / (a["knowledge_half_saturation"] * np.maximum(r, 1e-9)))

    def outside_rd(self, a: dict, i: np.ndarray) -> np.ndarray:
        """R&D firms ``i`` pay this year from outside money: venture funds (spent over several
        years), tech credit and the software VAT refund, each at its assumed R&D share (m yuan)."""
        return (self.venture_funds[i] * (a["venture_rd_share"] / a["venture_spend_years"])
                + self.credit[i] * a["tech_credit_rd_share"] + self.refund[i] * a["software_refund_rd_share"])

    def decide_rd(self, a: dict, policy: YearPolicy, inputs: ModelInputs, t: int, spill: np.ndarray,
                  common_shock: float, draws: KeyedDraws) -> None:
        """This year's R&D: whether to do it (latent rule) and how much (partial adjustment of the
        R&D/revenue ratio to a target).

        The target ratio is the firm's base-year ratio times: its sector's catch-up toward the
        ceiling (bounded), its user cost against the base year's to the power of minus the long-run
        elasticity (a level shift, smaller for state-owned firms), the spill-overs from its cluster
        and from institutions (stationary intensities against the base year's), and its cash-flow
        factor (:meth:`rd_factors`). State-owned firms' ratio is at least the floor. The ratio moves
        part of the way to the target; own R&D is ratio x revenue x the common shock x this year's
        cash constraint (the liquidity factor, which does not move the ratio), plus R&D paid from
        outside money (:meth:`outside_rd`). The floor binds only the state-owned firms where it is
        enforced; part of what it adds is relabelled (reported R&D counts in the statistics, real R&D
        in knowledge).

        Performers just below the HTE threshold (within ``hte_bunching_window`` of it) lift reported
        R&D to it, partly by relabelling, when the tax saving over a certificate's three years beats
        this year's extra cost. Certificate holders (also in the year after the last, when they apply
        again) and coached firms (the cultivation pipeline) near it lift it in any case: the rules
        judge R&D over the last three years, and a certificate is worth more than the tax rate
        (subsidies and programmes that require it, and a firm with losses keeps the rate for when it
        profits), so certified firms bunch at the threshold (Chen et al. 2021, docs/evidence.md
        section 3). The arithmetic is compiled (:func:`ecosim.model.kernels.plan_rd`).
        """
        year = int(inputs.years[t])
        table = self.user_cost_table(policy)
        cost_change = kernels.cost_changes(self.cost_class, self.hte_until, year, np.log(table), self.log_user_cost0,
                                           HTE_COST_CLASSES)
        trend = 0.0 if inputs.participation_trend is None else inputs.participation_trend[t]
        doing = self._participate(a, cost_change, trend, draws.uniform_all("participation", t, self.alive.size))
        self.pushed_count = self._full_coverage(policy, doing, a, t, draws)
        enrolled = self._cultivate(policy, doing, inputs, year)
        self.cultivated_count = enrolled + self._recruit(policy.cultivation_firms - enrolled, doing, inputs, t, draws)
        soe_bound = self.floor_enforced & self.alive & (policy.soe_floor > 0)
        i = np.flatnonzero(doing | soe_bound)
        spill_cost, budget, liquidity = self.rd_factors(a, i, spill, cost_change)
        scalars = (a["full_coverage_intensity_ratio"], policy.soe_floor, a["rd_adjustment_speed"], np.exp(common_shock),
                   a["hte_relabel_share"], a["mandate_relabel_share"], a["hte_bunching_window"],
                   CORPORATE_INCOME_TAX_RATE - policy.hte_tax_rate, float(HTE_CERTIFICATE_YEARS))
        floor_part = kernels.plan_rd(
            i, doing, soe_bound, self.pushed, self.drawn_in, self.intensity0, self.coached_ratio, self.segment,
            self.sector, self.catch_up(a), spill_cost, budget, liquidity, self.outside_rd(a, i),
            inputs.hte.for_revenue(self.revenue[i], year), self.intensity, self.revenue, self.margin, self.hte_until,
            self.cost_class, table, self.rd, self.rd_real, year, HTE_COST_CLASSES, scalars)
        self.floor_rd = float(floor_part.sum()) * (1.0 - a["mandate_relabel_share"])

    def _participate(self, a: dict, cost_change: np.ndarray, trend: float, u: np.ndarray) -> np.ndarray:
        """Whether each firm does R&D this year: latent propensity (which holds its size against the
        typical firm of its segment when it entered), user cost, persistence, the common trend and a
        shock. Later growth does not move the propensity: with revenue a random walk, it would let the
        many non-performers near the cut-off diffuse into R&D and the performer count drift up without
        any cause.

        The common trend (``trend``: the change since the base year in the log-odds of the nation's
        share of industrial firms doing R&D) moves industrial firms' index by
        ``participation_national_weight`` latent units per unit. Firms that do R&D only because of it
        are marked ``drawn_in``: like the campaign's, they come from the low tail and aim at
        ``full_coverage_intensity_ratio`` of their desired ratio (the firms added 2012-2019 did about a
        fifth of a 2012 performer's R&D, see that assumption).

        The shock is logistic with the assumed standard deviation, from ``u``, one uniform per slot
        (common random numbers: a lever change does not reshuffle other firms' shocks). Holders of a
        valid HTE certificate do R&D: the certificate's rate is claimed each year only with R&D at the
        threshold, so stopping R&D would give up the rate the firm already holds. So do holders in the
        year after their certificate's last, when they apply again (:meth:`recognise_hte`): the renewal
        judges this year's R&D too, and the threshold rule already counts them as committed
        (:meth:`decide_rd`).

        The rule's arithmetic is compiled (:func:`ecosim.model.kernels.participate`); the trend is zero
        in the base year and every year after the known record: nobody is drawn in.
        """
        return kernels.participate(
            self.alive, self.propensity, cost_change, self.rd, self.hte_until, self.segment, np.log(u / (1.0 - u)),
            a["participation_shock_sd"] * np.sqrt(3.0) / np.pi, a["participation_cost_sensitivity"],
            a["participation_persistence"], self.year - 1, trend != 0.0, a["participation_national_weight"] * trend,
            self.drawn_in)

    def _full_coverage(self, policy: YearPolicy, doing: np.ndarray, a: dict, t: int, draws: KeyedDraws) -> int:
        """Push a share of the industrial firms that do no R&D and were never pushed into R&D. They
        stay (their propensity is raised) at a token intensity (``full_coverage_intensity_ratio`` of
        their desired one): a campaign draws in the low tail. The pool shrinks as firms are pushed."""
        if policy.full_coverage <= 0:
            return 0
        pool = np.flatnonzero(self.coverage_pool(doing))
        which = pool[draws.uniform("coverage", t, pool) < policy.full_coverage]
        self.propensity[which] = np.maximum(self.propensity[which], PUSHED_PROPENSITY * a["participation_persistence"])
        self.pushed[which] = True
        doing[which] = True
        return int(which.size)

    def _cultivate(self, policy: YearPolicy, doing: np.ndarray, inputs: ModelInputs, year: int) -> int:
        """The cultivation pipeline's year; returns the firms enrolled.

        Coached firms that now hold a certificate graduate: the threshold ratio becomes their own
        desired ratio (a certified firm holds R&D at the threshold to renew, as the base year's
        certified firms do). Coached firms that stopped R&D drop out. Then ``cultivation_firms``
        uncertified performers not yet coached enrol, among firms of a technology SME's size
        (:data:`TECH_SME_MAX_REVENUE`) that the full-coverage campaign did not push into token R&D
        (they aim at ``full_coverage_intensity_ratio`` of their desired ratio; coaching them to the
        threshold would multiply their R&D about twentyfold), the smallest first (the programmes aim
        at small technology firms, and most new certificates go to them: the HTE count grew five
        times faster than R&D in 2017-2020; places the pool cannot fill stay empty): from now on they
        aim at the threshold (their R&D moves toward it at the adjustment speed, and lifts to it once
        near) and apply with ``hte_cultivated_success``."""
        coached = self.coached_ratio > 0
        graduated = coached & (self.hte_until >= year)
        np.maximum(self.intensity0, self.coached_ratio, out=self.intensity0, where=graduated)
        leaving = graduated | (coached & ~doing)
        np.putmask(self.coached_ratio, leaving, 0.0)
        np.putmask(self.cultivation_started, leaving, False)
        if policy.cultivation_firms <= 0:
            return 0
        pool = np.flatnonzero(doing & (self.hte_until < year) & (self.coached_ratio == 0) & ~self.pushed
                              & (self.revenue <= TECH_SME_MAX_REVENUE))
        enrolled = smallest(pool, self.revenue[pool], policy.cultivation_firms)
        self.coached_ratio[enrolled] = inputs.hte.for_revenue(self.revenue[enrolled], year)
        return int(enrolled.size)

    def _recruit(self, places: int, doing: np.ndarray, inputs: ModelInputs, t: int, draws: KeyedDraws) -> int:
        """The cultivation places the uncertified performers cannot fill (``places``) go to technology
        SMEs that do no R&D, the smallest first as among the performers; returns the firms recruited.
        Technology SMEs only: the reserves recruit down the ladder from the evaluated technology SMEs to
        certificates, while above-scale firms without R&D are the full-coverage campaign's (a 50m yuan
        industrial recruit aiming at the 4-5% threshold would add 2m yuan of recorded R&D, four times
        what the record's certificates cost at most: docs/evidence.md section 2).

        Each recruit takes a place (the programme coaches it whether or not it starts) and starts R&D
        this year with ``cultivation_start_chance`` (keyed draw); a starter joins the pipeline as an
        enrolled performer does (it aims at the threshold and applies with ``hte_cultivated_success``),
        its propensity raised as a pushed firm's so that it stays while it does R&D, and is marked
        ``cultivation_started`` (all its R&D is the programme's). Without this step the pipeline is
        bound by its pool: more places than uncertified small performers would buy nothing."""
        if places <= 0:
            return 0
        a = inputs.assumptions
        year = int(inputs.years[t])
        pool = np.flatnonzero(self.alive & ~doing & (self.segment == TECH_SME) & (self.revenue <= TECH_SME_MAX_REVENUE))
        recruited = smallest(pool, self.revenue[pool], places)
        starting = recruited[draws.uniform("cultivation", t, recruited) < a["cultivation_start_chance"]]
        self.propensity[starting] = np.maximum(self.propensity[starting],
                                               PUSHED_PROPENSITY * a["participation_persistence"])
        self.coached_ratio[starting] = inputs.hte.for_revenue(self.revenue[starting], year)
        self.cultivation_started[starting] = True
        doing[starting] = True
        return int(recruited.size)

    def refund_software_vat(self, burden: float) -> None:
        """Software firms get back this year the VAT they pay beyond the threshold: ``burden`` (share
        of revenue) x revenue, m yuan."""
        self.refund = burden * self.revenue * self.software

    def receive_grants(self, amount: float) -> None:
        """Open-competition project money (m yuan) goes to the cluster firms doing R&D in proportion to
        their R&D; the projects' results add to their knowledge stock."""
        if amount <= 0:
            return
        weight = self.rd * self.in_cluster
        total = float(weight.sum())
        if total > 0:
            self.knowledge += (amount / total) * weight

    def innovate(self, a: dict, t: int, draws: KeyedDraws) -> None:
        """Knowledge accumulates from real R&D and absorbed technology; a stochastic innovation,
        likelier with more knowledge per yuan of revenue, raises revenue. The stocks and the chance's
        argument are one compiled pass (:func:`kernels.accumulate_knowledge`); ``expm1`` is numpy's."""
        self.knowledge, knowing, exponent = kernels.accumulate_knowledge(
            self.knowledge, 1.0 - a["knowledge_depreciation"], self.rd_real, a["tech_absorption_weight"],
            self.tech_bought, a["knowledge_half_saturation"], self.revenue)
        chance = a["innovation_success_max"] * -np.expm1(exponent)
        success = knowing[draws.uniform("innovation", t, knowing) < chance]
        self.revenue[success] *= 1.0 + a["innovation_productivity_gain"]

    def recognise_hte(self, a: dict, inputs: ModelInputs, t: int, draws: KeyedDraws) -> None:
        """Firms without a valid certificate whose R&D/revenue meets the threshold may be recognised,
        for 3 years from this year. A holder applies again in the year after its certificate's last
        (as in the record, where a firm recognised in 2018 is on the 2021 list again, so that three
        consecutive lists sum to the stock) and passes the other criteria at ``hte_renewal_success``;
        coached firms (the cultivation pipeline) pass at ``hte_cultivated_success``, other new
        applicants at ``hte_application_success``."""
        year = int(inputs.years[t])
        applying = np.flatnonzero((self.rd > 0) & (self.hte_until < year))
        revenue = self.revenue[applying]
        applying = applying[self.rd[applying] >= inputs.hte.for_revenue(revenue, year) * revenue]
        holder = self.hte_until[applying] == year - 1
        chance = np.where(self.coached_ratio[applying] > 0, a["hte_cultivated_success"],
                          np.where(holder, a["hte_renewal_success"], a["hte_application_success"]))
        recognised = applying[draws.uniform("hte", t, applying) < chance]
        self.hte_until[recognised] = year + HTE_CERTIFICATE_YEARS - 1
        self.new_hte = int(recognised.size)

    def upgrade_factories(self, count: int, gain: float, t: int, draws: KeyedDraws) -> int:
        """Smart-factory grants: ``count`` industrial firms not yet upgraded gain ``gain`` of revenue once
        (chosen by their keyed draws, so a firm's chance does not depend on the others')."""
        if count <= 0:
            return 0
        pool = np.flatnonzero(self.industrial_above_scale() & ~self.upgraded)
        chosen = smallest(pool, draws.uniform("factories", t, pool), count)
        self.revenue[chosen] *= 1.0 + gain
        self.upgraded[chosen] = True
        return int(chosen.size)

    def grow(self, a: dict, t: int, growth: float, coal_change: float, draws: KeyedDraws) -> None:
        """Next year's revenue: the economy's nominal growth (``growth``, log points), the sector's
        growth gap (which fades: sectors do not diverge for ever), the part of this year's coal-price
        change that coal-linked firms feel beyond the economy's (the volumes and prices sold next
        year, on which next year's R&D budget is planned) and an idiosyncratic shock.

        The yearly log shock is uniform with the assumed standard deviation (a quarter of the
        cost of a normal draw; over the years and firms only its variance matters). The sum is compiled
        (:func:`kernels.log_growth`, which also ages the live firms); the exponential is numpy's.
        """
        sigma = a["firm_revenue_shock_sd"]
        half_width = sigma * np.sqrt(3.0)
        gap = a["sector_growth_persistence"] ** t
        coal = (a["coal_firm_elasticity"] - a["coal_gdp_elasticity"]) * coal_change
        log_growth = kernels.log_growth(growth - 0.5 * sigma**2 - half_width, gap, self.growth_of, coal,
                                        self.coal_link_of, 2.0 * half_width,
                                        draws.uniform_all("growth", t, self.alive.size), self.alive, self.age)
        self.revenue *= np.exp(log_growth)

    def clear(self, slots: np.ndarray) -> None:
        """Empty the slots of firms that leave, so that sums over all slots count live firms only and
        entrants start from nothing (no R&D, knowledge, money, certificate or flags)."""
        for name, spec in FIRM_ARRAYS.items():
            if spec.emptied:
                getattr(self, name)[slots] = spec.empty

    def turnover(self, inputs: ModelInputs, t: int, draws: KeyedDraws) -> tuple[int, int]:
        """Exit and entry at the end of year ``t``.

        Smaller firms are likelier to leave (fall below the register's threshold or close): a
        firm's exit chance is the exit rate times (typical revenue / its revenue) ** elasticity,
        normalised so the average chance is the exit rate. Entrants (start-ups, spin-offs, firms
        crossing the threshold) fill free slots, drawn from the year's entry generator.
        """
        a = inputs.assumptions
        live = np.flatnonzero(self.alive)
        leaving = live[draws.uniform("exit", t, live) < self.exit_chance(live, a, t)]
        self.alive[leaving] = False
        self.clear(leaving)
        entry_rng = draws.generator("entry", t)
        n_entry = int(entry_rng.binomial(live.size, entry_rate(a)))
        free = np.flatnonzero(~self.alive)
        if n_entry > free.size:
            self._enlarge(n_entry - free.size)
            free = np.flatnonzero(~self.alive)
        if n_entry:
            segment = np.searchsorted(np.cumsum(entry_shares(a))[:-1], entry_rng.random(n_entry), side="right")
            self._populate(free[:n_entry], segment, inputs, entry_rng, entrants=True, t=t)
        return int(leaving.size), n_entry

    def exit_chance(self, live: np.ndarray, a: dict, t: int) -> np.ndarray:
        """Chance that each of the ``live`` firms (all live slots) leaves at the end of year ``t``: the
        exit rate times (typical revenue / its revenue) ** elasticity, normalised to average the rate."""
        relative = self.typical_revenue(self.segment[live], a, t) / self.revenue[live]
        weight = relative ** a["exit_size_elasticity"]
        return a["firm_exit_rate"] * weight / weight.mean()

    def _enlarge(self, extra: int) -> None:
        """Add empty slots when entry outgrows the capacity (a growing population)."""
        self.allocate(self.alive.size + max(extra, int(SPARE_SLOTS * self.alive.size)))
