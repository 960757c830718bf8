"""Keyed random numbers: the draw of an event for a firm slot in a year is a fixed function of
(seed, event, year, slot), so runs share their random numbers wherever they touch the same firms.

Common random numbers are what make paired comparisons between scenarios sharp: two runs with the
same seed and different levers must give firm j in year t the same shock in the same event,
whatever else the levers changed. Drawing one number per slot for every event every year from a
sequential generator does that, but pays for every slot whatever the event touches. A keyed
(counter-based) draw pays only for the slots asked for: the event's key for the year (from the
run's ``SeedSequence``) is the state of a SplitMix64 generator (Steele, Lea & Flood 2014, the
seeding generator of ``java.util.SplittableRandom`` and of xoshiro), and slot j's number is that
generator's j-th output. Normals come from the uniforms by the inverse normal CDF.
"""

from __future__ import annotations

import numba
import numpy as np
from scipy.special import ndtri

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
"""SplitMix64's increment (the odd integer nearest 2**64 / golden ratio)."""
MIX_1, MIX_2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
"""SplitMix64's finalizer multipliers (Stafford's variant 13)."""
SHIFT_1, SHIFT_2, SHIFT_3, TO_52_BITS = (np.uint64(s) for s in (30, 27, 31, 12))
ONE_EXPONENT = np.uint64(0x3FF0000000000000)
"""The bits of 1.0: or-ed with 52 random mantissa bits they make a double in [1, 2)."""
BELOW_ONE = 1.0 - 2.0 ** -53
"""Subtracted from [1, 2): uniforms on the grid k / 2**52 + 2**-53, strictly inside (0, 1)."""


@numba.njit(cache=True)
def _output(key: np.uint64, position: np.uint64) -> np.uint64:
    """SplitMix64's output at ``position`` from state ``key``: the state advanced by the golden
    gamma ``position`` times, then Stafford's variant-13 finalizer."""
    x = position * GOLDEN_GAMMA + key
    x ^= x >> SHIFT_1
    x *= MIX_1
    x ^= x >> SHIFT_2
    x *= MIX_2
    return x ^ (x >> SHIFT_3)


@numba.njit(cache=True)
def splitmix64(key: np.uint64, counter: np.ndarray) -> np.ndarray:
    """The SplitMix64 outputs of state ``key`` at the positions ``counter`` (an integer array)."""
    out = np.empty(counter.size, dtype=np.uint64)
    for j in range(counter.size):
        out[j] = _output(key, np.uint64(counter[j]))
    return out


@numba.njit(cache=True)
def keyed_uniforms(key: np.uint64, counter: np.ndarray) -> np.ndarray:
    """Uniforms in (0, 1) from the SplitMix64 outputs of state ``key`` at the positions ``counter``:
    the top 52 bits of each output as the mantissa of a double in [1, 2), less ``BELOW_ONE``.
    Compiled as one pass: written as array expressions, the draws were a tenth of a run."""
    out = np.empty(counter.size)
    bits = out.view(np.uint64)
    for j in range(counter.size):
        bits[j] = (_output(key, np.uint64(counter[j])) >> TO_52_BITS) | ONE_EXPONENT
        out[j] -= BELOW_ONE
    return out


class KeyedDraws:
    """The keyed random numbers of one run: one key per (event, year index)."""

    def __init__(self, root: np.random.SeedSequence, events: tuple[str, ...], years: int, offset: int = 1000):
        """``root`` is the run's seed; event ``i`` draws its keys from the child ``offset + i`` of it
        (children below ``offset`` are left to sequential generators)."""
        self.keys = {name: np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, offset + i))
                     .generate_state(years + 1, np.uint64) for i, name in enumerate(events)}
        self._all = np.arange(0, dtype=np.uint64)

    def key(self, event: str, t: int) -> np.uint64:
        """The key of ``event`` in year index ``t`` (``t = -1``: the set-up year)."""
        return self.keys[event][t + 1]

    def uniform(self, event: str, t: int, slots: np.ndarray) -> np.ndarray:
        """One uniform in (0, 1) per slot of ``slots`` (int array), fixed by (event, year, slot)."""
        return keyed_uniforms(self.key(event, t), slots)

    def uniform_all(self, event: str, t: int, size: int) -> np.ndarray:
        """:meth:`uniform` for slots ``0 .. size - 1``."""
        if self._all.size < size:
            self._all = np.arange(size, dtype=np.uint64)
        return keyed_uniforms(self.key(event, t), self._all[:size])

    def normal(self, event: str, t: int, slots: np.ndarray) -> np.ndarray:
        """One standard-normal draw per slot of ``slots``, fixed by (event, year, slot)."""
        return ndtri(self.uniform(event, t, slots))

    def generator(self, event: str, t: int) -> np.random.Generator:
        """A sequential generator seeded by (event, year): for draws that belong to the year, not to
        a slot (the economy's shocks, the entrants' count and attributes)."""
        return np.random.Generator(np.random.PCG64(int(self.key(event, t))))




def smallest(pool: np.ndarray, key: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` entries of ``pool`` with the smallest ``key`` (aligned with ``pool``), in no
    particular order; all of ``pool`` when it has no more than ``count``. The one picker of the
    model: random picks rank by a uniform draw, funds by minus their score, coaching by the gap."""
    if count <= 0:
        return pool[:0]
    if count >= pool.size:
        return pool
    return pool[np.argpartition(key, count - 1)[:count]]


__all__ = ["KeyedDraws", "splitmix64", "smallest"]
