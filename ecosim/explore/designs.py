"""Designs: the design points of an experiment, one row per point, one column per factor.

Grid: the product of each factor's levels. Latin hypercube: scipy's LatinHypercube with the
experiment seed. Sobol/Saltelli and Morris: SALib's samplers on the unit cube. User CSV: the
rows as given. Unit-cube samples are mapped to each factor's distribution by its inverse CDF
(scipy.stats ppf); integer levers and assumptions are rounded.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import qmc

if TYPE_CHECKING:
    from ecosim.explore.experiment import Experiment


def design_points(experiment: "Experiment") -> np.ndarray:
    """The design matrix of an experiment (deterministic given the file)."""
    factors = experiment.factors
    settings = experiment.design
    method = experiment.method
    if method == "csv":
        return np.array(experiment.csv_points, dtype=float)
    if method == "grid":
        levels = [f.levels(settings["levels"]) for f in factors]
        return np.array(list(itertools.product(*levels)), dtype=float).reshape(-1, len(factors))
    unit = unit_samples(method, len(factors), settings, experiment.seed)
    return np.column_stack([f.ppf(unit[:, j]) for j, f in enumerate(factors)])


def design_size(experiment: "Experiment") -> int:
    """The number of design points, as an exact integer, without building them (a grid of many
    factors can have more points than any memory holds)."""
    settings, k = experiment.design, len(experiment.factors)
    method = experiment.method
    if method == "csv":
        return len(experiment.csv_points)
    if method == "grid":
        return math.prod(len(f.levels(settings["levels"])) for f in experiment.factors)
    if method == "lhs":
        return settings["points"]
    if method == "sobol":
        return settings["n"] * ((2 * k + 2) if settings["second_order"] else (k + 2))
    if method == "morris":
        return settings["trajectories"] * (k + 1)
    raise ValueError(f"unknown design method {method!r}")


def unit_samples(method: str, dimensions: int, settings: dict, seed: int) -> np.ndarray:
    """Samples on the unit cube for the sampling designs (lhs, sobol, morris)."""
    seed32 = int(seed) % (2**32)
    problem = {"num_vars": dimensions, "names": [f"x{i}" for i in range(dimensions)],
               "bounds": [[0.0, 1.0]] * dimensions}
    if method == "lhs":
        return qmc.LatinHypercube(d=dimensions, seed=np.random.default_rng(seed)).random(settings["points"])
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, settings["n"], calc_second_order=settings["second_order"], seed=seed32)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, settings["trajectories"], num_levels=settings["levels"], seed=seed32)
    raise ValueError(f"unknown design method {method!r}")
