"""A short brief a planner can attach to a draft: the question, the answer with its interval (a table of
scenarios when several runs are given), the fan chart, the comparison and the cost (when several runs are
given), the caveats, and where the numbers come from. Written as HTML (charts embedded as PNG) and as a
PDF typeset from that HTML by WeasyPrint (charts embedded as SVG, their text kept), on A4 with a 156 mm
text width; a brief of one run fits one page.

The brief names the region its runs are about, its benchmark and the years of the record from the
region bundle (:func:`region_fields`); the sentences here name no place."""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path


from ecosim.analysis.compare import Comparison
from ecosim.analysis.forecast import Forecast
from ecosim.analysis.intervals import format_difference, format_share
from ecosim.charts.labels import scenario_name
from ecosim.data import load_region
from ecosim.outputs.run_folder import read_comparison
from ecosim.scenario import Scenario

TEXT = {
    "en": {
        "title": "Brief: does {region} reach its R&D-intensity target?",
        "question": "Question",
        "question_text": "Does {region}'s R&D expenditure / GDP reach {target} in {year}?",
        "national": "the {benchmark}",
        "value": "{value}% of GDP",
        "answer": "Answer",
        "answer_line": "{scenario}: P(target met in {year}) = {p}; median intensity {median:.2f}% "
                       "(90% of replications {low:.2f}-{high:.2f}%).",
        "difference_line": "{scenario} minus {first}: P(target met) {p}; target-year intensity {x} "
                           "(paired by replication on common random numbers).",
        "unpaired_line": "{scenario} minus {first}: P(target met) {p}; target-year intensity {x} "
                         "(NOT paired: the runs do not share random numbers).",
        "funded_line": "{scenario}: the S&T budget funded {shares} of the mix's requested outlay increase "
                       "(median by year); the levers acted at their funded values, not as written.",
        "to_fund_share": "An S&T budget of {value:g}% of GDP (now {now:.3f}%) would fund it as written in "
                         "{years} in 90% of replications: set [budget] share_of_gdp = {value:g}.",
        "to_fund_growth": "An S&T budget growing {value:g} a year would fund it as written in {years} in 90% "
                          "of replications: set [budget] growth = {value:g}.",
        "scenario": "Scenario",
        "p_met": "P(target met in {year})",
        "median": "Median intensity in {year} (90% of replications)",
        "median_cell": "{median:.2f}% ({low:.2f}-{high:.2f}%)",
        "charts": "Charts",
        "caveats": "What the model does not know",
        "caveat_list": [
            "It is calibrated to {calibrated}'s {calibration_start}-{calibration_end} record only; no outcome "
            "after {calibration_end} is used.",
            "The forecast band includes an error term as wide as {calibrated}'s recorded year-to-year swings "
            "of R&D.",
            "The {benchmark} intensity after {benchmark_after} is a random walk with the drift and spread of "
            "{drift_start}-{drift_end}; the {benchmark} target is uncertain and drawn as a band.",
            "Where the policy text gives no figure, a lever's value is this project's reading (see the scenario file).",
            "P(target met) is the share of simulated replications meeting the target; its interval covers "
            "the sampling of replications, not errors in the model's structure.",
            "Costs are counted by each lever's cost rule (`ecosim levers`); indirect fiscal effects are not counted.",
        ],
        "borrowed_calibration": "It is calibrated to {calibrated}'s {calibration_start}-{calibration_end} record "
                                "only ({region} has no calibration of its own); no outcome after "
                                "{calibration_end} is used.",
        "provenance": "Provenance",
        "provenance_line": "ecosim {version} (commit {commit}); calibration of {calibration}; scenario {scenario}; "
                           "root seed {seed}; {replications} replications; run {time}; command: {command}",
    },
    "zh": {
        "title": "简报：{region}能否实现研发投入强度目标？",
        "question": "问题",
        "question_text": "{region}研发经费占地区生产总值比重能否在{year}年达到{target}？",
        "national": "{benchmark}水平",
        "value": "{value}%",
        "answer": "结论",
        "answer_line": "{scenario}：{year}年达标概率{p}；强度中位数{median:.2f}%"
                       "（90%的模拟在{low:.2f}%至{high:.2f}%之间）。",
        "difference_line": "{scenario}与{first}之差：达标概率{p}；目标年份强度{x}（同一随机数下按模拟配对）。",
        "unpaired_line": "{scenario}与{first}之差：达标概率{p}；目标年份强度{x}（未配对：各次运行的随机数不同）。",
        "funded_line": "{scenario}：科技预算资助了该组合所需支出增量的{shares}（各年中位数），"
                       "各杠杆按实际资助的水平而非方案所写水平起作用。",
        "to_fund_share": "若科技预算占地区生产总值{value:g}%（现为{now:.3f}%），{years}年90%的模拟可按方案足额"
                         "资助：设定[budget] share_of_gdp = {value:g}。",
        "to_fund_growth": "若科技预算每年增长{value:g}，{years}年90%的模拟可按方案足额资助："
                          "设定[budget] growth = {value:g}。",
        "scenario": "情景",
        "p_met": "{year}年达标概率",
        "median": "{year}年强度中位数（90%的模拟）",
        "median_cell": "{median:.2f}%（{low:.2f}%至{high:.2f}%）",
        "charts": "图表",
        "caveats": "模型未知之处",
        "caveat_list": [
            "模型仅以{calibrated}{calibration_start}-{calibration_end}年的记录数据校准，"
            "未使用{calibration_end}年以后的任何结果数据。",
            "预测区间包含一个误差项，其幅度与{calibrated}研发经费历年实际波动相当。",
            "{benchmark_after}年以后的{benchmark}强度为随机游走（漂移和波动取自{drift_start}-{drift_end}年），"
            "{benchmark}目标本身不确定，图中以区间表示。",
            "政策文本未给出数值之处，杠杆取值为本项目的解读（见情景文件）。",
            "达标概率是达到目标的模拟次数占比，其置信区间只反映模拟抽样的不确定性，不反映模型结构误差。",
            "成本按各杠杆的成本规则计算（见ecosim levers），不含间接财政影响。",
        ],
        "borrowed_calibration": "模型仅以{calibrated}{calibration_start}-{calibration_end}年的记录数据校准"
                                "（{region}没有自己的校准），未使用{calibration_end}年以后的任何结果数据。",
        "provenance": "数据来源",
        "provenance_line": "ecosim {version}（提交{commit}）；校准日期{calibration}；情景{scenario}；随机种子{seed}；"
                           "{replications}次模拟；运行时间{time}；命令：{command}",
    },
}


def region_fields(scenario: Scenario, lang: str) -> dict[str, str | int]:
    """What the brief's sentences say of the place, from the scenario's region bundle, in ``lang``.

    ``region``: the region's display name; ``benchmark``: what the target compares with (the bundle's
    benchmark label, e.g. "national average"); ``calibrated``, ``calibration_start``, ``calibration_end``:
    the region whose record the calibration in use was fitted to (the region itself, or the default
    region when its bundle has no calibration.toml) and the years fitted (the calibration's own record
    of them, else that region's first base year and last recorded year); ``drift_start``, ``drift_end``:
    the benchmark's recorded years from the region's first year to the calibration's last;
    ``benchmark_after``: the benchmark's last recorded year the run uses, after which it is simulated."""
    region = scenario.region
    calibrated = region if region.has_own_calibration else load_region(region.calibration_source.parent)
    meta = region.calibration_meta
    start = int(meta.get("base_year", calibrated.first_base_year))
    end = int(meta.get("last_year", calibrated.last_year))
    recorded = sorted(region.benchmark_series("rd_intensity_first_published"))
    drift = [y for y in recorded if region.first_year <= y <= end] or [region.first_year, end]
    used = [y for y in recorded if y <= scenario.history_until]
    return {"region": region.name(lang),
            "benchmark": region.benchmark_labels.get(lang) or region.benchmark_labels["en"],
            "calibrated": calibrated.name(lang), "calibration_start": start, "calibration_end": end,
            "drift_start": drift[0], "drift_end": drift[-1],
            "benchmark_after": used[-1] if used else scenario.history_until}


def _lines(comparison: Comparison, lang: str) -> dict[str, list]:
    """The brief's texts by section. ``answer`` holds the answer sentence of a single run; with several runs
    the answers per scenario are the rows of ``scenarios`` (a header row first; empty for one run), so that
    they read as a table, and ``answer`` holds the differences from the first run. Each run's funding
    sentences, when its budget cut the mix, follow in ``answer``."""
    t = TEXT[lang]
    first = comparison.forecasts[comparison.baseline]
    place = region_fields(first.scenario, lang)
    target = first.scenario.target
    goal = (t["national"].format(**place) if target.value == "national_average"
            else t["value"].format(value=target.value))
    several = len(comparison.forecasts) > 1
    answers, table = [], [[t["scenario"], t["p_met"].format(year=target.year), t["median"].format(year=target.year)]]
    for name, f in comparison.forecasts.items():
        s, rows = f.summary(), f.target_year()
        met, n = int(rows["target_met"].sum()), len(rows)
        band = {"median": s["rd_intensity"]["q50"], "low": s["rd_intensity"]["q05"], "high": s["rd_intensity"]["q95"]}
        if several:
            table.append([scenario_name(lang, name), _share_cell(met, n, lang), t["median_cell"].format(**band)])
        else:
            answers.append(t["answer_line"].format(scenario=scenario_name(lang, name), year=target.year,
                                                   p=format_share(met, n, lang), **band))
        answers += _funding_lines(f, name, lang)
    unit = "个百分点" if lang == "zh" else "pp"
    for name in list(comparison.forecasts)[1:]:
        p_diff, x_diff = comparison.differences(name)
        key = "difference_line" if comparison.pairing_problem(name) is None else "unpaired_line"
        answers.append(t[key].format(scenario=scenario_name(lang, name),
                                     first=scenario_name(lang, comparison.baseline),
                                     p=format_difference(p_diff, unit=unit, lang=lang),
                                     x=format_difference(x_diff, unit=unit, scale=1.0, digits=2, lang=lang)))
    info = first.provenance
    provenance = t["provenance_line"].format(
        version=info.get("ecosim_version", "?"), commit=info.get("commit") or "?",
        calibration=info.get("calibration_date") or "?", scenario=first.scenario.name, seed=first.seed,
        replications=first.replications, time=info.get("time", "?"), command=" ".join(info.get("command", [])))
    caveats = [c.format(**place) for c in t["caveat_list"]]
    region = first.scenario.region
    if not region.has_own_calibration:
        caveats[0] = t["borrowed_calibration"].format(**place)
    caveats[1:1] = region.caveats.get(lang, ())
    return {"title": [t["title"].format(**place)],
            "question": [t["question_text"].format(target=goal, year=target.year, **place)], "answer": answers,
            "scenarios": table if several else [], "caveats": caveats, "provenance": [provenance]}


def _share_cell(successes: int, n: int, lang: str) -> str:
    """P(target met) with its count and interval for a table cell: the share as in the answer sentence,
    less the verb "为" that a Chinese sentence puts before a plain percentage (a cell has no sentence)."""
    share = format_share(successes, n, lang)
    return share.removeprefix("为") if lang == "zh" else share


def _funding_lines(result: Forecast, name: str, lang: str) -> list[str]:
    """What the S&T budget funded of a run's mix and, when known, the budget that funds it as written;
    nothing when the budget does not cut the mix."""
    from ecosim.analysis.costs import budget_setting
    from ecosim.charts.labels import text

    t, shares = TEXT[lang], result.funded_shares()
    if not shares:
        return []
    parts = [text(lang, "funded_year", p=share, year=year) for year, share in shares.items()]
    joined = ("、" if lang == "zh" else ", ").join(parts)
    lines = [t["funded_line"].format(scenario=scenario_name(lang, name), shares=joined)]
    need = result.to_fund_as_written
    if need:
        key, value, now = budget_setting(need)
        lines.append(t[f"to_fund_{'share' if key == 'share_of_gdp' else 'growth'}"].format(
            value=value, now=now or 0.0, years=need["years"]))
    return lines


def _figures(comparison: Comparison, lang: str) -> list:
    """The brief's charts: the first run's fan; with several runs, the comparison and the cost charts."""
    figures = [comparison.forecasts[comparison.baseline].plot(lang)]
    if len(comparison.forecasts) > 1:
        figures += [comparison.plot(lang, "compare"), comparison.plot(lang, "cost")]
    return figures


def _image(fig, fmt: str) -> str:
    """A chart as a data URI: ``png`` (150 dpi, for the HTML file, which any browser or word processor
    shows) or ``svg`` (vector with its text kept as text in the house fonts, for the typeset PDF)."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, dpi=150)
    media = "svg+xml" if fmt == "svg" else fmt
    return f"data:image/{media};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"


_ITEM = (r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
         r"|[<>+\-\u2212]?\d+(?:[.,:]\d+)*%?")
"""A date (ISO, with its time when given) or a number: signed, with decimals, a thousands separator or a
version's dots, and a percent sign."""
UNBROKEN = re.compile(rf"(?<![A-Za-z0-9_.])(?:{_ITEM})(?:(?:\s?[-\u2013~至]\s?|\sto\s)(?:{_ITEM}))*"
                      r"(?![A-Za-z0-9_])(?:\s?(?:pp|个百分点)(?![A-Za-z]))?"
                      r"|(?<![A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9_-]*")
"""What must not be broken across lines: a date or number, the range it starts ("0-32%", "2011-2020",
"1.10%至1.42%", "-2 to +8") and the unit of a difference ("+3 pp"), but not a digit inside a word or a
name ("test_run0", "ce49"); and a command's option ("--replications", which would break after "--")."""


def unbroken(text: str) -> str:
    """``text`` as HTML in which every number, percentage, range and date (:data:`UNBROKEN`) is a span
    of class ``nb`` that the stylesheet keeps on one line (``white-space: nowrap``): a line ending in
    "0-" or "2026-12-" misreads the figure. The rest is escaped as it is."""
    parts, last = [], 0
    for match in UNBROKEN.finditer(text):
        parts += [html.escape(text[last:match.start()]), f'<span class="nb">{html.escape(match.group())}</span>']
        last = match.end()
    return "".join(parts) + html.escape(text[last:])


STYLESHEET = ("@page{size:A4;margin:10mm 27mm} "
              "body{max-width:156mm;margin:0 auto;font-size:9.5pt;line-height:1.3} "
              "h1{font-size:13pt;margin:2mm 0 1.5mm} "
              "h2{font-size:10.5pt;margin:2.5mm 0 1mm;break-after:avoid} "
              "p,li{margin:0 0 0.8mm} ul{margin:0;padding-left:4.5mm;font-size:9pt} "
              "img{width:156mm;max-width:100%} "
              "p.chart{margin:0;break-inside:avoid} "
              "table{border-collapse:collapse;width:100%;margin:0 0 1.5mm} "
              "th,td{border-bottom:0.5pt solid #999;padding:0.8mm 2mm 0.8mm 0;text-align:left;vertical-align:top} "
              "th:nth-child(1){width:24%} th:nth-child(2){width:42%} "
              ".nb{white-space:nowrap} "
              "p.provenance{font-size:8pt;overflow-wrap:anywhere}")
"""The brief's CSS, for the screen and for print: on A4 with 27 mm side margins, the 156 mm text width the
charts are drawn at (on a screen, a column as wide). A plain string, inserted whole (written inside an
f-string its braces would have to be doubled, and a doubled brace outside one reaches the page and drops
the rule after it)."""


def _fonts(lang: str) -> str:
    """The CSS font rule: the charts' fonts, so that text and charts match; for Chinese the CJK font the
    charts use (:func:`ecosim.charts.fonts.cjk_font`) first."""
    families = ["DejaVu Sans", "sans-serif"]
    if lang == "zh":
        from ecosim.charts.fonts import cjk_font

        families.insert(0, cjk_font()[0])
    return "body{font-family:" + ",".join(f'"{f}"' if " " in f else f for f in families) + "}"


def _html(sections: dict[str, list], figures: list, lang: str, charts: str = "png") -> str:
    """The brief as an HTML page: title, question, answer (and the table of scenarios), charts (as
    ``charts``: png or svg), caveats, provenance; every text with its figures kept whole (:func:`unbroken`)."""
    t = TEXT[lang]
    title = sections["title"][0]
    parts = [f"<!DOCTYPE html><html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">",
             f"<title>{html.escape(title)}</title><style>{_fonts(lang)} {STYLESHEET}</style></head><body>",
             f"<h1>{unbroken(title)}</h1>",
             f"<h2>{html.escape(t['question'])}</h2>" + "".join(f"<p>{unbroken(x)}</p>" for x in sections["question"]),
             f"<h2>{html.escape(t['answer'])}</h2>" + _table(sections.get("scenarios", []))
             + "".join(f"<p>{unbroken(x)}</p>" for x in sections["answer"]),
             f"<h2>{html.escape(t['charts'])}</h2>"]
    parts += [f'<p class="chart"><img alt="chart {i + 1}" src="{_image(fig, charts)}"></p>'
              for i, fig in enumerate(figures)]
    parts.append(f"<h2>{html.escape(t['caveats'])}</h2><ul>"
                 + "".join(f"<li>{unbroken(x)}</li>" for x in sections["caveats"]) + "</ul>")
    parts.append(f"<h2>{html.escape(t['provenance'])}</h2><p class=\"provenance\">"
                 f"{unbroken(sections['provenance'][0])}</p></body></html>")
    return "\n".join(parts)


def _table(rows: list[list[str]]) -> str:
    """The table of scenarios (the first row its header) as HTML; nothing when there are no rows."""
    if not rows:
        return ""
    head, *body = rows
    return ("<table><thead><tr>" + _cells(head, "th") + "</tr></thead><tbody>"
            + "".join(f"<tr>{_cells(row, 'td')}</tr>" for row in body) + "</tbody></table>")


def _cells(row: list[str], tag: str) -> str:
    """A table row's cells as HTML elements ``tag`` (th or td), figures kept whole."""
    return "".join(f"<{tag}>{unbroken(cell)}</{tag}>" for cell in row)


def _font_faces(lang: str) -> str:
    """CSS naming the file of the CJK font the charts use, for the PDF only (a local path means nothing
    to the HTML's readers): WeasyPrint finds fonts through fontconfig, which may not know a font that
    matplotlib found elsewhere (the ``ecosim[fonts]`` extra)."""
    if lang != "zh":
        return ""
    from ecosim.charts.fonts import cjk_font

    family, path = cjk_font()
    return f'@font-face{{font-family:"{family}";src:url("{Path(path).resolve().as_uri()}")}}'


LOWER_FAN_HEIGHTS_MM = (125.0, 115.0, 105.0)
"""Heights tried in turn for the fan of a one-run brief that does not fit one A4 page with the house tall
chart (135 mm): a longer text, e.g. with the funding sentences, leaves the chart less room."""


def _typeset(comparison: Comparison, sections: dict[str, list], figures: list, lang: str) -> bytes:
    """The brief typeset by WeasyPrint as PDF bytes, charts as SVG. A brief of one run is kept to one page:
    when its text and the tall fan take more, the fan is drawn at the first of :data:`LOWER_FAN_HEIGHTS_MM`
    that leaves room for the text (the lowest when none does). A brief of several runs runs on over pages."""
    import matplotlib.pyplot as plt
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from ecosim.charts.fan import fan_chart

    fonts = FontConfiguration()
    faces = [CSS(string=_font_faces(lang), font_config=fonts)]
    def render(charts: list):
        return HTML(string=_html(sections, charts, lang, "svg")).render(stylesheets=faces, font_config=fonts)

    document = render(figures)
    if len(comparison.forecasts) == 1:
        result = comparison.forecasts[comparison.baseline]
        for height in LOWER_FAN_HEIGHTS_MM:
            if len(document.pages) == 1:
                break
            fan = fan_chart(result, lang, height_mm=height)
            document = render([fan])
            plt.close(fan)
    return document.write_pdf()


def write_report(folders: list[Path], lang: str = "en", out: Path | None = None,
                 allow_unpaired: bool = False, region: str | Path | None = None) -> list[Path]:
    """Write the brief of the run folders as ``out.html`` (charts as PNG) and ``out.pdf`` (the same page
    typeset on A4, charts as SVG; one page for one run); returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(TEXT)}, got {lang!r}")
    comparison = read_comparison(list(folders), allow_unpaired, region)
    sections = _lines(comparison, lang)
    figures = _figures(comparison, lang)
    stem = Path(out) if out else Path(folders[0]) / ("report" if lang == "en" else f"report-{lang}")
    stem.parent.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = stem.with_name(stem.name + ".html"), stem.with_name(stem.name + ".pdf")
    try:
        html_path.write_text(_html(sections, figures, lang), encoding="utf-8")
        pdf_path.write_bytes(_typeset(comparison, sections, figures, lang))
    finally:
        for fig in figures:
            plt.close(fig)
    return [html_path, pdf_path]
