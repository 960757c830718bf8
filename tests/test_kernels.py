"""The compiled firm kernels give the numpy rules' results: exactly where no sum is reordered, within
``kernels.RELATIVE_TOLERANCE`` on every output column of whole runs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ecosim.model import EcosystemModel, kernels, resolve
from ecosim.model.funds import SIGNALS, candidate_signals, standardised
from ecosim.scenario import load_scenario

needs_numba = pytest.mark.skipif(kernels.numba is None, reason="numba is not installed")


@pytest.fixture
def numpy_rules():
    """Run the body with the numpy rules, then restore the setting."""
    previous = kernels.use_compiled(False)
    yield
    kernels.use_compiled(previous)


def reference_sellers(s, tie, attract, u, tie_boost):
    """The numpy rule of ``TechnologyMarket.choose_sellers``, written out: tie kept with its odds,
    else ``np.searchsorted`` of the rescaled uniform in the sectors' cumulative probabilities."""
    n_sector, n = attract.shape
    value = attract.sum(axis=1)
    extra = np.where(tie >= 0, tie_boost * attract[s, np.maximum(tie, 0)], 0.0)
    stay = extra / (value[s] + extra)
    keep = u < stay
    rescaled = np.where(keep, 0.0, (u - stay) / np.maximum(1.0 - stay, 1e-12))
    flat = (np.arange(n_sector)[:, None] + np.minimum(np.cumsum(attract, axis=1) / value[:, None], 1.0)).ravel()
    drawn = np.searchsorted(flat, s + rescaled * (1.0 - 1e-12), side="right") - s * n
    return np.where(keep, tie, np.clip(drawn, 0, n - 1)), value, flat


@needs_numba
def test_seller_choice_is_the_same_index_as_the_sorted_search():
    rng = np.random.default_rng(7)
    sectors, sellers, buyers = 12, 90, 20_000
    attract = rng.random((sectors, sellers)) ** 6
    attract[2, :80] = 0.0  # a sector that can buy from only ten sellers
    attract[5, ::2] = 0.0
    s = rng.integers(0, sectors, buyers)
    tie = np.where(rng.random(buyers) < 0.4, rng.integers(0, sellers, buyers), -1)
    u = rng.random(buyers)
    u[:6] = [0.0, np.nextafter(1.0, 0.0), 0.5, 1 / 256, 255 / 256, 1e-300]
    expected, value, flat = reference_sellers(s, tie, attract, u, 0.7)
    got = kernels.choose_sellers_kernel(s, tie, attract, value, flat, kernels.bucket_starts(flat, sectors), u, 0.7)
    assert np.array_equal(got, expected)
    assert not np.any(attract[s[tie < 0], got[tie < 0]] == 0.0)  # never a seller the buyer cannot choose


@needs_numba
def test_standardised_rows_have_mean_zero_and_sd_one_and_match_the_numpy_rule():
    rng = np.random.default_rng(3)
    raw = np.vstack([rng.normal(5.0, 2.0, 1_000), np.full(1_000, 3.0), rng.random(1_000) < 0.2])
    expected = np.vstack([standardised(row.copy()) for row in raw])
    got = kernels.standardise_rows(raw.copy())
    assert np.allclose(got, expected, rtol=0, atol=1e-12)
    assert abs(got[0].mean()) < 1e-12 and abs(got[0].std() - 1.0) < 1e-12
    assert np.all(got[1] == 0.0)  # a signal that does not vary ranks nobody
    assert kernels.standardise_rows(np.empty((2, 0))).shape == (2, 0)


def model_after(years: int, seed: int = 5) -> EcosystemModel:
    """The guiding-opinions model stepped ``years`` years."""
    model = EcosystemModel(resolve(load_scenario("guiding-opinions")), seed)
    for _ in range(years):
        model.step()
    return model


@needs_numba
def test_fund_signals_match_the_numpy_rule_on_a_running_population():
    model = model_after(3)
    firms, a, year = model.enterprises, model.a, 2023
    at = np.flatnonzero(firms.alive & (firms.rd > 0))
    margin = firms.budget_margin[at]
    compiled = candidate_signals(firms, a, year, at, margin)
    previous = kernels.use_compiled(False)
    try:
        reference = candidate_signals(firms, a, year, at, margin)
    finally:
        kernels.use_compiled(previous)
    assert list(compiled) == list(SIGNALS)
    for name in SIGNALS:
        assert np.allclose(compiled[name], reference[name], rtol=0, atol=1e-11), name


@needs_numba
def test_rd_plan_matches_the_numpy_rule():
    model = model_after(2)
    firms, a = model.enterprises, model.a
    policy = model.government.policy(2)
    rng = np.random.default_rng(0)
    i = np.flatnonzero(firms.alive)[::2]
    doing = firms.alive & (rng.random(firms.alive.size) < 0.7)
    soe_bound = firms.alive & firms.state_owned & (rng.random(firms.alive.size) < 0.5)
    cost_change = rng.normal(0.0, 0.1, firms.alive.size)
    spill = rng.normal(0.0, 0.05, len(firms.sector_names))
    level = firms.sector_level.copy()
    compiled = firms._plan_rd(a, policy, i, spill, cost_change, doing, soe_bound, 0.03)
    firms.sector_level[:] = level  # the catch-up moves the sector level once per call
    previous = kernels.use_compiled(False)
    try:
        reference = firms._plan_rd(a, policy, i, spill, cost_change, doing, soe_bound, 0.03)
    finally:
        kernels.use_compiled(previous)
    for got, want in zip(compiled, reference):
        assert np.allclose(got, want, rtol=1e-12, atol=1e-15)
    assert np.any(compiled[2] > 0) or policy.soe_floor == 0


def both_paths(scenario: str, seed: int):
    """The yearly table, fund records and contracts of one run, compiled and with numpy rules."""
    inputs = resolve(load_scenario(scenario))
    out = []
    for flag in (True, False):
        previous = kernels.use_compiled(flag)
        try:
            model = EcosystemModel(inputs, seed)
            out.append((model.run(), model.funds.records(), model.market.contracts_table()))
        finally:
            kernels.use_compiled(previous)
    return out


@needs_numba
@pytest.mark.parametrize("scenario,seed", [("baseline", 1), ("guiding-opinions", 2), ("actual-2021-2024", 3)])
def test_whole_runs_agree_with_the_numpy_path_on_every_output(scenario, seed):
    (years, funds, contracts), (years0, funds0, contracts0) = both_paths(scenario, seed)
    assert list(years.columns) == list(years0.columns)
    for column in years.columns:
        assert np.allclose(years[column], years0[column], rtol=kernels.RELATIVE_TOLERANCE, atol=1e-12), column
    for column in funds.columns.drop("fund"):
        assert np.allclose(funds[column], funds0[column], rtol=kernels.RELATIVE_TOLERANCE, atol=1e-12), column
    assert np.array_equal(contracts[["year", "buyer", "seller"]], contracts0[["year", "buyer", "seller"]])
    assert np.allclose(contracts["value"], contracts0["value"], rtol=kernels.RELATIVE_TOLERANCE, atol=1e-12)


@needs_numba
def test_runs_use_the_kernels_when_numba_is_installed(monkeypatch):
    calls = []
    for name in ("firm_signals_kernel", "choose_sellers_kernel", "rd_plan_kernel"):
        original = getattr(kernels, name)
        monkeypatch.setattr(kernels, name, lambda *args, _f=original, _n=name: calls.append(_n) or _f(*args))
    EcosystemModel(resolve(load_scenario("baseline")), 0).run()
    years = resolve(load_scenario("baseline")).years.size
    assert calls.count("firm_signals_kernel") == years
    assert calls.count("rd_plan_kernel") == years - 1  # firms decide from the first year after the base
    assert calls.count("choose_sellers_kernel") >= 2 * (years - 1)


def test_without_numba_the_numpy_rules_run_and_say_so_once(monkeypatch):
    monkeypatch.setattr(kernels, "numba", None)
    monkeypatch.setitem(kernels._state, "warned", False)
    monkeypatch.setitem(kernels._state, "compiled", kernels._state["compiled"])
    kernels.use_compiled(True)
    assert kernels._state["compiled"] is False  # cannot switch on what is not installed
    with pytest.warns(RuntimeWarning, match="numba is not installed"):
        assert kernels.compiled() is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kernels.compiled() is False  # said once


def test_the_numpy_rules_alone_give_a_full_run(numpy_rules):
    table = EcosystemModel(resolve(load_scenario("baseline")), 4).run()
    assert table["rd_expenditure"].notna().all() and (table["rd_expenditure"] > 0).all()


@needs_numba
def test_bucket_starts_count_the_entries_at_or_below_each_bound():
    rng = np.random.default_rng(11)
    sectors, sellers = 7, 40
    attract = rng.random((sectors, sellers)) ** 3
    attract[3, :35] = 0.0
    cdf = np.minimum(np.cumsum(attract, axis=1) / attract.sum(axis=1)[:, None], 1.0)
    flat = (np.arange(sectors)[:, None] + cdf).ravel()
    bounds = np.arange(sectors)[:, None] + np.arange(kernels.SEARCH_BUCKETS)[None, :] / kernels.SEARCH_BUCKETS
    expected = np.searchsorted(flat, bounds.ravel(), side="right").reshape(sectors, kernels.SEARCH_BUCKETS)
    assert np.array_equal(kernels.bucket_starts(flat, sectors), expected)
