"""A short brief a planner can attach to a draft: the question, the answer with its interval, the
fan chart, the comparison and the cost (when several runs are given), the caveats, and where the
numbers come from. Written as HTML (charts embedded) and PDF (matplotlib's PdfPages).

The brief names the region its runs are about, its benchmark and the years of the record from the
region bundle (:func:`region_fields`); the sentences here name no place."""

from __future__ import annotations

import base64
import html
import io
import json
import warnings
from pathlib import Path

import pandas as pd

from ecosim.analysis.compare import Comparison
from ecosim.analysis.forecast import Forecast
from ecosim.analysis.intervals import format_difference, format_share
from ecosim.analysis.provenance import SCENARIO_FILE, read_manifest
from ecosim.charts import style
from ecosim.charts.labels import scenario_name
from ecosim.data import load_region
from ecosim.scenario import Scenario, ScenarioError, load_scenario

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


def read_run(folder: Path, region: str | Path | None = None) -> Forecast:
    """A Forecast rebuilt from a run folder: years.csv, summary.json, the scenario as run
    (scenario.toml, on ``region`` when given instead of the bundle it names) and the manifest; a folder
    without its scenario.toml is refused."""
    folder = Path(folder)
    years_csv, summary_json = folder / "years.csv", folder / "summary.json"
    if not years_csv.exists() or not summary_json.exists():
        raise FileNotFoundError(f"{folder}: not a run folder (needs years.csv and summary.json from 'ecosim run')")
    if not (folder / SCENARIO_FILE).exists():
        raise FileNotFoundError(f"{folder}: no {SCENARIO_FILE} (the scenario as run); it was written by an older "
                                "ecosim, run 'ecosim run' again")
    summary = json.loads(summary_json.read_text(encoding="utf-8"))
    try:
        scenario = load_scenario(folder / SCENARIO_FILE, region=region)
    except ScenarioError as error:
        raise ValueError(str(error)) from None
    info = read_manifest(folder) or summary.get("provenance", {})
    _warn_if_changed(folder, scenario, info)
    return Forecast(scenario, pd.read_csv(years_csv), int(info.get("seed", summary.get("seed", scenario.seed))), info,
                    to_fund_as_written=summary.get("budget", {}).get("to_fund_as_written"))


def _warn_if_changed(folder: Path, scenario: Scenario, info: dict) -> None:
    """Say when the run's region bundle or calibration has changed since the run (the brief's words on
    the region and its calibration describe them as they are now)."""
    from ecosim.analysis.provenance import calibration_info, region_info

    now = {**region_info(scenario.region), **calibration_info(scenario.region)}
    changed = [key for key in ("region_data_sha256", "calibration_sha256") if info.get(key) and info[key] != now[key]]
    if changed:
        warnings.warn(f"{folder}: the region bundle or its calibration has changed since this run "
                      f"({', '.join(changed)}); the brief describes them as they are now", stacklevel=2)


def read_comparison(folders: list[Path], allow_unpaired: bool = False,
                    region: str | Path | None = None) -> Comparison:
    """A Comparison of run folders (the first is the reference); refused (UnpairedComparison) when
    the runs do not share random numbers, unless ``allow_unpaired``."""
    runs = [read_run(f, region) for f in folders]
    names = [r.scenario.name for r in runs]
    keys = names if len(set(names)) == len(names) else [Path(f).name for f in folders]
    comparison = Comparison(dict(zip(keys, runs)), runs[0].seed)
    if not allow_unpaired:
        comparison.require_paired()
    return comparison


def _lines(comparison: Comparison, lang: str) -> dict[str, list[str]]:
    t = TEXT[lang]
    first = comparison.forecasts[comparison.baseline]
    place = region_fields(first.scenario, lang)
    target = first.scenario.target
    goal = (t["national"].format(**place) if target.value == "national_average"
            else t["value"].format(value=target.value))
    answers = []
    for name, f in comparison.forecasts.items():
        s, rows = f.summary(), f.target_year()
        answers.append(t["answer_line"].format(
            scenario=scenario_name(lang, name), year=target.year, median=s["rd_intensity"]["q50"],
            low=s["rd_intensity"]["q05"], high=s["rd_intensity"]["q95"],
            p=format_share(int(rows["target_met"].sum()), len(rows), lang)))
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
            "caveats": caveats, "provenance": [provenance]}


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
    figures = [comparison.forecasts[comparison.baseline].plot(lang)]
    if len(comparison.forecasts) > 1:
        figures += [comparison.plot(lang, "compare"), comparison.plot(lang, "cost")]
    return figures


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


STYLESHEET = ("body{font-family:sans-serif;max-width:170mm;margin:2em auto;line-height:1.5} "
              "img{width:156mm;max-width:100%}")
"""The brief's CSS: a plain string, inserted whole (written inside an f-string its braces would have to be
doubled, and a doubled brace outside one reaches the page and drops the rule after it)."""


def _html(sections: dict[str, list[str]], figures: list, lang: str) -> str:
    t = TEXT[lang]
    title = sections["title"][0]
    parts = [f"<!DOCTYPE html><html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">",
             f"<title>{html.escape(title)}</title><style>{STYLESHEET}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    for key in ("question", "answer"):
        parts.append(f"<h2>{html.escape(t[key])}</h2>" + "".join(f"<p>{html.escape(x)}</p>" for x in sections[key]))
    parts.append(f"<h2>{html.escape(t['charts'])}</h2>")
    parts += [f'<p><img alt="chart {i + 1}" src="data:image/png;base64,{_png(f)}"></p>' for i, f in enumerate(figures)]
    parts.append(f"<h2>{html.escape(t['caveats'])}</h2><ul>"
                 + "".join(f"<li>{html.escape(x)}</li>" for x in sections["caveats"]) + "</ul>")
    parts.append(f"<h2>{html.escape(t['provenance'])}</h2><p><small>{html.escape(sections['provenance'][0])}"
                 "</small></p></body></html>")
    return "\n".join(parts)


def _text_page(sections: dict[str, list[str]], lang: str):
    """An A4 page with the brief's text (wrapped), drawn in the house fonts."""
    import textwrap

    import matplotlib.pyplot as plt

    t = TEXT[lang]
    width = 48 if lang == "zh" else 95
    with style.context(lang):
        fig = plt.figure(figsize=(210 * style.MM, 297 * style.MM))
        y = 0.95
        fig.text(0.1, y, sections["title"][0], fontsize=14, va="top")
        y -= 0.05
        for key in ("question", "answer", "caveats", "provenance"):
            fig.text(0.1, y, t[key], fontsize=11, va="top")
            y -= 0.03
            for item in sections[key]:
                lines = textwrap.wrap(("• " if key == "caveats" else "") + item, width)
                fig.text(0.1, y, "\n".join(lines), fontsize=9.5, va="top", linespacing=1.3)
                y -= 0.018 * len(lines) + 0.01
            y -= 0.015
    return fig


def write_report(folders: list[Path], lang: str = "en", out: Path | None = None,
                 allow_unpaired: bool = False, region: str | Path | None = None) -> list[Path]:
    """Write the brief of the run folders as ``out.html`` and ``out.pdf``; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(TEXT)}, got {lang!r}")
    comparison = read_comparison(list(folders), allow_unpaired, region)
    sections = _lines(comparison, lang)
    figures = _figures(comparison, lang)
    stem = Path(out) if out else Path(folders[0]) / ("report" if lang == "en" else f"report-{lang}")
    stem.parent.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = stem.with_name(stem.name + ".html"), stem.with_name(stem.name + ".pdf")
    html_path.write_text(_html(sections, figures, lang), encoding="utf-8")
    page = _text_page(sections, lang)
    with matplotlib.rc_context({"pdf.fonttype": 42}), \
            PdfPages(pdf_path, metadata={"Title": sections["title"][0]}) as pdf:
        for fig in [page, *figures]:
            pdf.savefig(fig)
    for fig in [page, *figures]:
        plt.close(fig)
    return [html_path, pdf_path]
