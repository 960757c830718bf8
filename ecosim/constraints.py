"""Joint constraints between assumptions: values each inside its own range that the model still
cannot run together.

The base year's R&D funding matrix (``ecosim.model.accounts.base_funding``) splits the recorded
totals by source among performers with three assumed shares; together they must leave no cell
negative. In the base year's record (the region bundle's history.csv, 100m yuan):

* rule ``government``: the government money left for universities and institutes is not negative,
  (1 - government_rd_firm_share) x G >= other_performer_government_share x O;
* rule ``institutions``: it does not exceed what the institutions' R&D leaves after their
  "other" money, (1 - government_rd_firm_share) x G - other_performer_government_share x O
  <= (1 - institution_other_share) x I;
* rule ``other``: the "other" source covers what institutions and other performers take of it,
  institution_other_share x I + (1 - other_performer_government_share) x O <= S;

with G the government-funded R&D, I the R&D of universities and institutes, O that of the other
performers and S the R&D funded from other sources. Checked at scenario load time and for every
design point of an experiment, before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecosim.data import BaseRecord

FUNDING_SHARES = ("government_rd_firm_share", "institution_other_share", "other_performer_government_share")
"""The assumptions the funding rules involve."""


@dataclass(frozen=True)
class FundingTotals:
    """The recorded totals of a base year the funding rules need (100m yuan)."""

    government: float
    institutions: float
    other_performers: float
    other_source: float


def funding_totals(base: BaseRecord) -> FundingTotals:
    """The base year's totals from its record (``Region.base_record``): performer splits from the
    latest recorded split at or before the year, as the model's base year takes them."""
    performers, sources = base.rd_by_performer, base.rd_by_source
    return FundingTotals(government=sources["government"],
                         institutions=performers["government_institutes"] + performers["higher_education"],
                         other_performers=performers["other"], other_source=sources["other"])


def funding_violations(base: BaseRecord, values: dict[str, float]) -> list[str]:
    """The funding rules that ``values`` (assumption name -> value) break in the base year ``base``,
    each as a sentence naming the fields, the rule and the numbers; empty when all hold."""
    t = funding_totals(base)
    year = base.year
    firm, inst_other, other_gov = (values[name] for name in FUNDING_SHARES)
    to_institutions = (1.0 - firm) * t.government - other_gov * t.other_performers
    fields = "assumptions.government_rd_firm_share, assumptions.institution_other_share and " \
             "assumptions.other_performer_government_share"
    problems = []
    if to_institutions < 0:
        problems.append(f"rule government: (1 - government_rd_firm_share) x {t.government:.1f} must be at least "
                        f"other_performer_government_share x {t.other_performers:.1f} (government-funded and other "
                        f"performers' R&D in {year}, 100m yuan); got {(1.0 - firm) * t.government:.2f} < "
                        f"{other_gov * t.other_performers:.2f}")
    if to_institutions > (1.0 - inst_other) * t.institutions:
        problems.append(f"rule institutions: the government money left for universities and institutes "
                        f"({to_institutions:.2f}) must not exceed their R&D less their other money "
                        f"((1 - institution_other_share) x {t.institutions:.1f} = "
                        f"{(1.0 - inst_other) * t.institutions:.2f}) in {year}")
    taken = inst_other * t.institutions + (1.0 - other_gov) * t.other_performers
    if taken > t.other_source:
        problems.append(f"rule other: institution_other_share x {t.institutions:.1f} + "
                        f"(1 - other_performer_government_share) x {t.other_performers:.1f} = {taken:.2f} must not "
                        f"exceed the R&D funded from other sources in {year} ({t.other_source:.2f})")
    return [f"{fields} together: {p}" for p in problems]
