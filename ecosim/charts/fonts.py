"""Finding a font that has Chinese glyphs, so Chinese labels never render as boxes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from matplotlib import font_manager

CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Noto Serif CJK SC",
    "Source Han Sans SC", "Source Han Sans CN", "Source Han Sans",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Microsoft YaHei", "PingFang SC", "SimHei", "Heiti SC",
)
"""Families tried in order of preference."""

_FILE_HINTS = ("notosanscjk", "notoserifcjk", "notosanssc", "sourcehansans", "wqy", "msyh", "pingfang", "simhei")

INSTALL_HELP = (
    "no font with Chinese glyphs was found, so Chinese labels cannot be drawn. Install one, e.g.\n"
    "  apt-get install fonts-wqy-microhei      (Debian/Ubuntu), or\n"
    "  pip install 'ecosim[fonts]'             (the mplfonts package),\n"
    "then run again (if it is still not found, delete matplotlib's font cache, ~/.cache/matplotlib)."
)


class CJKFontMissing(RuntimeError):
    """No CJK font is available for Chinese labels."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HELP)


def _known() -> dict[str, str]:
    return {f.name: f.fname for f in font_manager.fontManager.ttflist}


def _register_new_files() -> None:
    """Add CJK font files that matplotlib's (possibly stale) cache does not know, and mplfonts' fonts."""
    paths = [Path(p) for p in font_manager.findSystemFonts()]
    try:  # the optional ``ecosim[fonts]`` extra
        import mplfonts  # type: ignore[import-not-found]

        paths += [p for p in Path(mplfonts.__file__).parent.rglob("*") if p.suffix.lower() in (".ttf", ".otf", ".ttc")]
    except ImportError:
        pass
    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in paths:
        name = path.name.lower().replace("-", "").replace("_", "")
        if str(path) not in known and any(hint in name for hint in _FILE_HINTS):
            try:
                font_manager.fontManager.addfont(str(path))
            except (RuntimeError, OSError, ValueError):
                continue


@cache
def cjk_font() -> tuple[str, str]:
    """(family name, file path) of the first available CJK font; raises :class:`CJKFontMissing`."""
    for attempt in range(2):
        known = _known()
        for family in CJK_FAMILIES:
            if family in known:
                return family, known[family]
        if attempt == 0:
            _register_new_files()
    raise CJKFontMissing()


def has_cjk_font() -> bool:
    """Whether a CJK font is available (Chinese charts can be drawn)."""
    try:
        cjk_font()
    except CJKFontMissing:
        return False
    return True
