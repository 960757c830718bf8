"""The brief typeset for a plan document (``ecosim report``): the PDF of one run is one A4 page with the
text at the 156 mm text width and the chart as vector graphics; several runs give a table of scenarios;
no number, percentage, range or date of the brief is broken across lines of the PDF.

The PDF is read back with poppler's ``pdfinfo``, ``pdftotext`` and ``pdfimages`` (scripts/test installs
poppler-utils); the numbers to check are found in the brief's HTML text here, with a regex of this file."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from ecosim.charts.fonts import has_cjk_font
from ecosim.cli import main

pytestmark = pytest.mark.skipif(not all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdfimages")),
                                reason="poppler-utils (pdftotext, pdfinfo, pdfimages) is not installed")

LANGS = ["en", pytest.param("zh", marks=pytest.mark.skipif(not has_cjk_font(), reason="no CJK font"))]
REPLICATIONS = 8
PT_PER_MM = 72 / 25.4
LEFT_MM, TEXT_WIDTH_MM = 27.0, 156.0
"""A4 (210 mm) with 27 mm side margins: the 156 mm text width the charts are drawn at."""
FIGURE = re.compile(r"(?<![A-Za-z0-9_.\-])[<>+\-]?\d[\d.,:%T+\-]*")
"""A figure as written in the brief: digits with their sign, decimals, percent sign, range hyphen and a
date's or time's separators ("0-32%", "2011-2020", "2026-12-07T03:17:09+00:00"), not a digit inside a
word or a path ("run0", "pytest-3"); its trailing punctuation is stripped."""


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Two cheap runs on the same seed and replications (so they compare as pairs): the baseline, and
    guiding-opinions, whose S&T budget cuts the mix (the brief then has its funding sentences too)."""
    folder = tmp_path_factory.mktemp("brief")
    out = {name: folder / name for name in ("baseline", "guiding-opinions")}
    with contextlib.redirect_stdout(io.StringIO()):
        for name, path in out.items():
            assert main(["run", name, "--replications", str(REPLICATIONS), "--out", str(path)]) == 0
    return out


@pytest.fixture(scope="module")
def brief(runs, tmp_path_factory):
    """``brief(names, lang)``: the (HTML, PDF) paths of the brief of the named runs, written once."""
    written: dict[tuple, tuple[Path, Path]] = {}

    def write(names: tuple[str, ...], lang: str) -> tuple[Path, Path]:
        if (names, lang) not in written:
            stem = tmp_path_factory.mktemp("out") / f"brief-{'-'.join(names)}-{lang}"
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["report", *(str(runs[n]) for n in names), "--lang", lang, "--out", str(stem)]) == 0
            written[names, lang] = (stem.with_suffix(".html"), stem.with_suffix(".pdf"))
        return written[names, lang]

    return write


class _Blocks(HTMLParser):
    """The text of each block of an HTML page's body (headings, paragraphs, list items, table cells)."""

    BLOCKS = {"h1", "h2", "p", "li", "th", "td"}

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._open: list[str] | None = None
        self._head = False

    def handle_starttag(self, tag, attrs):
        self._head = self._head or tag == "head"
        if tag in self.BLOCKS:
            self._open = []

    def handle_endtag(self, tag):
        self._head = self._head and tag != "head"
        if tag in self.BLOCKS and self._open is not None:
            self.blocks.append(" ".join("".join(self._open).split()))
            self._open = None

    def handle_data(self, data):
        if self._open is not None and not self._head:
            self._open.append(data)


def _blocks(page: Path) -> list[str]:
    """The non-empty blocks of an HTML file, their whitespace collapsed."""
    parser = _Blocks()
    parser.feed(page.read_text(encoding="utf-8"))
    return [b for b in parser.blocks if b]


def _figures(block: str) -> list[tuple[int, int, str]]:
    """(start, end, figure) of each figure of a text: :data:`FIGURE` less a sentence's trailing punctuation."""
    found = []
    for match in FIGURE.finditer(block):
        token = match.group().rstrip(".,:+-")
        if any(c.isdigit() for c in token):
            found.append((match.start(), match.start() + len(token), token))
    return found


def _pdf_lines(pdf: Path, raw: bool = True) -> list[str]:
    """The PDF's text lines, whitespace removed (a line of Chinese may be spaced otherwise than its
    source), without list bullets. ``raw``: in the order drawn, which keeps a paragraph's lines as they
    are but puts the cells of a table row on one line; else in reading order, which gives each cell its
    lines but joins a line ending in a hyphen to the next one without the hyphen (a figure broken at its
    hyphen then no longer matches its text)."""
    mode = ["-raw"] if raw else []
    text = subprocess.run(["pdftotext", *mode, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [line for line in (re.sub(r"\s+", "", row).lstrip("•") for row in text.splitlines()) if line]


def _line_breaks(block: str, lines: list[str]) -> list[int] | None:
    """Where the PDF broke ``block`` (offsets in the block without whitespace), when it is typeset as
    consecutive lines of ``lines``; None when it is not found so."""
    target = re.sub(r"\s+", "", block)
    for i, line in enumerate(lines):
        if not target.startswith(line):
            continue
        breaks, end = [], len(line)
        for following in lines[i + 1:]:
            if end == len(target) or not target.startswith(following, end):
                break
            breaks.append(end)
            end += len(following)
        if end == len(target):
            return breaks
    return None


def _broken_figures(html: Path, pdf: Path) -> tuple[list[str], int]:
    """The figures of the brief's HTML text that the PDF breaks across lines (or whose block it does not
    typeset as consecutive lines in either order of :func:`_pdf_lines`), and how many were checked."""
    orders, problems, checked = (_pdf_lines(pdf), _pdf_lines(pdf, raw=False)), [], 0
    for block in _blocks(html):
        breaks = next((b for b in (_line_breaks(block, lines) for lines in orders) if b is not None), None)
        if breaks is None:
            problems.append(f"not typeset as consecutive lines: {block!r}")
            continue
        squeezed = [i - len(re.findall(r"\s", block[:i])) for i in range(len(block) + 1)]
        for start, end, token in _figures(block):
            checked += 1
            cut = [b for b in breaks if squeezed[start] < b < squeezed[end]]
            if cut:
                problems.append(f"{token!r} broken in {block!r}")
    return problems, checked


def _pages(pdf: Path) -> tuple[int, str]:
    """The PDF's number of pages and its (first) page size, as pdfinfo prints them."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    field = lambda name: re.search(rf"^{name}:\s+(.*?)\s*$", info, re.M).group(1)
    return int(field("Pages")), field("Page size")


def test_unbroken_keeps_numbers_ranges_dates_and_options_whole():
    from ecosim.outputs.report import unbroken

    text = ("P = <1% (0 of 8; 95% CI 0-32%); 1.10%至1.42%; +3 pp (95% CI -2 to +8); calibration of 2026-12-06; "
            "run 2026-12-07T03:17:09+00:00; ecosim 0.1.0 (commit 605d0865ce49); --replications 8 --out /x/run0")
    page = unbroken(text)
    spans = re.findall(r'<span class="nb">(.*?)</span>', page)
    assert spans == ["&lt;1%", "0", "8", "95%", "0-32%", "1.10%至1.42%", "+3 pp", "95%", "-2 to +8", "2026-12-06",
                     "2026-12-07T03:17:09+00:00", "0.1.0", "--replications", "8", "--out"]
    # nothing is lost or added but the spans, and the rest is escaped
    assert re.sub(r"</?span[^>]*>", "", page).replace("&lt;", "<") == text


def test_the_stylesheet_keeps_each_marked_figure_on_one_line(tmp_path):
    # A paragraph typeset at widths from 20 to 76 mm: with the brief's stylesheet no span that unbroken()
    # marks is cut by a line end; without its nowrap rule some are (so the rule is what keeps them).
    from weasyprint import HTML

    from ecosim.outputs.report import STYLESHEET, unbroken

    text = ("Difference +3 pp (95% CI -2 to +8); run 2026-12-07T03:17:09+00:00; "
            "ecosim run baseline --replications 16; median 1.19% (1.10-1.42%).")
    marked = unbroken(text)
    spans = [re.sub(r"\s+", "", unescape(s)) for s in re.findall(r'<span class="nb">(.*?)</span>', marked)]
    assert len(set(spans)) == len(spans) == 8

    def cut(stylesheet: str) -> set[str]:
        found = set()
        for width in range(20, 80, 4):
            pdf = tmp_path / f"{width}.pdf"
            HTML(string=f"<style>{stylesheet} p{{width:{width}mm}}</style><p>{marked}</p>").write_pdf(pdf)
            lines = _pdf_lines(pdf)
            found |= {span for span in spans if not any(span in line for line in lines)}
        return found

    assert cut(STYLESHEET) == set()
    assert cut(STYLESHEET.replace(".nb{white-space:nowrap}", ""))


@pytest.mark.parametrize("lang", LANGS)
def test_one_run_is_one_a4_page_with_the_text_at_the_text_width(brief, lang):
    _, pdf = brief(("baseline",), lang)
    assert _pages(pdf) == (1, "595.276 x 841.89 pts (A4)")
    # every word within the 27 mm margins; the longest lines fill the 156 mm (not a narrow column)
    layout = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                            check=True).stdout
    found = re.findall(r'<line xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', layout)
    lines = [(float(x0), float(x1)) for x0, x1 in found]
    left, right = LEFT_MM * PT_PER_MM, (LEFT_MM + TEXT_WIDTH_MM) * PT_PER_MM
    assert min(x0 for x0, _ in lines) == pytest.approx(left, abs=1.5)
    assert max(x1 for _, x1 in lines) <= right + 1
    assert max(x1 - x0 for x0, x1 in lines) >= 0.9 * TEXT_WIDTH_MM * PT_PER_MM


@pytest.mark.parametrize("lang", LANGS)
def test_a_brief_whose_budget_cuts_the_mix_still_fits_one_page(brief, lang):
    html, pdf = brief(("guiding-opinions",), lang)
    assert "share_of_gdp" in html.read_text(encoding="utf-8")  # the longer text: the funding sentences
    assert _pages(pdf)[0] == 1


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("names", [("baseline",), ("guiding-opinions",), ("baseline", "guiding-opinions")])
def test_no_number_range_or_date_is_broken_across_lines(brief, names, lang):
    html, pdf = brief(names, lang)
    problems, checked = _broken_figures(html, pdf)
    assert not problems, "\n".join(problems)
    figures = [token for block in _blocks(html) for _, _, token in _figures(block)]
    assert checked == len(figures) >= 20
    # among them the kinds that broke before: a range with a percent sign, a date, a date with its time
    assert any(re.fullmatch(r"\d+-\d+%", f) for f in figures)
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", f) for f in figures)
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:+]+", f) for f in figures)


@pytest.mark.parametrize("lang", LANGS)
def test_the_chart_is_vector_with_its_text_kept(brief, lang):
    from ecosim.charts.labels import scenario_name, text
    from ecosim.data import load_region

    _, pdf = brief(("baseline",), lang)
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.strip().splitlines()) == 2, images  # the header only: no raster image
    title = text(lang, "fan_title", region=load_region().name(lang), scenario=scenario_name(lang, "baseline"))
    assert re.sub(r"\s+", "", title) in _pdf_lines(pdf)


def test_a_brief_of_several_runs_has_a_table_of_scenarios(brief, runs):
    html, pdf = brief(("baseline", "guiding-opinions"), "en")
    page = html.read_text(encoding="utf-8")
    assert page.count("<table>") == 1 and page.count("<tr>") == 3  # the header and a row per scenario
    blocks, lines = _blocks(html), _pdf_lines(pdf, raw=False)
    header = ["Scenario", "P(target met in 2024)", "Median intensity in 2024 (90% of replications)"]
    start = blocks.index(header[0])
    assert blocks[start:start + 3] == header
    for row, (name, label) in enumerate((("baseline", "Baseline"), ("guiding-opinions", "Guiding Opinions")), 1):
        years = pd.read_csv(runs[name] / "years.csv")
        rows = years[years["year"] == 2024]
        met, n = int(rows["target_met"].sum()), len(rows)
        cells = blocks[start + 3 * row:start + 3 * row + 3]
        assert cells[0] == label and f"({met} of {n};" in cells[1]
        assert f"{rows['rd_intensity'].median():.2f}% (" in cells[2]
        assert all(_line_breaks(cell, lines) is not None for cell in cells)  # typeset, each cell on its lines
    assert _pages(pdf)[0] > 1  # the charts of a comparison run on


@pytest.mark.parametrize("lang", LANGS)
def test_the_fan_drawn_lower_for_the_page_keeps_its_parts_apart(runs, lang):
    # the heights the brief may give its fan: the size asked, every text inside the figure, the legend
    # above the footer, the probability box inside the axes
    import matplotlib.pyplot as plt

    from ecosim.charts.fan import fan_chart
    from ecosim.outputs.report import LOWER_FAN_HEIGHTS_MM
    from ecosim.outputs.run_folder import read_run

    result = read_run(runs["guiding-opinions"])  # its box is the tallest: it also says what was funded
    for height in (135.0, *LOWER_FAN_HEIGHTS_MM):
        fig = fan_chart(result, lang, height_mm=height)
        assert fig.get_size_inches() * 25.4 == pytest.approx((TEXT_WIDTH_MM, height))
        page, [ax] = fig.bbox, fig.axes
        for text, box in _drawn_texts(fig):
            assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1, text
            assert page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1, text
        renderer = fig.canvas.get_renderer()
        [footer] = [t for t in fig.texts if t.get_gid() == "footer"]
        [box] = [t for t in ax.texts if t.get_gid() == "p_met"]
        assert ax.get_legend().get_window_extent(renderer).y0 > footer.get_window_extent(renderer).y1
        assert ax.bbox.contains(*box.get_bbox_patch().get_window_extent(renderer).p0)
        assert ax.bbox.y1 >= box.get_bbox_patch().get_window_extent(renderer).y1
        plt.close(fig)


def _drawn_texts(fig) -> list:
    """(text, bounding box) of every non-empty text the figure draws (a tick label outside the axis
    limits is made but not drawn)."""
    from matplotlib.text import Text

    drawn, original = [], Text.draw

    def record(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self.get_text(), self.get_window_extent(renderer)))

    Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    return drawn
