"""Keyed random numbers: SplitMix64 as published, the laws of the uniforms and normals, draws that
depend on (seed, event, year, slot) only, and common random numbers that sharpen paired comparisons."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ecosim.model import simulate
from ecosim.model.draws import KeyedDraws, smallest, splitmix64
from ecosim.model.model import EVENTS, random_streams
from ecosim.scenario import load_scenario


def test_splitmix64_gives_the_reference_outputs():
    """The first three outputs of SplitMix64 seeded with 0, as printed by the reference C code
    (Vigna's splitmix64.c, the seeding generator of xoshiro): position k is state 0 + k * gamma."""
    out = splitmix64(np.uint64(0), np.array([1, 2, 3], dtype=np.uint64))
    assert [int(x) for x in out] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


def test_uniforms_are_uniform_and_normals_normal():
    draws = random_streams(3, 5)[2]
    u = draws.uniform_all("growth", 2, 200_000)
    assert 0.0 < u.min() and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    z = draws.normal("economy", 2, np.arange(200_000))
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(z.mean()) < 4 / np.sqrt(z.size) and abs(z.std() - 1.0) < 0.01


def test_a_slots_draw_does_not_depend_on_which_other_slots_are_drawn():
    draws = random_streams(7, 5)[2]
    everyone = draws.uniform_all("exit", 1, 5000)
    some = np.array([4999, 3, 1200, 3])
    np.testing.assert_array_equal(draws.uniform("exit", 1, some), everyone[some])


def test_events_years_and_seeds_draw_independent_numbers():
    """Correlations between the draws of different events, years and seeds over 50,000 slots are
    within four standard errors (1 / sqrt(n)) of zero."""
    n = 50_000
    first, other_seed = random_streams(1, 5)[2], random_streams(2, 5)[2]
    base = first.uniform_all("participation", 1, n)
    for u in (first.uniform_all("growth", 1, n), first.uniform_all("participation", 2, n),
              other_seed.uniform_all("participation", 1, n), first.uniform_all("participation", 1, n + 1)[1:]):
        assert abs(np.corrcoef(base, u)[0, 1]) < 4 / np.sqrt(n)


def test_every_event_has_its_own_keys():
    draws = KeyedDraws(np.random.SeedSequence(0), EVENTS, 3)
    keys = {int(draws.key(event, t)) for event in EVENTS for t in range(-1, 3)}
    assert len(keys) == len(EVENTS) * 4


def test_smallest_picks_the_count_smallest():
    pool = np.array([10, 11, 12, 13, 14])
    key = np.array([0.5, 0.1, 0.9, 0.3, 0.7])
    assert sorted(smallest(pool, key, 2).tolist()) == [11, 13]
    assert smallest(pool, key, 0).size == 0
    assert sorted(smallest(pool, key, 9).tolist()) == pool.tolist()


def test_common_random_numbers_make_the_paired_difference_three_times_sharper():
    """A lever change (the R&D reward rate from its 2020 value to 8%) over 100 replications: the sd
    of the paired difference in 2024 intensity (same seed in both runs) is at most a third of the
    sd of the unpaired one (the changed run's seed shifted by 100), the goal common random numbers
    are kept for."""
    base = load_scenario("baseline").with_changes({"horizon": 2024, "target": {"year": 2024}})
    changed = base.with_changes({"levers": {"rd_reward_rate": 0.08}})

    def intensity(scenario, seed: int) -> float:
        return float(simulate(scenario, seed)["rd_intensity"].iloc[-1])

    seeds = range(100)
    before = np.array([intensity(base, s) for s in seeds])
    after = np.array([intensity(changed, s) for s in seeds])
    unpaired_after = np.array([intensity(changed, s + 100) for s in seeds])
    paired, unpaired = (after - before).std(ddof=1), (unpaired_after - before).std(ddof=1)
    assert paired <= unpaired / 3.0, (paired, unpaired)
    assert (after - before).mean() > 0  # the reward raises R&D
