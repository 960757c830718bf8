"""Scenario discovery: where in lever and assumption space is the target met?

PRIM (the Patient Rule Induction Method, Friedman and Fisher 1999) peels a box around the cases
of interest, one small slice at a time, keeping the slice whose removal most raises the share
of cases of interest inside (density), and records the trajectory of coverage (share of all
cases of interest that the box holds) against density. A small CART classification tree gives
a second, rule-shaped description.

Why our own small implementation: the maintained one (EMA Workbench's ``prim``) brings a large
dependency tree (altair, ipyparallel, seaborn, statsmodels, ...) for about a hundred lines of
logic; this one is tested against a planted box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class PrimStep:
    """One box of the peeling trajectory."""

    coverage: float
    density: float
    mass: float
    limits: dict[str, tuple[float, float]]


@dataclass
class PrimResult:
    """The peeling trajectory and the chosen box."""

    trajectory: list[PrimStep]
    chosen: int
    factors: list[str]
    base_density: float

    @property
    def box(self) -> PrimStep:
        """The chosen box."""
        return self.trajectory[self.chosen]

    def trajectory_table(self) -> pd.DataFrame:
        """One row per peeling step: coverage, density, mass, and how many factors are restricted."""
        rows = []
        for i, step in enumerate(self.trajectory):
            restricted = sum(1 for f in self.factors if step.limits[f] != self.trajectory[0].limits[f])
            rows.append({"step": i, "coverage": step.coverage, "density": step.density, "mass": step.mass,
                         "restricted_factors": restricted, "chosen": i == self.chosen})
        return pd.DataFrame(rows)

    def plot(self, lang: str = "en", **footer):
        """The peeling trajectory chart in ``lang`` (matplotlib is imported only here); ``footer``
        as for :func:`ecosim.charts.design.peeling_trajectory` (source, scenario, seed, replications)."""
        from ecosim.charts.design import peeling_trajectory

        return peeling_trajectory(self.trajectory_table(), lang=lang, **footer)

    def box_table(self) -> pd.DataFrame:
        """The chosen box: each restricted factor's limits against its full range."""
        full = self.trajectory[0].limits
        rows = [{"factor": f, "low": self.box.limits[f][0], "high": self.box.limits[f][1],
                 "range_low": full[f][0], "range_high": full[f][1]}
                for f in self.factors if self.box.limits[f] != full[f]]
        return pd.DataFrame(rows, columns=["factor", "low", "high", "range_low", "range_high"])


def prim(x: pd.DataFrame, y: np.ndarray, peel_alpha: float = 0.05, min_mass: float = 0.05,
         min_coverage: float = 0.5) -> PrimResult:
    """Peel boxes around the cases where ``y`` is true.

    Each step removes, from one factor's low or high end, the ``peel_alpha`` quantile slice whose
    removal gives the highest density; peeling stops when the box would hold less than
    ``min_mass`` of the cases. The chosen box is the densest one that still covers at least
    ``min_coverage`` of the cases of interest.
    """
    y = np.asarray(y, dtype=bool)
    if len(x) != y.size or y.size == 0:
        raise ValueError("x and y must have the same, non-zero, number of rows")
    if not y.any():
        raise ValueError("no case meets the outcome: there is nothing to describe")
    values = x.to_numpy(dtype=float)
    factors = list(x.columns)
    inside = np.ones(y.size, dtype=bool)
    limits = {f: (float(values[:, j].min()), float(values[:, j].max())) for j, f in enumerate(factors)}
    total_interest = y.sum()
    trajectory = [PrimStep(1.0, float(y.mean()), 1.0, dict(limits))]
    while True:
        best = None
        for j, f in enumerate(factors):
            column = values[inside, j]
            for side in ("low", "high"):
                keep = inside & _peel(values[:, j], column, peel_alpha, side)
                removed = inside.sum() - keep.sum()
                if removed == 0 or keep.sum() < min_mass * y.size:
                    continue
                density = y[keep].mean()
                if best is None or density > best[0]:
                    best = (density, keep, j, f, side)
        if best is None:
            break
        density, keep, j, f, side = best
        inside = keep
        low, high = limits[f]
        kept = values[inside, j]
        limits[f] = (float(kept.min()), high) if side == "low" else (low, float(kept.max()))
        trajectory.append(PrimStep(float(y[inside].sum() / total_interest), float(density),
                                   float(inside.mean()), dict(limits)))
    eligible = [i for i, s in enumerate(trajectory) if s.coverage >= min_coverage]
    chosen = max(eligible, key=lambda i: (trajectory[i].density, trajectory[i].coverage))
    return PrimResult(trajectory, chosen, factors, float(y.mean()))


def _peel(values: np.ndarray, inside: np.ndarray, alpha: float, side: str) -> np.ndarray:
    """Rows kept when the ``alpha`` slice of one factor is removed from one side; ties at the edge
    go together (a discrete factor loses its whole lowest or highest level)."""
    if side == "low":
        cut = np.quantile(inside, alpha)
        return values > cut if cut == inside.min() else values >= cut
    cut = np.quantile(inside, 1 - alpha)
    return values < cut if cut == inside.max() else values <= cut


@dataclass
class TreeNode:
    """A node of the classification tree: a split or a leaf."""

    n: int
    share: float
    """Share of cases of interest among the node's cases."""
    factor: str | None = None
    threshold: float | None = None
    left: "TreeNode | None" = None
    right: "TreeNode | None" = None


def classification_tree(x: pd.DataFrame, y: np.ndarray, max_depth: int = 3, min_leaf: int = 10) -> TreeNode:
    """A CART tree (Gini impurity, binary splits at midpoints between distinct values)."""
    values = x.to_numpy(dtype=float)
    y = np.asarray(y, dtype=float)

    def grow(rows: np.ndarray, depth: int) -> TreeNode:
        node = TreeNode(int(rows.size), float(y[rows].mean()))
        if depth == max_depth or rows.size < 2 * min_leaf or node.share in (0.0, 1.0):
            return node
        best = None
        for j, name in enumerate(x.columns):
            order = rows[np.argsort(values[rows, j], kind="stable")]
            v, t = values[order, j], y[order]
            left_n = np.arange(1, v.size)
            left_pos = np.cumsum(t)[:-1]
            right_pos = t.sum() - left_pos
            right_n = v.size - left_n
            gini = (left_n * (1 - (left_pos / left_n) ** 2 - (1 - left_pos / left_n) ** 2)
                    + right_n * (1 - (right_pos / right_n) ** 2 - (1 - right_pos / right_n) ** 2))
            valid = (v[1:] > v[:-1]) & (left_n >= min_leaf) & (right_n >= min_leaf)
            if valid.any():
                k = int(np.flatnonzero(valid)[np.argmin(gini[valid])])
                if best is None or gini[k] < best[0]:
                    best = (gini[k], name, 0.5 * (v[k] + v[k + 1]), order[: k + 1], order[k + 1:])
        if best is None:
            return node
        _, node.factor, node.threshold, left, right = best
        node.left, node.right = grow(left, depth + 1), grow(right, depth + 1)
        return node

    return grow(np.arange(len(x)), 0)


def tree_rules(node: TreeNode, prefix: str = "") -> list[str]:
    """The tree as indented text rules."""
    if node.factor is None:
        return [f"{prefix}-> share meeting the outcome {node.share:.2f} (n={node.n})"]
    lines = [f"{prefix}if {node.factor} <= {node.threshold:.4g}:"]
    lines += tree_rules(node.left, prefix + "    ")
    lines.append(f"{prefix}else:  # {node.factor} > {node.threshold:.4g}")
    lines += tree_rules(node.right, prefix + "    ")
    return lines


def points_of_interest(summaries: pd.DataFrame, outcome: str = "target_met",
                       threshold: float | None = None) -> tuple[pd.DataFrame, np.ndarray, float]:
    """Per design point of a batch: the factor values, whether its mean ``outcome`` over replications
    is at least ``threshold`` (default 0.5 for target_met, else the median over points), and the threshold."""
    if outcome not in summaries.columns:
        raise KeyError(f"unknown outcome {outcome!r}; the summaries hold {', '.join(summaries.columns)}")
    factors = [c for c in summaries.columns if c.startswith(("levers.", "assumptions."))]
    if not factors:
        raise KeyError("the batch has no lever or assumption factors")
    points = summaries.groupby("point")[factors + [outcome]].mean()
    if threshold is None:
        threshold = 0.5 if outcome == "target_met" else float(points[outcome].median())
    return points[factors], (points[outcome] >= threshold).to_numpy(), float(threshold)

