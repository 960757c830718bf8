"""Universities and research institutes, and the technology market between them and firms.

Each institution is a Mesa agent (``University`` or ``ResearchInstitute``) whose state is one row
of the arrays of :class:`Institutions`. Each year the population funds every row at once
(government science money, platforms, talent, and the contract income its own sales bring) and
moves every row's quality (knowledge per yuan of R&D: its productivity, the platforms it hosts, the
researchers it recruited) and knowledge stock; an agent reads its own row.

Each institution serves a field (the sector of firms it mostly works for: ``field``), offers
usable technology in proportion to its knowledge (pilot-scale bases raise the usable share in the
field they serve) and can deliver at most its capacity of contracts a year. The
:class:`TechnologyMarket` matches firms to particular institutions: a multinomial-logit choice
over institutions (quality, field distance, the size of the offer, a tie to last year's seller),
the local share of a sector's purchases rising with the attractiveness of the local offer,
sellers' sales capped by their capacity (buyers of an over-ordered seller are rationed in
proportion, and buy the rest outside the region). Every contract is recorded.

Money is in 100m yuan unless a name says otherwise (firms' arrays are in m yuan).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd

from ecosim.model import kernels
from ecosim.model.accounts import in_100m_yuan
from ecosim.model.inputs import ModelInputs

UNIVERSITY, INSTITUTE = 0, 1
KIND_NAMES = ("university", "research_institute")
OUTSIDE_REGION = -1
"""Seller code of technology bought outside the region in the contracts table."""
CONTRACT_DTYPE = np.dtype([("year", np.int16), ("buyer", np.int32), ("buyer_sector", np.int16),
                           ("seller", np.int16), ("value", np.float64)])
"""One contract: year, buyer firm slot (-1: a sector's spread contracts with one seller, summed), buyer
sector index, seller institution (OUTSIDE_REGION for purchases outside the region), value in m yuan."""


class Institution(mesa.Agent):
    """A university or research institute: a Mesa agent whose state is one row of the arrays."""

    def __init__(self, model: mesa.Model, population: "Institutions", index: int):
        super().__init__(model)
        self.population = population
        self.index = index

    @property
    def kind_name(self) -> str:
        """'university' or 'research_institute'."""
        return KIND_NAMES[int(self.population.kind[self.index])]

    @property
    def year(self) -> int:
        """Calendar year of the population's last update."""
        return self.population.year

    @property
    def field(self) -> int:
        """Index of the sector this institution serves (``Enterprises.sector_names``)."""
        return int(self.population.field[self.index])

    @property
    def rd(self) -> float:
        """R&D expenditure this year, 100m yuan."""
        return float(self.population.rd[self.index])

    @property
    def knowledge(self) -> float:
        """Knowledge stock, 100m yuan of R&D equivalent."""
        return float(self.population.knowledge[self.index])

    @property
    def quality(self) -> float:
        """Knowledge per yuan of R&D this year (1 = the population's typical base-year institution)."""
        return float(self.population.quality[self.index])

    @property
    def researchers(self) -> float:
        """Researchers, full-time equivalent person-years."""
        return float(self.population.researchers[self.index])

    @property
    def capacity(self) -> float:
        """Contract value it can deliver this year, 100m yuan."""
        return float(self.population.capacity[self.index])

    @property
    def sales(self) -> float:
        """Technology contracts sold to the region's firms this year, 100m yuan."""
        return float(self.population.sales[self.index])


class University(Institution):
    """An institution of higher education."""


class ResearchInstitute(Institution):
    """A government research institute."""


INSTITUTION_DTYPE = np.dtype([("institution_id", np.int32), ("kind", "U18"), ("year", np.int32),
                              ("field", np.int16), ("rd", np.float64), ("knowledge", np.float64),
                              ("quality", np.float64), ("researchers", np.float64), ("capacity", np.float64),
                              ("sales", np.float64)])
"""One institution's yearly row: id, kind, year, field (sector index), R&D, knowledge, capacity and sales
(100m yuan), quality (knowledge per yuan of R&D), researchers (FTE)."""


def institution_rows(model: mesa.Model) -> np.ndarray:
    """The model's institutions this year as a record array (a named reporter, so the collector pickles)."""
    inst = model.institutions
    rows = np.empty(inst.kind.size, dtype=INSTITUTION_DTYPE)
    rows["institution_id"] = np.arange(inst.kind.size)
    rows["kind"] = np.asarray(KIND_NAMES)[inst.kind]
    rows["year"] = inst.year
    rows["field"] = inst.field
    for name in ("rd", "knowledge", "quality", "researchers", "capacity", "sales"):
        rows[name] = getattr(inst, name)
    return rows


def institution_collector() -> mesa.DataCollector:
    """A Mesa DataCollector of every institution's yearly row (``institution_rows``)."""
    return mesa.DataCollector(model_reporters={"institutions": institution_rows})


def institution_table(collector: mesa.DataCollector) -> pd.DataFrame:
    """The collector's records as a tidy table: one row per institution and year."""
    records = collector.model_vars.get("institutions", [])
    if not records:
        return pd.DataFrame(np.empty(0, dtype=INSTITUTION_DTYPE))
    return pd.DataFrame(np.concatenate(records))


class Institutions:
    """All universities and institutes as arrays; each Mesa agent reads its own row."""

    def __init__(self, model: mesa.Model, inputs: ModelInputs, funding: dict, rng: np.random.Generator,
                 field_rng: np.random.Generator, field_weight: np.ndarray):
        """``rng`` draws sizes and productivities (the set-up stream), ``field_rng`` the fields, with
        probabilities ``field_weight`` by sector (base-year demand for technology)."""
        a, base = inputs.assumptions, inputs.base
        n_uni, n_inst = int(a["n_universities"]), int(a["n_research_institutes"])
        self.kind = np.repeat([UNIVERSITY, INSTITUTE], [n_uni, n_inst])
        n = self.kind.size
        weight = np.exp(a["institution_size_dispersion"] * rng.standard_normal(n))
        for k in (UNIVERSITY, INSTITUTE):
            weight[self.kind == k] /= weight[self.kind == k].sum()
        self.weight = weight
        """Each institution's share of its kind's R&D from government and other money."""
        self.productivity = np.exp(a["institution_productivity_dispersion"] * rng.standard_normal(n))
        """Knowledge per yuan of R&D at base-year platforms and researchers."""
        self.field = np.searchsorted(np.cumsum(field_weight) / field_weight.sum(), field_rng.random(n),
                                     side="right").clip(0, field_weight.size - 1)
        rd_kind = np.array([base.rd_by_performer["higher_education"], base.rd_by_performer["government_institutes"]])
        self.kind_share = rd_kind[self.kind] / float(rd_kind.sum())
        """Share of all institutions' R&D that an institution's kind performs."""
        self.funding0 = funding
        """Base-year institution R&D by source (government, enterprises, other), 100m yuan."""
        self.rd = weight * self.kind_share * float(rd_kind.sum())
        self.rd0 = self.rd.copy()
        self.rd0_total = float(rd_kind.sum())
        self.researchers0 = base.rd_personnel_fte * a["institution_researcher_share"]
        self.researchers = self.researchers0 * self.rd / self.rd0_total
        self.talent = np.zeros(n)
        """Recruited researchers still in each institution (beyond the base-year programme)."""
        self.platform_host_order = np.argsort(-self.rd0, kind="stable")
        """Institutions in the order they receive platforms: the largest first, cycling."""
        self.platforms0 = np.zeros(n)
        self.platform_factor0 = np.ones(n)
        self.quality = self.productivity.copy()
        self.knowledge = self.productivity * self.rd / (a["knowledge_depreciation"] + a["gdp_remainder_growth"])
        self.offer_rate = np.ones(n)
        """Contract value deliverable per yuan of usable knowledge (set in the base year)."""
        self.capacity = np.zeros(n)
        self.sales = np.zeros(n)
        self.sales0 = np.zeros(n)
        self.year = int(inputs.years[0])
        self.knowledge_kept = 1.0 - a["knowledge_depreciation"]
        self.platform_factor = np.ones(n)
        """Each institution's quality factor from the platforms it hosts, against the base year's."""
        self.talent_gain = np.ones(n)
        """Each institution's quality factor from its recruited researchers."""
        self.agents = [(University if k == UNIVERSITY else ResearchInstitute)(model, self, i)
                       for i, k in enumerate(self.kind)]
        self.rd_by_source = dict(funding)

    def raise_quality(self, index: np.ndarray, factor: float) -> None:
        """Multiply the productivity (and so the quality) of the institutions ``index`` by ``factor``
        from now on: an experiment's shock, not a lever."""
        self.productivity[index] *= factor
        self.quality[index] *= factor

    def hosted_platforms(self, platforms: float) -> np.ndarray:
        """Platforms each institution hosts when there are ``platforms``: the largest institution the
        first, the next the second, and so on, cycling."""
        n = self.kind.size
        count = int(platforms)
        hosted = np.full(n, count // n, dtype=float)
        hosted[self.platform_host_order[: count % n]] += 1.0
        return hosted

    def set_base_platforms(self, platforms: float, host_gain: float) -> None:
        """Base-year platforms are part of the calibrated productivity: later ones change quality from it."""
        self.platforms0 = self.hosted_platforms(platforms)
        self.platform_factor0 = 1.0 + host_gain * self.platforms0

    def step(self, a: dict, year: int, science_index: float, extra_government: float, platforms: float,
             talent_recruits_change: float) -> None:
        """Fund this year's R&D and hire researchers, then move every institution's quality
        (productivity x platforms hosted x recruited talent) and knowledge (depreciated, plus R&D
        times quality).

        ``science_index`` is government science money against the base year (the model's path);
        ``extra_government`` lever-driven government R&D money beyond the base trend (100m yuan),
        shared like the base-year government money; each institution's enterprise money is its
        base-year share plus the base year's enterprise money per yuan of contracts times the change
        of its own contract sales (so the total moves with local sales, as the sales move between
        institutions); ``platforms`` the number of platforms, hosted
        by rank of size; ``talent_recruits_change`` recruits above the base year's programme
        (researchers), who join institutions in proportion to their R&D.
        """
        self.year = year
        growth = science_index
        government = max(self.funding0["government"] * growth + extra_government, 0.0)
        other = self.funding0["other"] * growth
        enterprise_share = self.weight * self.kind_share
        per_contract = self.funding0["enterprises"] / max(float(self.sales0.sum()), 1e-12)
        enterprises_by_row = np.maximum(self.funding0["enterprises"] * enterprise_share
                                        + per_contract * (self.sales - self.sales0), 0.0)
        self.rd_by_source = {"government": government, "enterprises": float(enterprises_by_row.sum()), "other": other}
        self.rd = enterprise_share * (government + other) + enterprises_by_row
        self.talent = a["talent_retention"] * self.talent + talent_recruits_change * self.rd / float(self.rd.sum())
        funded = self.researchers0 * self.rd / self.rd0_total
        self.researchers = np.maximum(funded + self.talent, 0.0) + 1e-12
        self.talent_gain = (self.researchers / (funded + 1e-12)) ** a["talent_productivity_gain"]
        self.platform_factor = (1.0 + a["platform_productivity_gain"] * self.hosted_platforms(platforms)) \
            / self.platform_factor0
        self.quality = self.productivity * self.platform_factor * self.talent_gain
        self.knowledge = self.knowledge_kept * self.knowledge + self.rd * self.quality

    def usable_offer(self, usable: np.ndarray) -> np.ndarray:
        """Usable technology each institution offers (100m yuan of knowledge): its knowledge times the
        usable share of its field."""
        return self.knowledge * usable

    def calibrate_capacity(self, base_orders: np.ndarray, usable: np.ndarray, spare: float) -> None:
        """Base year: each institution can deliver its base-year orders plus the spare share, so the base
        year starts in equilibrium (no buyer rationed); capacity then moves with its usable knowledge."""
        self.offer_rate = (1.0 + spare) * base_orders / np.maximum(self.usable_offer(usable), 1e-12)
        self.capacity = self.offer_rate * self.usable_offer(usable)

    def update_capacity(self, usable: np.ndarray) -> np.ndarray:
        """This year's capacity (100m yuan): offer rate times usable knowledge."""
        self.capacity = self.offer_rate * self.usable_offer(usable)
        return self.capacity

    def rd_by_kind(self) -> tuple[float, float]:
        """R&D of universities and of institutes this year, 100m yuan."""
        uni = float(self.rd[self.kind == UNIVERSITY].sum())
        return uni, float(self.rd.sum()) - uni


def sector_affinity(is_cluster: np.ndarray, is_manufacturing: np.ndarray, is_software: np.ndarray,
                    is_coal: np.ndarray, related: float) -> np.ndarray:
    """Field closeness of sectors (rows: buyer sector, columns: institution field): 1 for the same
    sector, ``related`` for sectors of the same kind (cluster, manufacturing, software and coal flags
    all equal), 0 otherwise: one minus a knowledge distance."""
    profile = np.stack([is_cluster, is_manufacturing, is_software, is_coal], axis=1).astype(int)
    same_kind = (profile[:, None, :] == profile[None, :, :]).all(axis=2)
    return np.where(np.eye(profile.shape[0], dtype=bool), 1.0, np.where(same_kind, related, 0.0))


class TechnologyMarket:
    """Firms buy technology from particular institutions (or outside the region) and contracts are recorded.

    Attractiveness of institution j to a buyer of sector s: its usable offer x quality ** beta_q x
    exp(beta_f x affinity(s, field_j)); a buyer's tie to last year's seller multiplies that seller's
    by exp(beta_tie). A sector's local share of purchases is V_s / (V_s + W), V_s its summed
    attractiveness and W the outside option (which grows with firms' demand, so only local offer
    against demand matters). A buyer's local demand is that share, scaled in the base year to the
    data, times its demand; it signs a main contract with one seller drawn from its choice
    probabilities and spreads the rest over its sector's institutions by the same probabilities.
    """

    def __init__(self, institutions: Institutions, a: dict, affinity: np.ndarray, slots: int,
                 firms_per_agent: int = 1):
        self.institutions = institutions
        self.to_100m = in_100m_yuan(firms_per_agent)
        """Buyers' orders (m yuan per firm agent) in the region's 100m yuan."""
        self.affinity = affinity
        self.beta_quality = a["market_quality_weight"]
        self.beta_field = a["market_field_weight"]
        self.tie_boost = np.expm1(a["market_tie_weight"])
        self.local_share = a["local_tech_share"]
        self.main_share = a["market_main_contract_share"]
        self.tie = np.full(slots, -1, dtype=np.int64)
        """Each firm slot's last seller (-1: none)."""
        self.outside0 = 1.0
        self.local_scale = 1.0
        self.demand0 = 1.0
        self.contracts = ContractBook()
        self.closeness = np.asfortranarray(np.exp(self.beta_field * affinity[:, institutions.field]))
        """Sector x institution factor of field closeness (fields do not change during a run), stored
        column by column (as the column pick makes it): the year's tables follow its order, and numpy's
        sums over them depend on it (:func:`kernels.offer_tables`)."""

    def own_attractiveness(self, usable: np.ndarray) -> np.ndarray:
        """Each institution's attractiveness before field closeness: usable offer x quality ** beta_q."""
        inst = self.institutions
        return inst.usable_offer(usable) * inst.quality ** self.beta_quality

    def attractiveness(self, usable: np.ndarray) -> np.ndarray:
        """Sector x institution attractiveness (usable offer, quality, field closeness)."""
        return self.own_attractiveness(usable)[None, :] * self.closeness

    def offer(self, usable: np.ndarray) -> "Offer":
        """The year's choice set: attractiveness, its sector sums, choice probabilities and their
        cumulative sums laid end to end (sector k's shifted by k), computed once a year in one compiled
        pass (:func:`kernels.offer_tables`)."""
        return Offer(*kernels.offer_tables(self.own_attractiveness(usable), self.closeness))

    def calibrate(self, demand: np.ndarray, sector: np.ndarray, usable: np.ndarray, local_target: float) -> None:
        """Base year: the outside option so that the demand-weighted local share is ``local_tech_share``,
        and the scale of local purchases so that they sum to ``local_target`` (m yuan) exactly."""
        value = self.offer(usable).value
        by_sector = np.bincount(sector, weights=demand, minlength=value.size)
        p = self.local_share
        self.demand0 = float(by_sector.sum())
        self.outside0 = (1.0 - p) / p * float((by_sector * value).sum()) / self.demand0
        share = value / (value + self.outside0)
        self.local_scale = local_target / float((by_sector * share).sum())

    def local_demand(self, demand: np.ndarray, sector: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Each firm's demand for the region's institutions' technology (m yuan), given each sector's
        summed attractiveness ``value``."""
        outside = self.outside0 * max(float(demand.sum()), 1e-12) / self.demand0
        share = self.local_scale * value / (value + outside)
        return demand * share[sector]

    def expected_sales(self, demand: np.ndarray, sector: np.ndarray, usable: np.ndarray) -> np.ndarray:
        """Each institution's expected sales (100m yuan) without ties: sectors' local demand times their
        choice probabilities."""
        offer = self.offer(usable)
        local = np.bincount(sector, weights=self.local_demand(demand, sector, offer.value),
                            minlength=offer.value.size)
        return (local[:, None] * offer.probability).sum(axis=0) * self.to_100m  # no BLAS: the same sums on every machine

    def forget(self, gone: np.ndarray) -> None:
        """Drop the ties of slots whose firm left or is new (``gone``: a mask over firm slots)."""
        if self.tie.size < gone.size:
            self.tie = np.concatenate([self.tie, np.full(gone.size - self.tie.size, -1, dtype=np.int64)])
        self.tie[gone] = -1

    def choose_sellers(self, s: np.ndarray, tie: np.ndarray, offer: "Offer", u: np.ndarray) -> np.ndarray:
        """One seller for each buyer of sector ``s`` with last seller ``tie`` (-1: none): the tie with the
        extra odds of a tie, else a draw from its sector's choice probabilities (inverse CDF of ``u``,
        one uniform per buyer, rescaled past the tie's odds); compiled (:func:`kernels.choose_sellers`)."""
        return kernels.choose_sellers(s, tie, u, offer.attract, offer.value, offer.cdf, self.tie_boost)

    def trade(self, year: int, demand: np.ndarray, sector: np.ndarray, usable: np.ndarray, u: np.ndarray,
              capacity: np.ndarray, projects: np.ndarray, project_size: float) -> tuple[np.ndarray, np.ndarray]:
        """This year's contracts. ``demand`` is each slot's technology demand (m yuan); ``u`` the year's keyed
        uniforms (two functions of firm slots: for the main contract and for a next choice);
        ``capacity`` each institution's (100m yuan);
        ``projects`` the slots of firms in a demonstration project: one contract of ``project_size``
        m yuan each with the most attractive institution for their sector, which becomes their tie.

        A buyer's local purchases go ``main_share`` to one seller it chooses (its tie's odds raised),
        which becomes its tie, and the rest in small contracts spread over its sector's institutions
        by their choice probabilities (booked by buyer sector). Orders beyond a seller's capacity
        are rationed in proportion; the rationed rest goes to a next choice (the main contract to a
        drawn seller, the spread part by the same probabilities), rationed again by what capacity is
        left; what remains the buyer buys outside the region. Returns each slot's purchases (m yuan:
        outside the region plus local) and each institution's sales (100m yuan)."""
        n_sector = len(self.affinity)
        if self.tie.size < demand.size:
            self.forget(np.zeros(demand.size, dtype=bool))
        offer = self.offer(usable)
        attract, probability = offer.attract, offer.probability
        buyers = np.flatnonzero(demand > 0)
        buyer_sector = sector[buyers]
        local = self.local_demand(demand[buyers], buyer_sector, offer.value)
        main, nxt = u
        seller = self.choose_sellers(buyer_sector, self.tie[buyers], offer, main(buyers))
        project_seller = np.argmax(attract, axis=1)[sector[projects]]
        slots = np.concatenate([buyers, projects])
        slot_sector = np.concatenate([buyer_sector, sector[projects]])
        first = np.concatenate([seller, project_seller])
        ordered = np.concatenate([self.main_share * local, np.full(projects.size, project_size)])
        spread = (1.0 - self.main_share) * local
        spread_by_sector = np.bincount(buyer_sector, weights=spread, minlength=n_sector)
        delivered, spread_delivered, sales = self._deliver(first, ordered, spread_by_sector[:, None] * probability,
                                                           capacity, self.to_100m)
        short = np.flatnonzero(ordered - delivered > 1e-12)
        second = self.choose_sellers(slot_sector[short], np.full(short.size, -1), offer, nxt(slots[short]))
        spread_short = spread_by_sector - spread_delivered.sum(axis=1)
        delivered_next, spread_next, sales_next = self._deliver(
            second, ordered[short] - delivered[short], spread_short[:, None] * probability, capacity - sales,
            self.to_100m)
        self.tie[buyers] = seller
        self.tie[projects] = project_seller
        bought = demand.copy()
        bought[projects] += project_size
        spread_total = spread_delivered + spread_next
        spread_kept = np.divide(spread_total.sum(axis=1), spread_by_sector, out=np.zeros(n_sector),
                                where=spread_by_sector > 0)
        kept = delivered.copy()
        kept[short] += delivered_next
        outside_value = ordered - kept
        outside_value[: buyers.size] += spread * (1.0 - spread_kept[buyer_sector]) + (demand[buyers] - local)
        flow_sector, flow_seller = np.nonzero(spread_total > 0)
        self._record(year, ((slots, slot_sector, first, delivered),
                            (slots[short], slot_sector[short], second, delivered_next),
                            (np.full(flow_sector.size, -1), flow_sector, flow_seller,
                             spread_total[flow_sector, flow_seller]),
                            (slots, slot_sector, np.full(slots.size, OUTSIDE_REGION), outside_value)))
        return bought, sales + sales_next

    @staticmethod
    def _deliver(seller: np.ndarray, ordered: np.ndarray, spread: np.ndarray, capacity: np.ndarray,
                 to_100m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Orders to sellers with ``capacity`` (100m yuan): main contracts (``seller``, ``ordered`` m yuan)
        and spread orders (sector x seller, m yuan). Each seller delivers all its orders or, if they
        exceed its capacity, the same share of each. Returns what is delivered of each main contract and
        of each spread order (m yuan) and each seller's sales (100m yuan)."""
        n = capacity.size
        orders = (np.bincount(seller, weights=ordered, minlength=n) + spread.sum(axis=0)) * to_100m
        room = np.maximum(capacity, 0.0)
        ration = np.divide(room, orders, out=np.ones(n), where=orders > room)
        delivered = ordered * ration[seller]
        spread_delivered = spread * ration[None, :]
        sales = (np.bincount(seller, weights=delivered, minlength=n) + spread_delivered.sum(axis=0)) * to_100m
        return delivered, spread_delivered, sales

    def _record(self, year: int, parts) -> None:
        """Keep the year's contracts: ``parts`` are (buyer slots (-1: a sector's spread contracts), buyer
        sectors, sellers, values in m yuan); the record array is built when it is read (``ContractBook``)."""
        self.contracts.add(year, parts)


@dataclass(frozen=True)
class Offer:
    """The local technology on offer this year, as buyers of each sector see it."""

    attract: np.ndarray
    """Sector x institution attractiveness."""
    value: np.ndarray
    """Each sector's summed attractiveness."""
    probability: np.ndarray
    """Sector x institution choice probabilities (rows sum to 1)."""
    cdf: np.ndarray
    """The rows' cumulative probabilities end to end, row k shifted by k (one search draws every buyer)."""


class ContractBook:
    """The contracts of each year: a sequence of numpy record arrays (``CONTRACT_DTYPE``), one per year,
    built from the stored columns when first read (so a run that never reads them pays little)."""

    def __init__(self):
        self._columns: list[tuple] = []
        self._built: dict[int, np.ndarray] = {}

    def add(self, year: int, parts) -> None:
        """Store one year's contracts: ``parts`` are tuples of equal-length arrays (buyer slots, buyer
        sectors, sellers, values)."""
        self._columns.append((year, parts))

    def __len__(self) -> int:
        return len(self._columns)

    def __getitem__(self, index: int) -> np.ndarray:
        index = range(len(self._columns))[index]
        if index not in self._built:
            year, parts = self._columns[index]
            buyer, buyer_sector, seller, value = (np.concatenate([p[i] for p in parts]) for i in range(4))
            table = np.empty(buyer.size, dtype=CONTRACT_DTYPE)
            table["year"], table["buyer"], table["buyer_sector"] = year, buyer, buyer_sector
            table["seller"], table["value"] = seller, value
            self._built[index] = table
        return self._built[index]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def table(self) -> pd.DataFrame:
        """All years' contracts as one DataFrame."""
        if not len(self):
            return pd.DataFrame(np.empty(0, dtype=CONTRACT_DTYPE))
        return pd.DataFrame(np.concatenate(list(self)))
