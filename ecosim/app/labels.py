"""Every word of the what-if page in English and Chinese. Chart words, scenario and lever names come from
the chart catalogue (:mod:`ecosim.charts.labels`); these are the page's own."""

from __future__ import annotations

from ecosim.charts.labels import LANGS

LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
"""How each language is offered on the page, in itself."""

PAGE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "What if? {region}'s R&D intensity under a policy mix",
        "scenario": "Scenario",
        "upload": "Or upload a scenario TOML file (checked as 'ecosim run' checks it)",
        "upload_error": "Not loaded, nothing run: {message}",
        "loaded_file": "Loaded {name}",
        "target": "Target",
        "target_year": "Target year",
        "target_kind": "Target value",
        "national_average": "{benchmark}",
        "fixed_value": "A fixed value",
        "target_value": "Target R&D / GDP (% of GDP)",
        "replications": "Replications",
        "seed": "Root seed",
        "reference": "Compare with",
        "reference_loaded": "the loaded scenario",
        "reference_baseline": "the baseline",
        "group_tax": "Tax",
        "group_programmes": "Programmes",
        "group_finance": "Finance",
        "lever_field": "value or {{year = value}}",
        "lever_hint": "{unit}; {low:g} to {high:g}; {base_year}: {base:g}; cost: {cost}",
        "no_cost": "none",
        "reset": "Back to the scenario as loaded",
        "answer": "The answer",
        "computing": "Running {n} replications ...",
        "status": "Answer {number}: {n} replications, seed {seed}; drawn {seconds:.1f} s after the change",
        "status_preliminary": "Answer {number}, preliminary: first {k} of {n} replications, seed {seed}; "
                              "drawn {seconds:.1f} s after the change; refining …",
        "median_band": "{region} R&D / GDP in {year}: median {q50:.2f}% (90% range {q05:.2f}-{q95:.2f}%)",
        "first_year": "First year met in at least half the replications: {year}",
        "first_year_none": "First year met in at least half the replications: none up to {horizon}",
        "gap": "Gap to the target in {year}: median {q50:+.2f} percentage points "
               "(90% range {q05:+.2f} to {q95:+.2f})",
        "difference": "Against {reference} (the same {n} replications, seed {seed}, paired): "
                      "P(target met) {p_diff}; mean {year} R&D / GDP {x_diff}",
        "same_as_reference": "This mix is {reference}: no difference to show",
        "pp": "pp",
        "costs": "Cost {window} (100m yuan, medians over replications, which need not add up)",
        "cost_kind": "Kind",
        "cost_mix": "This mix",
        "cost_reference": "{reference}",
        "cost_change": "Change",
        "cost_outlay": "Outlay",
        "cost_revenue_forgone": "Revenue forgone",
        "cost_compliance": "Compliance",
        "cost_government": "Government (outlay + revenue forgone)",
        "cost_social": "Social (government + compliance)",
        "changed": "Levers changed from their {base_year} value",
        "changed_none": "No lever differs from its {base_year} value",
        "changed_item": "{lever}: {base:g} in {base_year}, {value} from {start}",
        "export": "Export",
        "download_toml": "Download the mix as scenario TOML",
        "out_folder": "Folder for the run (as 'ecosim run --out')",
        "replace": "Replace the results in the folder",
        "save_run": "Save the run",
        "saved": "Wrote {files} into {folder}",
        "save_error": "Not saved: {message}",
        "run_error": "The run failed: {message}",
    },
    "zh": {
        "title": "情景推演：政策组合下{region}的研发投入强度",
        "scenario": "情景",
        "upload": "或上传情景TOML文件（按'ecosim run'的规则检查）",
        "upload_error": "未载入，未运行：{message}",
        "loaded_file": "已载入{name}",
        "target": "目标",
        "target_year": "目标年份",
        "target_kind": "目标值",
        "national_average": "{benchmark}",
        "fixed_value": "固定数值",
        "target_value": "目标研发投入强度（占GDP的%）",
        "replications": "模拟次数",
        "seed": "随机种子",
        "reference": "对照情景",
        "reference_loaded": "载入的情景",
        "reference_baseline": "基准情景",
        "group_tax": "税收",
        "group_programmes": "项目",
        "group_finance": "金融",
        "lever_field": "数值或{{年份 = 数值}}",
        "lever_hint": "{unit}；{low:g}至{high:g}；{base_year}年：{base:g}；成本：{cost}",
        "no_cost": "无",
        "reset": "恢复为载入的情景",
        "answer": "结果",
        "computing": "正在运行{n}次模拟……",
        "status": "第{number}个结果：{n}次模拟，随机种子{seed}；改动后{seconds:.1f}秒绘出",
        "status_preliminary": "第{number}个结果（初步）：{n}次模拟中的前{k}次，随机种子{seed}；改动后{seconds:.1f}秒绘出；"
                              "正在完善……",
        "median_band": "{year}年{region}研发投入强度：中位数{q50:.2f}%（90%区间{q05:.2f}%-{q95:.2f}%）",
        "first_year": "至少半数模拟达标的首个年份：{year}年",
        "first_year_none": "至{horizon}年，没有一个年份至少半数模拟达标",
        "gap": "{year}年与目标的差距：中位数{q50:+.2f}个百分点（90%区间{q05:+.2f}至{q95:+.2f}）",
        "difference": "与{reference}相比（同样的{n}次模拟，随机种子{seed}，配对）：达标概率{p_diff}；"
                      "{year}年平均研发投入强度{x_diff}",
        "same_as_reference": "该组合即{reference}，没有差异",
        "pp": "个百分点",
        "costs": "{window}年成本（亿元，各次模拟的中位数，各项之和不必相等）",
        "cost_kind": "类别",
        "cost_mix": "该组合",
        "cost_reference": "{reference}",
        "cost_change": "变化",
        "cost_outlay": "财政支出",
        "cost_revenue_forgone": "税收减免",
        "cost_compliance": "企业合规成本",
        "cost_government": "政府成本（支出加减免）",
        "cost_social": "社会成本（政府成本加合规成本）",
        "changed": "与{base_year}年取值不同的政策杠杆",
        "changed_none": "所有政策杠杆均保持{base_year}年取值",
        "changed_item": "{lever}：{base_year}年{base:g}，{start}年起{value}",
        "export": "导出",
        "download_toml": "下载该组合的情景TOML文件",
        "out_folder": "运行结果文件夹（同'ecosim run --out'）",
        "replace": "替换文件夹中已有的结果",
        "save_run": "保存运行结果",
        "saved": "已将{files}写入{folder}",
        "save_error": "未保存：{message}",
        "run_error": "运行失败：{message}",
    },
}
"""The page's words by language; ``{...}`` are filled in by :func:`page_text`."""


def page_text(lang: str, key: str, **values) -> str:
    """A page label in ``lang`` with ``values`` filled in; an unknown language is refused by name."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return PAGE_LABELS[lang][key].format(**values)
