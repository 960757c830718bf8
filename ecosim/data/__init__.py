"""Region bundles: everything the model knows of a place, read from a folder and checked on load.

A bundle is a folder holding ``region.toml`` (identifier, display names, the benchmark region, units,
the first recorded year, the default question, the assumptions that describe the place), the record
``history.csv``, ``coal_price.csv``, ``policy_history.csv``, ``policy.csv``, ``sectors.csv`` and, once
calibrated, ``calibration.toml`` and ``calibration_posterior.csv`` (docs/data-format.md). The built-in
bundles live in ``ecosim/data/regions/``; :func:`load_region` reads one by name or any folder by path.
Nothing in code names a region: the default is the one ``regions/default.toml`` names.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecosim.assumptions import ASSUMPTIONS, Assumption, catalogue_defaults
from ecosim.data import bundle
from ecosim.data.bundle import BundleError

BUNDLE_FILES = ("region.toml", "history.csv", "coal_price.csv", "policy_history.csv", "policy.csv", "sectors.csv")
"""The files every bundle holds."""
CALIBRATION_FILES = ("calibration.toml", "calibration_posterior.csv")
"""The files a calibrated bundle holds besides (written by ``ecosim calibrate --install``)."""
UNITS = {"money": "100m_yuan", "intensity": "percent_of_gdp", "coal_price": "usd_per_tonne"}
"""The only units the model reads (region.toml [units])."""
TREND_YEARS = 1
"""Years a count series (firms doing R&D, HTE stock, technology contracts) is carried along the
log-linear trend of its last two recorded values beyond its last record, as the shipped 2020 base
does for firms doing R&D (recorded to 2019); later years hold the value reached."""
BASE_YEAR_SERIES = ("rd_expenditure", "rd_funded_by_government", "rd_funded_by_enterprises", "rd_personnel_fte")
"""Series a base year is built from, with the GDP, the benchmark's intensity and the coal price: a year
with R&D and GDP may be a base year from the first year all of these are recorded; after that, the
four here are carried forward where a year lacks them."""


def regions_root() -> Path:
    """The folder of the built-in bundles."""
    return Path(str(resources.files("ecosim.data").joinpath("regions")))


def builtin_regions() -> tuple[str, ...]:
    """The names of the built-in bundles."""
    return tuple(sorted(p.name for p in regions_root().iterdir() if (p / "region.toml").is_file()))


def default_region_name() -> str:
    """The region used when none is named (``regions/default.toml``)."""
    return str(bundle.read_toml(regions_root() / "default.toml")["region"])


def load_region(ref: str | Path | None = None) -> "Region":
    """A region bundle by built-in name or folder path (None: the default), checked on load.

    The same folder with the same files gives the same object in a process (edits are picked up:
    the files' sizes and times are part of the key), so per-region caches hold across scenarios."""
    if ref is None or str(ref) == "":
        ref = default_region_name()
    path = Path(ref)
    if not (path / "region.toml").is_file() and str(ref) in builtin_regions():
        path = regions_root() / str(ref)
    if not path.is_dir():
        raise BundleError(str(ref), "(region)", f"is neither a bundle folder nor a built-in region; built-in "
                          f"regions are {', '.join(builtin_regions())}")
    path = path.resolve()
    stamp = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(path.iterdir()) if p.is_file())
    return _load(path, stamp)


@cache
def _load(path: Path, stamp: tuple) -> "Region":
    return Region.read(path)


def _reload(path: str) -> "Region":
    """A region unpickled in a worker process: loaded again from its folder, without repeating the
    notes the main process already gave (a worker's copy would print them once per worker)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_region(path)


@dataclass(frozen=True)
class PlaceValue:
    """An assumption that describes the place (region.toml [place]): its value, range and reason."""

    value: float
    low: float
    high: float
    reason: str


@dataclass(frozen=True)
class BaseRecord:
    """Initial conditions of a base year, from the region's record (carried forward where missing)."""

    year: int
    gdp: float
    """The region's GDP, 100m yuan."""
    rd_total: float
    rd_by_performer: dict[str, float]
    """enterprises, government_institutes, higher_education, other; 100m yuan."""
    rd_by_source: dict[str, float]
    """government, enterprises, other; 100m yuan."""
    industrial_rd_performers: float
    tech_bought: float
    """Technology contracts bought by the region's firms (buyer basis), 100m yuan."""
    rd_personnel_fte: float
    hte_stock: float
    """Firms holding a valid HTE certificate: the recorded stock or the sum of the last three years'
    recognition lists (a certificate lasts three years), log-interpolated between."""
    government_rd: float
    """R&D funded by government, 100m yuan."""
    industrial_rd_share: float
    """Above-scale industrial firms' share of enterprise-performed R&D: recorded ratios (capped at
    INDUSTRIAL_SHARE_CAP), linearly interpolated and held flat outside."""
    science_budget: float = 0.0
    """The region's S&T budget expenditure (general_budget_science_technology), 100m yuan: recorded, or
    the latest earlier year's share of GDP times this year's GDP."""
    hte_cohorts: tuple[float, float, float] = (1.0, 1.0, 1.0)
    """Relative sizes of the base-year certificates recognised two years before, one year before and
    in the base year (the recognition lists when all three are recorded, else equal), which set when
    the stock's certificates end."""
    coal_share_of_industrial_rd: float = 0.34
    """Mining's share of above-scale industrial R&D: 36.4 of 107 (100m yuan) in 2012 (IP12), the only
    year split in the shipped record; held for every base year (an assumption)."""
    carried: tuple[tuple[str, int, str], ...] = ()
    """Fields not recorded in the base year: (field, the year it comes from, how), for the run's report."""


INDUSTRIAL_SHARE_CAP = 0.95
"""Largest above-scale industrial share of enterprise R&D (a ratio above it means the record mixes
bases: the shipped 2012 industrial R&D against the 2016 performer split)."""


@dataclass(frozen=True, eq=False, repr=False)
class Region:
    """A checked region bundle. Build with :func:`load_region`; compared and hashed by identity (one
    object per folder and file state), pickled as its folder (workers reload it from the same files)."""

    root: Path
    key: str
    """The region's code in history.csv (e.g. its pinyin name)."""
    names: dict[str, str]
    """Display names by language: {"en": ..., "zh": ...}."""
    benchmark: str
    benchmark_names: dict[str, str]
    benchmark_labels: dict[str, str]
    """The target's name by language ("national average")."""
    first_year: int
    reference_year: int
    target_year: int
    target_value: float | str
    place: dict[str, PlaceValue]
    caveats: dict[str, tuple[str, ...]]
    """What a brief on this region must add to the model's own caveats, by language (region.toml
    [brief]): what the record's validation found, say."""
    history: pd.DataFrame = field(repr=False)
    coal: tuple[tuple[int, float], ...] = field(repr=False)
    lever_history: dict[str, dict[int, float]] = field(repr=False)
    policy: pd.DataFrame = field(repr=False)
    sectors: pd.DataFrame = field(repr=False)
    calibrated: dict[str, float] = field(repr=False)
    """Calibrated assumption values of ``calibration_source`` (for a bundle without its own
    calibration.toml, the default region's)."""
    calibration_meta: dict[str, Any] = field(repr=False)
    posterior: pd.DataFrame | None = field(repr=False)
    calibration_source: Path = field(repr=False)
    """The calibration.toml the values come from: the bundle's own, or the default region's."""

    # --- loading ------------------------------------------------------------------------------

    @classmethod
    def read(cls, root: Path) -> "Region":
        """Read and check every file of the bundle in ``root``."""
        meta_path = root / "region.toml"
        meta = bundle.read_toml(meta_path)
        key, names, benchmark, bench_names, bench_labels, first_year, reference, question = _meta(meta, meta_path)
        last_possible = bundle.last_publishable_year()
        history = bundle.check_history(root / "history.csv", key, benchmark, first_year, last_possible)
        coal = bundle.check_coal(root / "coal_price.csv", last_possible)
        levers = bundle.check_policy_history(root / "policy_history.csv", first_year)
        policy = bundle.check_policy(root / "policy.csv")
        sectors = bundle.check_sectors(root / "sectors.csv")
        place = _place(meta.get("place", {}), meta_path)
        caveats = _caveats(meta.get("brief", {}), meta_path)
        own = (root / "calibration.toml").is_file()
        calibration_dir = root if own else regions_root() / default_region_name()
        if not own:
            warnings.warn(f"the region bundle {root} has no calibration of its own: runs on it use the calibration "
                          f"of the built-in region '{default_region_name()}' (calibrate it with: ecosim calibrate "
                          f"--region {root} --install)", stacklevel=2)
        calibrated, calibration_meta = bundle.check_calibration(calibration_dir / "calibration.toml")
        posterior_path = calibration_dir / "calibration_posterior.csv"
        posterior = bundle.check_posterior(posterior_path) if posterior_path.is_file() else None
        region = cls(root, key, names, benchmark, bench_names, bench_labels, first_year, reference,
                     question[0], question[1], place, caveats, history, coal, levers, policy, sectors, calibrated,
                     calibration_meta, posterior, calibration_dir / "calibration.toml")
        region.check_reach()
        if region.calibration_stale:
            warnings.warn(f"the calibration of {root} saw the record up to {region.calibration_meta['last_year']}, "
                          f"but the bundle now reaches {region.last_year}: recalibrate it with "
                          f"ecosim calibrate --region {root} --install", stacklevel=2)
        return region

    @property
    def calibration_stale(self) -> bool:
        """Whether the bundle's own calibration saw fewer years than the bundle now records."""
        seen = self.calibration_meta.get("last_year")
        return self.has_own_calibration and isinstance(seen, int) and seen < self.last_year

    def check_reach(self) -> None:
        """The series a run reads in its base year reach the last recorded year: the benchmark's intensity
        (the target of the base year) and the coal price (the cycle's starting point)."""
        last = self.last_year
        national = self.benchmark_series("rd_intensity_first_published")
        if max(national) < last:
            raise BundleError(self.root / "history.csv", f"{self.benchmark} rd_intensity_first_published",
                              f"ends in {max(national)}, but {self.name()}'s record reaches {last}: append the "
                              f"{self.benchmark_name()} intensity of {max(national) + 1}-{last} (the target a run from "
                              f"{last} compares with)")
        coal = max(y for y, _ in self.coal)
        if coal < last:
            raise BundleError(self.root / "coal_price.csv", "year", f"ends in {coal}, but the record reaches {last}: "
                              f"append the coal price of {coal + 1}-{last}")

    def __reduce__(self):
        return (_reload, (str(self.root),))

    def __repr__(self) -> str:
        return f"Region({self.key!r}, {self.name('en')}, record to {self.last_year}, {str(self.root)!r})"

    @property
    def builtin(self) -> bool:
        """Whether this is one of the package's own bundles."""
        return self.root.parent == regions_root().resolve()

    @property
    def ref(self) -> str:
        """How a scenario file names this region: the built-in name, else the folder's path."""
        return self.root.name if self.builtin else str(self.root)

    @property
    def has_own_calibration(self) -> bool:
        """Whether the bundle holds its own calibration.toml (else the default region's is used)."""
        return self.calibration_source.parent == self.root

    def name(self, lang: str = "en") -> str:
        """The region's display name in ``lang`` (en or zh)."""
        return self.names.get(lang, self.names["en"])

    def benchmark_name(self, lang: str = "en") -> str:
        """The benchmark region's display name in ``lang``."""
        return self.benchmark_names.get(lang, self.benchmark_names["en"])

    # --- the record ---------------------------------------------------------------------------

    @cached_property
    def _all_series(self) -> dict[tuple[str, str], dict[int, float]]:
        """Every row of history.csv by (area, variable), later years included."""
        table: dict[tuple[str, str], dict[int, float]] = {}
        for area, when, variable, value in zip(self.history["region"], self.history["year"],
                                               self.history["variable"], self.history["value"]):
            table.setdefault((area, variable), {})[int(when)] = float(value)
        return {k: dict(sorted(v.items())) for k, v in table.items()}

    @cached_property
    def _series(self) -> dict[tuple[str, str], dict[int, float]]:
        """The record the model reads: years up to the last recorded year only (a row for a later year,
        say an R&D figure whose GDP is not out yet, waits until that year is complete)."""
        last = self.last_year
        return {k: {y: v for y, v in values.items() if y <= last} for k, values in self._all_series.items()}

    def series(self, variable: str, area: str | None = None) -> dict[int, float]:
        """One variable of the record as {year: value} (a copy), of the region or of ``area``, up to the
        last recorded year."""
        return dict(self._series.get((area or self.key, variable), {}))

    def benchmark_series(self, variable: str) -> dict[int, float]:
        """One variable of the benchmark region's record as {year: value}."""
        return self.series(variable, self.benchmark)

    @cached_property
    def gdp(self) -> dict[int, float]:
        """The region's GDP by year up to the last recorded year (100m yuan): published where given, else
        R&D / first-published intensity."""
        return {y: v for y, v in self._all_gdp.items() if y <= self.last_year}

    @cached_property
    def _all_gdp(self) -> dict[int, float]:
        raw = self._all_series
        gdp = dict(raw.get((self.key, "gdp_implied"), {}))
        gdp.update(raw.get((self.key, "gdp"), {}))
        rd = raw.get((self.key, "rd_expenditure"), {})
        for when, intensity in raw.get((self.key, "rd_intensity_first_published"), {}).items():
            if when in rd:
                gdp.setdefault(when, rd[when] / intensity * 100.0)
        return dict(sorted(gdp.items()))

    @cached_property
    def last_year(self) -> int:
        """The last recorded year: the latest with R&D expenditure and GDP (or the first-published intensity)."""
        rd = self._all_series.get((self.key, "rd_expenditure"), {})
        years = [y for y in rd if y in self._all_gdp]
        if not years:
            raise BundleError(self.root / "history.csv", "(file)", "holds no year with both rd_expenditure and "
                              "gdp (or rd_intensity_first_published); no year can be a base year")
        return max(years)

    @cached_property
    def first_base_year(self) -> int:
        """The first year that can be a base year: R&D, GDP, the funding split and R&D personnel recorded."""
        national = self._series.get((self.benchmark, "rd_intensity_first_published"), {})
        coal = {y for y, _ in self.coal}
        candidates = [y for y in range(self.first_year, self.last_year + 1)
                      if y in self.gdp and y in national and y in coal
                      and all(y in self._series.get((self.key, s), {}) for s in BASE_YEAR_SERIES)]
        if not candidates:
            raise BundleError(self.root / "history.csv", "(file)",
                              f"no year records all of {', '.join(BASE_YEAR_SERIES)}, GDP, the benchmark's "
                              "rd_intensity_first_published and the coal price; no base year is possible")
        return candidates[0]

    @property
    def last_policy_year(self) -> int:
        """The last year policy_history.csv records for any lever."""
        return max(max(years) for years in self.lever_history.values())

    def lever_value(self, name: str, year: int) -> float:
        """A lever's recorded value in ``year``; after its last record, its last recorded value."""
        history = self.lever_history[name]
        return history.get(year, history[max(history)])

    def lever_values(self, name: str, years: tuple[int, ...]) -> tuple[float, ...]:
        """A lever's recorded values in ``years`` (cached: every replication's inputs read them)."""
        return _lever_values(self, name, years)

    @cached_property
    def hte_thresholds(self) -> dict[str, float]:
        """The HTE recognition thresholds (share of revenue) by firm size, from policy.csv."""
        rows = self.policy[self.policy["lever"].str.startswith("high_tech_enterprise_rd_intensity_threshold_")]
        return {lever.rsplit("_", 1)[1]: float(value) for lever, value in zip(rows["lever"], rows["value"])}

    # --- assumptions --------------------------------------------------------------------------

    def catalogue(self) -> dict[str, Assumption]:
        """The assumption catalogue for this region: the place's values, ranges and reasons in place of
        the catalogue's for the assumptions region.toml [place] describes."""
        merged = dict(ASSUMPTIONS)
        for name, p in self.place.items():
            a = ASSUMPTIONS[name]
            merged[name] = Assumption(a.name, a.unit, p.value, p.low, p.high, p.reason, a.integer, a.group)
        return merged

    def uncalibrated_defaults(self) -> dict[str, float]:
        """Every assumption at the catalogue's default, the place's values in place of the catalogue's."""
        return {**catalogue_defaults(), **{n: p.value for n, p in self.place.items()}}

    def defaults(self) -> dict[str, float]:
        """Every assumption at its default: calibrated where calibrated, else the place's, else the catalogue's.
        A bundle without a calibration of its own borrows the default region's behavioural estimates but
        takes the exogenous paths (GDP trend, coal cycle, benchmark drift) from its own record."""
        return {**self.uncalibrated_defaults(), **self.calibrated, **self._own_estimates}

    @cached_property
    def _own_estimates(self) -> dict[str, float]:
        """The record's own data estimates when the calibration is borrowed (none when it is the bundle's)."""
        from ecosim.data.estimates import data_estimates

        return {} if self.has_own_calibration else data_estimates(self)

    # --- the base year ------------------------------------------------------------------------

    def base_record(self, year: int) -> BaseRecord:
        """Initial conditions of base year ``year`` (cached per region and year)."""
        return _base_record(self, year)

    def record_summary(self) -> pd.DataFrame:
        """Recorded years per (area, variable): first, last, count, the years missing between and the
        years after the last recorded year (held in the file, not read by the model)."""
        rows = []
        for (area, variable), values in sorted(self._all_series.items()):
            years = sorted(values)
            gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years))
            later = [y for y in years if y > self.last_year]
            rows.append({"area": area, "variable": variable, "first": years[0], "last": years[-1],
                         "years": len(years), "missing_between": ",".join(map(str, gaps)),
                         "after_last_year": ",".join(map(str, later))})
        return pd.DataFrame(rows)


@cache
def _lever_values(region: Region, name: str, years: tuple[int, ...]) -> tuple[float, ...]:
    return tuple(region.lever_value(name, y) for y in years)


@cache
def _base_record(region: Region, year: int) -> BaseRecord:
    """A base year's record: the year's totals, its splits from the latest earlier split (scaled to
    the year's total), the counts interpolated or carried forward (see :data:`TREND_YEARS`)."""
    if not region.first_base_year <= year <= region.last_year:
        raise BundleError(region.root / "history.csv", "base_year",
                          f"{year} is outside the years this bundle can start from, "
                          f"{region.first_base_year} to {region.last_year}")
    carried: list[tuple[str, int, str]] = []
    rd = region.series("rd_expenditure")
    rd_total = rd[year]

    def source_year(field: str, years, how: str) -> int:
        """``year`` if recorded, else the latest earlier recorded year (the earliest when none is
        earlier), noted as carried."""
        source = _latest_at(years, year)
        if source != year:
            carried.append((field, source, f"{how} carried {_way(source, year)}"))
        return source

    def share_of(variable: str, total: dict[int, float], what: str) -> float:
        """The variable in ``year``, or its share of ``total`` in the year it comes from times this year's total."""
        values = region.series(variable)
        source = source_year(variable, [y for y in values if y in total], f"share of {what}")
        return values[source] if source == year else values[source] / total[source] * total[year]

    split_year = source_year("rd_by_performer", region.series("rd_by_enterprises"), "performer split (shares of R&D)")
    performers = {key: region.series(f"rd_by_{key}")[split_year] / rd[split_year] * rd_total
                  for key in ("enterprises", "government_institutes", "higher_education")}
    performers["other"] = rd_total - sum(performers.values())
    sources = {"government": share_of("rd_funded_by_government", rd, "R&D expenditure"),
               "enterprises": share_of("rd_funded_by_enterprises", rd, "R&D expenditure")}
    sources["other"] = rd_total - sources["government"] - sources["enterprises"]
    science_budget = share_of("general_budget_science_technology", region.gdp, "GDP")
    personnel = region.series("rd_personnel_fte")
    personnel_year = source_year("rd_personnel_fte", personnel, "value")
    return BaseRecord(
        year=year,
        gdp=region.gdp[year],
        rd_total=rd_total,
        rd_by_performer=performers,
        rd_by_source=sources,
        industrial_rd_performers=_count(region.series("above_scale_industrial_firms_with_rd"), year,
                                        "above_scale_industrial_firms_with_rd", carried, region),
        tech_bought=_count(region.series("tech_contracts_bought"), year, "tech_contracts_bought", carried, region),
        rd_personnel_fte=personnel[personnel_year],
        hte_stock=_hte_stock(region, year, carried),
        hte_cohorts=_hte_cohorts(region, year),
        government_rd=sources["government"],
        industrial_rd_share=_industrial_rd_share(region, year),
        science_budget=science_budget,
        carried=tuple(carried),
    )


def _count(points: dict[int, float], year: int, name: str, carried: list, region: Region) -> float:
    """A count series in ``year``: recorded, log-interpolated inside the record, carried along the last
    two records' trend for up to TREND_YEARS after it (held after that), the first two's before it."""
    if not points:
        raise BundleError(region.root / "history.csv", name, "has no record up to the last recorded year; "
                          "the base year needs it")
    if year in points:
        return points[year]
    years = sorted(points)
    if len(years) == 1:
        carried.append((name, years[0], f"value carried {_way(years[0], year)}"))
        return points[years[0]]
    if years[0] < year < years[-1]:
        below, above = max(y for y in years if y < year), min(y for y in years if y > year)
        carried.append((name, below, f"log-interpolated between {below} and {above}"))
        return float(np.exp(np.interp(year, years, np.log([points[y] for y in years]))))
    y0, y1 = (years[0], years[1]) if year < years[0] else (years[-2], years[-1])
    target = year
    if year > years[-1] + TREND_YEARS:
        target = years[-1] + TREND_YEARS
        carried.append((name, years[-1], f"trend of {y0}-{y1} to {target}, then held"))
    elif year > years[-1]:
        carried.append((name, years[-1], f"trend of {y0}-{y1} carried {year - years[-1]} year(s)"))
    else:
        carried.append((name, y0, f"trend of {y0}-{y1} carried back {y0 - year} year(s)"))
    slope = (np.log(points[y1]) - np.log(points[y0])) / (y1 - y0)
    return float(np.exp(np.log(points[y0]) + slope * (target - y0)))


def _latest_at(years, year: int) -> int:
    """The latest of ``years`` up to ``year`` (the earliest of them when none is that early)."""
    return max((y for y in years if y <= year), default=min(years))


def _way(source: int, year: int) -> str:
    """"forward" from an earlier year, "back" from a later one."""
    return "forward" if source < year else "back"


def _hte_stock(region: Region, year: int, carried: list) -> float:
    """The HTE stock of a base year: recorded (or summed from three recognition lists); when only this
    year's list is missing, the last two lists with the latest carried for this year; else a count."""
    stocks = hte_stocks(region)
    lists = region.series("high_tech_enterprises_recognised_in_year")
    if year not in stocks and year not in lists and year - 1 in lists and year - 2 in lists:
        carried.append(("high_tech_enterprises_recognised_in_year", year - 1,
                        f"the {year - 1} recognition list carried to {year} in the three-year stock"))
        return lists[year - 2] + 2 * lists[year - 1]
    return _count(stocks, year, "high_tech_enterprises", carried, region)


def _hte_cohorts(region: Region, year: int) -> tuple[float, float, float]:
    """The recognition lists of ``year`` - 2, ``year`` - 1 and ``year`` when all are recorded, else equal."""
    lists = region.series("high_tech_enterprises_recognised_in_year")
    if all(y in lists for y in (year - 2, year - 1, year)):
        return (float(lists[year - 2]), float(lists[year - 1]), float(lists[year]))
    return (1.0, 1.0, 1.0)


def hte_stocks(region: Region) -> dict[int, float]:
    """Recorded HTE stocks: the stock series and, where three consecutive recognition lists are
    known, their sum (a certificate lasts three years)."""
    stocks = region.series("high_tech_enterprises")
    lists = region.series("high_tech_enterprises_recognised_in_year")
    for when in lists:
        if all(y in lists for y in (when - 2, when - 1)):
            stocks[when] = lists[when - 2] + lists[when - 1] + lists[when]
    return stocks


def _industrial_rd_share(region: Region, year: int) -> float:
    """Above-scale industry's share of enterprise R&D in ``year`` (see ``BaseRecord.industrial_rd_share``)."""
    industrial = region.series("above_scale_industrial_rd")
    if not industrial:
        raise BundleError(region.root / "history.csv", "above_scale_industrial_rd", "has no record; the base "
                          "year's split of enterprise R&D needs at least one year")
    rd = region.series("rd_expenditure")
    enterprises = region.series("rd_by_enterprises")
    points = {}
    for y, v in sorted(industrial.items()):
        if y in enterprises:
            enterprise = enterprises[y]
        else:
            nearest = min(enterprises, key=lambda e: abs(e - y))
            enterprise = enterprises[nearest] / rd[nearest] * rd[y]
        points[y] = min(v / enterprise, INDUSTRIAL_SHARE_CAP)
    years = sorted(points)
    return float(np.interp(year, years, [points[y] for y in years]))


# --- region.toml ---------------------------------------------------------------------------------


def _meta(meta: dict, path: Path) -> tuple:
    """The identity, names, benchmark, years and question of region.toml, each checked."""
    def text(table: dict, key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise BundleError(path, where, f"must be a non-empty text, got {value!r}")
        return value

    known = {"id", "name_en", "name_zh", "first_year", "reference_year", "sources",
             "benchmark", "units", "question", "place", "brief"}
    for key in meta:
        if key not in known:
            raise BundleError(path, key, f"unknown field; allowed fields are {', '.join(sorted(known))}")
    key = text(meta, "id", "id")
    if not key.replace("_", "").replace("-", "").isalnum():
        raise BundleError(path, "id", f"{key!r} must be letters, digits, - and _ only")
    names = {"en": text(meta, "name_en", "name_en"), "zh": text(meta, "name_zh", "name_zh")}
    bench = meta.get("benchmark")
    if not isinstance(bench, dict):
        raise BundleError(path, "benchmark", "is missing: a [benchmark] table with id, name_en and name_zh names "
                          "the region the target compares with (its rows in history.csv)")
    _known_keys(bench, ("id", "name_en", "name_zh", "label_en", "label_zh"), "benchmark", path)
    benchmark = text(bench, "id", "benchmark.id")
    if benchmark == key:
        raise BundleError(path, "benchmark.id", "must differ from id")
    bench_names = {"en": text(bench, "name_en", "benchmark.name_en"), "zh": text(bench, "name_zh", "benchmark.name_zh")}
    labels = {"en": bench.get("label_en", f"{bench_names['en']} average"),
              "zh": bench.get("label_zh", f"{bench_names['zh']}平均")}
    last = bundle.last_publishable_year()
    first_year = meta.get("first_year")
    if isinstance(first_year, bool) or not isinstance(first_year, int) or not 1949 <= first_year <= last:
        raise BundleError(path, "first_year", f"must be a whole year from 1949 to {last}, got {first_year!r}")
    reference = meta.get("reference_year", first_year)
    if isinstance(reference, bool) or not isinstance(reference, int) or not first_year <= reference <= last:
        raise BundleError(path, "reference_year", f"must be a whole year from {first_year} to {last}, got {reference!r}")
    units = meta.get("units", UNITS)
    if not isinstance(units, dict):
        raise BundleError(path, "units", "must be a table")
    for name, unit in units.items():
        if name not in UNITS:
            raise BundleError(path, f"units.{name}", f"unknown; allowed are {', '.join(UNITS)}")
        if unit != UNITS[name]:
            raise BundleError(path, f"units.{name}", f"{unit!r} is not supported; the model reads {UNITS[name]}")
    question = meta.get("question", {})
    if not isinstance(question, dict):
        raise BundleError(path, "question", "must be a table with target_year and target_value")
    _known_keys(question, ("target_year", "target_value"), "question", path)
    target_year = question.get("target_year", last + 5)
    if isinstance(target_year, bool) or not isinstance(target_year, int) or not first_year < target_year <= 2050:
        raise BundleError(path, "question.target_year", f"must be a whole year after {first_year} up to 2050")
    target_value = question.get("target_value", "national_average")
    if isinstance(target_value, str) and target_value != "national_average" or (
            not isinstance(target_value, str) and (isinstance(target_value, bool) or not isinstance(
                target_value, int | float) or not 0 <= target_value <= 10)):
        raise BundleError(path, "question.target_value",
                          f"must be 'national_average' or a percent of GDP from 0 to 10, got {target_value!r}")
    return (key, names, benchmark, bench_names, labels, first_year, reference,
            (target_year, target_value if isinstance(target_value, str) else float(target_value)))


def _caveats(raw: Any, path: Path) -> dict[str, tuple[str, ...]]:
    """region.toml [brief]: ``caveats_en`` and ``caveats_zh``, lists of sentences (optional)."""
    if not isinstance(raw, dict):
        raise BundleError(path, "brief", "must be a table with caveats_en and caveats_zh")
    _known_keys(raw, ("caveats_en", "caveats_zh"), "brief", path)
    caveats = {}
    for lang in ("en", "zh"):
        items = raw.get(f"caveats_{lang}", [])
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise BundleError(path, f"brief.caveats_{lang}", "must be a list of non-empty texts")
        caveats[lang] = tuple(items)
    return caveats


def _known_keys(table: dict, allowed: tuple[str, ...], where: str, path: Path) -> None:
    """Refuse a key a table does not know (a typo would otherwise fall back to a default unseen)."""
    for key in table:
        if key not in allowed:
            raise BundleError(path, f"{where}.{key}", f"unknown field; allowed fields are {', '.join(allowed)}")


def _place(raw: Any, path: Path) -> dict[str, PlaceValue]:
    """region.toml [place]: known assumptions, each with a value inside its range and a reason."""
    if not isinstance(raw, dict):
        raise BundleError(path, "place", "must be a table of [place.<assumption>] tables")
    place = {}
    for name, spec in raw.items():
        where = f"place.{name}"
        if name not in ASSUMPTIONS:
            raise BundleError(path, where, "unknown assumption; see `ecosim assumptions`")
        a = ASSUMPTIONS[name]
        if not isinstance(spec, dict) or "value" not in spec or "reason" not in spec:
            raise BundleError(path, where, "must be a table with value and reason (low and high optional)")
        values = {}
        for key in ("value", "low", "high"):
            value = spec.get(key, {"low": a.low, "high": a.high}.get(key))
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise BundleError(path, f"{where}.{key}", f"must be a number ({a.unit}), got {value!r}")
            values[key] = float(value)
        if not values["low"] <= values["value"] <= values["high"]:
            raise BundleError(path, f"{where}.value", f"{values['value']:g} is outside low {values['low']:g} "
                              f"to high {values['high']:g} ({a.unit})")
        if a.integer and values["value"] != int(values["value"]):
            raise BundleError(path, f"{where}.value", f"must be a whole number ({a.unit})")
        reason = spec["reason"]
        if not isinstance(reason, str) or not reason.strip():
            raise BundleError(path, f"{where}.reason", "must say where the value comes from")
        unknown = set(spec) - {"value", "low", "high", "reason"}
        if unknown:
            raise BundleError(path, f"{where}.{sorted(unknown)[0]}", "unknown field; allowed are value, low, high, reason")
        place[name] = PlaceValue(values["value"], values["low"], values["high"], reason)
    return place


__all__ = ["Region", "BaseRecord", "PlaceValue", "BundleError", "load_region", "builtin_regions",
           "default_region_name", "regions_root", "hte_stocks", "BUNDLE_FILES", "CALIBRATION_FILES"]
