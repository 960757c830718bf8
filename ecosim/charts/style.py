"""The house style for print: figure sizes for a 156 mm text width (GB/T 9704) and a half-width
variant, text of at least 9 pt at that size, colours, fonts, a footer line naming the source, and
saving as PNG (300 dpi), PDF and SVG with editable text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ecosim.charts.fonts import cjk_font
from ecosim.charts.labels import LANGS, scenario_name, source_model, text

if TYPE_CHECKING:
    from ecosim.data import Region

MM = 1 / 25.4
"""Inches per millimetre."""
TEXT_WIDTH_MM = 156.0
"""Text width of a GB/T 9704 official document (A4, 28 mm and 26 mm margins)."""
HALF_WIDTH_MM = 76.0
"""A chart beside another in the text width (2 x 76 mm + 4 mm gap)."""
FIGSIZE = {
    "single": (TEXT_WIDTH_MM * MM, 100 * MM),
    "wide": (TEXT_WIDTH_MM * MM, 100 * MM),
    "tall": (TEXT_WIDTH_MM * MM, 135 * MM),
    "half": (HALF_WIDTH_MM * MM, 70 * MM),
}
"""Figure sizes in inches: every chart is drawn at the size it is printed."""
MIN_FONT_PT = 9.0
"""Smallest text on a chart, in points at the printed size."""
DPI = 300
"""Resolution of saved PNG files."""
FORMATS = ("png", "pdf", "svg")
"""Formats written by default."""

COLOURS = {
    "region": "#1f5fa8",      # the region's forecast median, bands (lighter)
    "band50": "#7fa6d6",
    "band90": "#c9d9ee",
    "fitted": "#8c8c8c",      # fitted (pre-policy) years
    "history": "#111111",
    "national": "#c0392b",    # the target path
    "national_band": "#f2c4be",
    "target_year": "#555555",
    "policy_start": "#2e8b57",
    "positive": "#2e8b57",
    "negative": "#c0392b",
    "neutral": "#8c8c8c",
    "warning": "#c0392b",
}
CYCLE = ("#1f5fa8", "#e08a1e", "#2e8b57", "#8e44ad", "#c0392b", "#17a2b8")
"""Scenario colours, in order."""

BASE_RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "legend.frameon": False,
    "savefig.bbox": "standard",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}
FOOTER_HEIGHT_MM = 9.0
"""Space kept below the axes for the footer (two lines of 9 pt text)."""


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


def figure(size: str = "single", ncols: int = 1, nrows: int = 1, **kwargs) -> tuple[Figure, object]:
    """A new figure of a house size (call inside :func:`context`), room kept at the bottom for the footer."""
    if size not in FIGSIZE:
        raise ValueError(f"size must be one of {', '.join(FIGSIZE)}, got {size!r}")
    fig, axes = plt.subplots(nrows, ncols, figsize=FIGSIZE[size], layout="constrained", **kwargs)
    bottom = FOOTER_HEIGHT_MM * MM / FIGSIZE[size][1]
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
    return fig, axes


def footer_text(lang: str, scenario: str | None = None, seed: int | None = None, replications: int | None = None,
                date: str | None = None, source: str | None = None, region: "Region | None" = None) -> str:
    """The footer: source and version (and commit), then scenario, seed, replications and date.

    Without a ``source`` the source is the model of ``region``'s innovation ecosystem (the region the
    result is about, by its display name in ``lang``), or of a regional one when no region is given."""
    from ecosim.analysis.provenance import git_commit, package_version

    commit = git_commit()
    version = package_version() + (f" ({commit})" if commit else "")
    first = text(lang, "footer_source", source=source or source_model(lang, region), version=version)
    parts = []
    if scenario is not None:
        parts.append(text(lang, "footer_scenario", scenario=scenario_name(lang, scenario)))
    if seed is not None:
        parts.append(text(lang, "footer_seed", seed=seed))
    if replications is not None:
        parts.append(text(lang, "replications", n=replications))
    parts.append(text(lang, "footer_date", date=date or dt.date.today().isoformat()))
    return first + "\n" + text(lang, "footer_join").join(parts)


def add_footer(fig: Figure, lang: str, **values) -> None:
    """Write the footer line (see :func:`footer_text`) at the bottom left of ``fig`` (gid ``footer``)."""
    fig.text(0.01, 0.012, footer_text(lang, **values), ha="left", va="bottom", fontsize=MIN_FONT_PT,
             color="#555555", gid="footer", linespacing=1.15)


def forecast_footer(fig: Figure, lang: str, result) -> None:
    """The footer of a chart of one forecast (its region, scenario, seed, replications and run date)."""
    date = str(result.provenance.get("time", ""))[:10] or None
    add_footer(fig, lang, scenario=result.scenario.name, seed=result.seed, replications=result.replications,
               date=date, region=result.scenario.region)


def stamp(ax, label: str, gid: str = "stamp") -> None:
    """A warning across the top right of ``ax`` (e.g. NOT CONVERGED)."""
    ax.text(0.99, 0.99, label, transform=ax.transAxes, ha="right", va="top", fontsize=MIN_FONT_PT + 1,
            color=COLOURS["warning"], gid=gid, zorder=10,
            bbox={"boxstyle": "square,pad=0.25", "fc": "white", "ec": COLOURS["warning"], "lw": 1})


def save(fig: Figure, path_stem: str | Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``fig`` as ``path_stem.<format>`` for each format (PNG at 300 dpi; PDF and SVG with
    text kept as text); returns the paths. The page is the figure's size: nothing is cropped."""
    stem = Path(path_stem)
    if stem.suffix.lower() in (".png", ".svg", ".pdf"):
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    with mpl.rc_context({k: BASE_RC[k] for k in ("svg.fonttype", "pdf.fonttype", "ps.fonttype")}):
        for fmt in formats:
            if fmt not in FORMATS:
                raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
            path = stem.with_name(f"{stem.name}.{fmt}")
            fig.savefig(path, format=fmt, dpi=DPI, bbox_inches=None, metadata=_metadata(fmt))
            paths.append(path)
    return paths


def _metadata(fmt: str) -> dict | None:
    from ecosim.analysis.provenance import package_version

    creator = f"ecosim {package_version()}"
    return {"Creator": creator} if fmt in ("pdf", "svg") else {"Software": creator}
