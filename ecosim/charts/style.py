"""The house style for print: figure sizes for a 156 mm text width (GB/T 9704) and a half-width
variant, text of at least 9 pt at that size, colours, fonts, a footer line naming the source, and
saving as PNG (300 dpi), PDF and SVG with editable text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

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
FOOTER_GAP_MM = 1.5
"""Space between the footer and what is above it, when the footer takes more than its two lines."""
EDGE_PX = 2.0
"""A text broken to fit keeps this many pixels from the edge it fits within."""
FIT_PASSES = 4
"""Titles and axis labels are broken again after each new layout, at most this many times (breaking a
title makes its panel lower, which may make its vertical label too long)."""
LABEL_GAP_PT = 3.0
"""Space between a marker's edge and its label, in points."""
LABEL_STEPS = (0, 1, -1, 2, -2, 3, -3)
"""Shifts tried for a label beside its marker, in label heights (up, then down), before above and below it."""
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_CLOSING = "\u3001\u3002\uff0c\uff1b\uff1a\uff09\u300b"
_TOKENS = re.compile(rf"[^\s{_CJK}]+[{_CLOSING}]*\s*|[{_CJK}][{_CLOSING}]*\s*|\s+")
"""Units a line may break between: words and single CJK characters, each with any closing punctuation
that follows it (a line never starts with a comma or a closing bracket) and its trailing space."""
_PHRASES = re.compile(r"[^,;·\uff0c\uff1b]+(?:[,;·\uff0c\uff1b]\s*|$)")
"""The phrases of a footer line (up to and with their comma, semicolon or middle dot): a footer is broken
between them, so that "version 0.1.0" or "seed 11" stays on one line."""


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
    from ecosim.explore.provenance import git_commit, package_version

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


def stamp(ax, label: str, gid: str = "stamp", top: bool = True) -> None:
    """A warning at the top right of ``ax`` (e.g. NOT CONVERGED), or at its bottom right."""
    ax.text(0.99, 0.99 if top else 0.01, label, transform=ax.transAxes, ha="right", va="top" if top else "bottom",
            fontsize=MIN_FONT_PT + 1, color=COLOURS["warning"], gid=gid, zorder=10,
            bbox={"boxstyle": "square,pad=0.25", "fc": "white", "ec": COLOURS["warning"], "lw": 1})


def wrap(label: str, fits: Callable[[str, float], bool], tokens: re.Pattern = _TOKENS) -> str:
    """``label`` broken into the fewest lines that each ``fits`` (lines balanced: the narrowest wrap
    with that many lines); a unit wider than the space keeps a line of its own. ``fits(line, share)``
    tells whether ``line`` fits in ``share`` (0-1) of the space; ``tokens`` finds the units."""
    parts = tokens.findall(label)

    def greedy(width: float) -> list[str]:
        lines, line = [], ""
        for token in parts:
            if line and not fits((line + token).rstrip(), width):
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line += token
        return lines + [line.rstrip()] if line.strip() else lines

    lines = greedy(1.0)
    if len(lines) > 1:  # balance: shrink the width while the number of lines stays
        width = 1.0
        while width > 0.3 and len(greedy(width - 0.05)) == len(lines):
            width -= 0.05
        lines = greedy(width)
    return "\n".join(lines)


def text_width(fig: Figure, renderer, label: str, like) -> float:
    """Width in pixels of ``label`` set in the font of the text artist ``like``."""
    probe = fig.text(0, 0, label, fontproperties=like.get_fontproperties())
    width = probe.get_window_extent(renderer).width
    probe.remove()
    return width


def broken(fig: Figure, renderer, label: str, like, room: float) -> str:
    """Each line of ``label`` broken, where wider than ``room`` pixels, into lines that fit it."""
    def fits(line: str, share: float) -> bool:
        return text_width(fig, renderer, line, like) <= share * room

    return "\n".join(line if fits(line, 1.0) else wrap(line, fits) for line in label.split("\n"))


def fit_footer(fig: Figure) -> float:
    """Break the footer's lines to the figure's width, between its phrases (within a phrase only when a
    phrase alone is too wide); returns the top of the footer (figure fraction, 0 without a footer)."""
    footers = [t for t in fig.texts if t.get_gid() == "footer"]
    if not footers:
        return 0.0
    [footer] = footers
    renderer = fig.canvas.get_renderer()
    room = fig.bbox.width * 0.98

    def fits(part: str, share: float) -> bool:
        return text_width(fig, renderer, part, footer) <= share * room

    lines = [wrap(line, fits, _PHRASES) if not fits(line, 1.0) else line for line in footer.get_text().split("\n")]
    footer.set_text(broken(fig, renderer, "\n".join(lines), footer, room))
    return footer.get_window_extent(renderer).y1 / fig.bbox.height


def _title_room(fig: Figure, label) -> float:
    """The width in pixels the text artist ``label`` (a title, or any text anchored on its centre, left
    or right) may take without leaving the figure."""
    box = label.get_window_extent(fig.canvas.get_renderer())
    page = fig.bbox
    align = label.get_horizontalalignment()
    if align == "left":
        return page.x1 - box.x0 - EDGE_PX
    if align == "right":
        return box.x1 - page.x0 - EDGE_PX
    centre = (box.x0 + box.x1) / 2
    return 2 * min(centre - page.x0, page.x1 - centre) - 2 * EDGE_PX


def fit_texts(fig: Figure, panel_texts: Sequence = ()) -> None:
    """Fit a chart's words to its page (call last, on a figure of :func:`figure`).

    The footer is broken to the figure's width (the panels move up when it needs more than its two
    lines); the figure's and each panel's title, to the width the figure gives it; each axis label, to
    the length of its axis; each text of ``panel_texts``, to the width of its panel. Lines are broken
    between words (between characters in Chinese); no type is made smaller.
    """
    footer_top = fit_footer(fig)
    engine = fig.get_layout_engine()
    if engine is not None and footer_top:
        left, bottom, width, height = engine.get()["rect"]
        needed = footer_top + FOOTER_GAP_MM * MM / fig.get_figheight()
        if needed > bottom:
            engine.set(rect=(left, needed, width, bottom + height - needed))
    originals: dict = {}
    for _ in range(FIT_PASSES):
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        rooms = [(t, _title_room(fig, t)) for t in fig.texts if t.get_gid() != "footer" and t.get_text()]
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            box = ax.get_window_extent(renderer)
            rooms += [(ax.title, _title_room(fig, ax.title)), (ax.xaxis.label, box.width - EDGE_PX),
                      (ax.yaxis.label, box.height - EDGE_PX)]
        rooms += [(t, t.axes.get_window_extent(renderer).width - 2 * EDGE_PX) for t in panel_texts]
        changed = False
        for artist, room in rooms:
            original = originals.setdefault(artist, artist.get_text())
            fitted = broken(fig, renderer, original, artist, room) if original else original
            if fitted != artist.get_text():
                artist.set_text(fitted)
                changed = True
        if not changed:
            break


def _label_places(x: float, y: float, width: float, height: float, radius: float, gap: float,
                  right_first: bool) -> Iterator[Bbox]:
    """Places for a label of ``width`` x ``height`` pixels around a marker of ``radius`` at (x, y),
    in order of preference: beside it (on the side with more room first), shifted up or down by whole
    label heights, then centred above or below it."""
    right, left = x + radius + gap, x - radius - gap - width
    sides = (right, left) if right_first else (left, right)
    for step in LABEL_STEPS:
        for x0 in sides:
            yield Bbox.from_bounds(x0, y - height / 2 + step * (height + gap), width, height)
    yield Bbox.from_bounds(x - width / 2, y + radius + gap, width, height)
    yield Bbox.from_bounds(x - width / 2, y - radius - gap - height, width, height)


def label_markers(ax, xs, ys, labels: Sequence[str], radius_pt: float, gid: str = "marker_label") -> list:
    """Label each marker of ``radius_pt`` points at (``xs``, ``ys``) beside it (annotations with ``gid``),
    by a fixed rule: the first place of :func:`_label_places` inside the axes that covers no marker, no
    label placed before it and not the legend (else the first inside the axes, else the first). Call once
    the figure's layout is final (after :func:`fit_texts`): the labels take no part in it."""
    fig = ax.figure
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72
    radius, gap = radius_pt * px, LABEL_GAP_PT * px
    centres = ax.transData.transform(list(zip(xs, ys))) if len(labels) else []
    taken = [Bbox.from_extents(x - radius, y - radius, x + radius, y + radius) for x, y in centres]
    if ax.get_legend() is not None:
        taken.append(ax.get_legend().get_window_extent(renderer))
    frame = ax.get_window_extent(renderer)
    middle = (frame.x0 + frame.x1) / 2
    notes = []
    for (x, y), xy, label in zip(centres, zip(xs, ys), labels):
        note = ax.annotate(label, xy=xy, xytext=(0, 0), textcoords="offset points", ha="left", va="bottom",
                           gid=gid, annotation_clip=False)
        note.set_in_layout(False)
        size = note.get_window_extent(renderer)
        places = list(_label_places(x, y, size.width, size.height, radius, gap, x < middle))
        inside = [box for box in places if frame.x0 <= box.x0 and box.x1 <= frame.x1
                  and frame.y0 <= box.y0 and box.y1 <= frame.y1]
        free = [box for box in inside if not any(box.overlaps(other) for other in taken)]
        box = (free or inside or places)[0]
        note.xyann = ((box.x0 - x) / px, (box.y0 - y) / px)
        taken.append(box)
        notes.append(note)
    return notes


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
    from ecosim.explore.provenance import package_version

    creator = f"ecosim {package_version()}"
    return {"Creator": creator} if fmt in ("pdf", "svg") else {"Software": creator}
