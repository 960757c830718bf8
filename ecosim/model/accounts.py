"""The yearly record: one row per year, R&D by performer and by source, and their identities.

R&D is booked in a performer x source matrix (100m yuan); every total is a sum over that one
matrix, so total = sum by performer = sum by source in every year.
"""

from __future__ import annotations

import numpy as np

from ecosim.data import BaseRecord
from ecosim.levers import cost_columns, funded_columns

M_YUAN_PER_100M = 100.0
"""m yuan in 100m yuan: firms' arrays and deals are in m yuan, the accounts and budgets in 100m yuan."""
PERCENT = 100.0
"""Percent per share (intensities are reported in percent of GDP)."""


def in_100m_yuan(m_yuan: float) -> float:
    """An amount in m yuan (firms' arrays, deals, unit costs) as 100m yuan (accounts, budgets)."""
    return m_yuan / M_YUAN_PER_100M


def in_m_yuan(amount: float) -> float:
    """An amount in 100m yuan (accounts, budgets) as m yuan (firms' arrays, deals, unit costs)."""
    return amount * M_YUAN_PER_100M

PERFORMERS = ("enterprises", "government_institutes", "higher_education", "other")
SOURCES = ("government", "enterprises", "other")

OUTPUT_COLUMNS: dict[str, tuple[str, str]] = {
    "year": ("year", "calendar year"),
    "gdp": ("100m yuan", "the region's GDP, current prices"),
    "rd_expenditure": ("100m yuan", "R&D expenditure of all performers"),
    **{f"rd_by_{p}": ("100m yuan", f"R&D performed by {p.replace('_', ' ')}") for p in PERFORMERS},
    **{f"rd_funded_by_{s}": ("100m yuan", f"R&D funded by {s}") for s in SOURCES},
    "rd_intensity": ("percent of GDP", "the region's R&D expenditure / GDP (first-published basis)"),
    "national_rd_intensity": ("percent of GDP", "the benchmark's R&D intensity (first-published basis)"),
    "rd_intensity_gap": ("percentage points", "the region's minus the benchmark's intensity"),
    "target_rd_intensity": ("percent of GDP", "the scenario's target for the year"),
    "target_met": ("0/1", "the region's intensity at or above the target"),
    "firms": ("firms", "live firms in the model"),
    "firms_doing_rd": ("firms", "firms with R&D expenditure"),
    "industrial_firms_doing_rd": ("firms", "above-scale industrial firms with R&D expenditure"),
    "industrial_rd": ("100m yuan", "R&D reported by above-scale industrial firms (part of rd_by_enterprises)"),
    "rd_outside_survey": ("100m yuan", "R&D of technology SMEs below the above-scale threshold (20m yuan revenue): "
                          "done, but outside the R&D statistics' survey, so not in rd_by_enterprises"),
    "high_tech_enterprises": ("firms", "firms with a valid HTE certificate"),
    "hte_recognised_in_year": ("firms", "HTE certificates granted in the year (new and renewed)"),
    "tech_contract_value": ("100m yuan", "technology contracts bought by firms (buyer basis)"),
    "tech_contracts_local": ("100m yuan", "of which bought from the region's universities and institutes"),
    "venture_invested": ("100m yuan", "guidance-fund and private venture money invested in the year"),
    "tech_credit_loans": ("100m yuan", "tech-credit loans made in the year"),
    "venture_exits": ("100m yuan", "proceeds of guidance-fund and private venture stakes exited in the year"),
    "venture_write_offs": ("100m yuan", "guidance-fund and private venture stakes written off in the year (at cost)"),
    "tech_credit_defaults": ("100m yuan", "tech-credit principal defaulted in the year"),
    "modelled_value_added": ("100m yuan", "value added of the modelled firms"),
    "coal_price_gap": ("log points", "coal price deviation from trend"),
    **cost_columns(),
    "budget": ("100m yuan", "the region's S&T budget expenditure: recorded, then the scenario's path"),
    "budget_headroom": ("100m yuan", "budget growth since the base year, what outlays may add to their "
                                     "base-year cost (0 before the policy start)"),
    "budget_requested": ("100m yuan", "outlay the mix asks for beyond the levers' base-year cost, "
                                      "at last year's quantities"),
    "budget_shortfall": ("100m yuan", "budget_requested beyond the headroom (what the budget lacks for the mix)"),
    "budget_funded_share": ("share", "share of the requested outlay increases that is funded"),
    "budget_binding": ("0/1", "the budget cut at least one outlay lever below its schedule"),
    **funded_columns(),
}
"""Every column of the yearly table: unit and meaning."""


def base_funding(base: BaseRecord, a: dict) -> dict[str, dict[str, float]]:
    """The base year's performer x source R&D matrix (100m yuan).

    The data give the totals by performer and by source. Firms perform the assumed share of the
    government's R&D money; other performers get the assumed government share of their R&D; the
    institutions (universities and institutes, in proportion to their R&D) the rest; each
    institution's assumed "other" share comes next and firms' money fills the remainder. Firms take
    the rest of each source, so both margins match the data exactly.
    """
    perf, src = base.rd_by_performer, base.rd_by_source
    institutions = perf["government_institutes"] + perf["higher_education"]
    gov_other = a["other_performer_government_share"] * perf["other"]
    gov_institutions = (1.0 - a["government_rd_firm_share"]) * src["government"] - gov_other
    matrix: dict[str, dict[str, float]] = {}
    for p in ("government_institutes", "higher_education"):
        gov = gov_institutions * perf[p] / institutions
        other = a["institution_other_share"] * perf[p]
        matrix[p] = {"government": gov, "enterprises": perf[p] - gov - other, "other": other}
    matrix["other"] = {"government": gov_other, "enterprises": 0.0, "other": perf["other"] - gov_other}
    firms = {s: src[s] - sum(matrix[p][s] for p in matrix) for s in SOURCES}
    if min(firms.values()) < 0 or min(v for row in matrix.values() for v in row.values()) < 0:
        raise ValueError(f"base year {base.year}: the assumed funding shares (government_rd_firm_share, "
                         f"institution_other_share, other_performer_government_share) give a negative cell: "
                         f"{matrix} {firms}")
    matrix["enterprises"] = firms
    return matrix


def funding_row(matrix: dict[str, dict[str, float]]) -> dict[str, float]:
    """Totals of a performer x source matrix: by performer, by source and overall."""
    row = {f"rd_by_{p}": float(sum(matrix[p].values())) for p in PERFORMERS}
    row.update({f"rd_funded_by_{s}": float(sum(matrix[p][s] for p in PERFORMERS)) for s in SOURCES})
    row["rd_expenditure"] = float(np.sum([matrix[p][s] for p in PERFORMERS for s in SOURCES]))
    return row
