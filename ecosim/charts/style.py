"""The house style: figure sizes, colours, fonts, and saving as PNG (300 dpi) and SVG."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ecosim.charts.fonts import cjk_font
from ecosim.charts.labels import LANGS

FIGSIZE = {"single": (7.5, 4.5), "wide": (11.0, 4.5), "tall": (7.5, 6.0)}
"""Figure sizes in inches."""
DPI = 300
"""Resolution of saved PNG files."""

COLOURS = {
    "shanxi": "#1f5fa8",      # forecast median, bands (lighter)
    "band50": "#7fa6d6",
    "band90": "#c9d9ee",
    "history": "#111111",
    "national": "#c0392b",    # the target path
    "target_year": "#555555",
    "positive": "#2e8b57",
    "negative": "#c0392b",
    "neutral": "#8c8c8c",
}
CYCLE = ("#1f5fa8", "#e08a1e", "#2e8b57", "#8e44ad", "#c0392b", "#17a2b8")
"""Scenario colours, in order."""

BASE_RC = {
    "font.size": 9.5,
    "axes.titlesize": 11,
    "axes.labelsize": 9.5,
    "legend.fontsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "savefig.bbox": "tight",
    "svg.fonttype": "path",
}


def rc(lang: str = "en") -> dict:
    """The rcParams of the house style for a language (Chinese needs a CJK font)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    params = dict(BASE_RC)
    if lang == "zh":
        family, _ = cjk_font()
        # explicit family names (not the generic "sans-serif"), so texts keep them after the block
        params.update({"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False})
    else:
        params.update({"font.family": ["DejaVu Sans"]})
    return params


@contextmanager
def context(lang: str = "en") -> Iterator[None]:
    """Draw inside this block: every text created gets the house fonts for ``lang``.

    Only the house keys are set and restored (not ``rc_context``, which would also restore
    ``interactive`` and stop Jupyter's inline backend from showing later figures).
    """
    params = rc(lang)
    old = {key: mpl.rcParams[key] for key in params}
    mpl.rcParams.update(params)
    try:
        yield
    finally:
        mpl.rcParams.update(old)


def figure(size: str = "single", ncols: int = 1, **kwargs) -> tuple[Figure, object]:
    """A new figure of a house size, with ``ncols`` axes side by side (call inside :func:`context`)."""
    return plt.subplots(1, ncols, figsize=FIGSIZE[size], layout="constrained", **kwargs)


def save(fig: Figure, path_stem: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``fig`` as ``path_stem.<format>`` for each format (PNG at 300 dpi); returns the paths."""
    stem = Path(path_stem)
    if stem.suffix.lower() in (".png", ".svg", ".pdf"):
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = stem.with_name(f"{stem.name}.{fmt}")
        fig.savefig(path, format=fmt, dpi=DPI, bbox_inches="tight")
        paths.append(path)
    return paths
