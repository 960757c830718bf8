"""Every word on a chart, in English and Chinese."""

from __future__ import annotations

from ecosim.levers import LEVERS

LANGS = ("en", "zh")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "fan_title": "Shanxi R&D expenditure / GDP: {scenario}",
        "compare_title": "Target-year R&D intensity by policy mix ({year})",
        "probability_title": "P(target met in {year})",
        "cost_title": "Cost against gain, relative to {baseline}",
        "efficiency_title": "Intensity points per 100m yuan",
        "contribution_title": "Contribution of each lever to {year} R&D intensity: {scenario}",
        "year": "Year",
        "intensity": "R&D expenditure / GDP (%)",
        "target_year_intensity": "R&D / GDP in {year} (%)",
        "probability": "Share of replications meeting the target",
        "extra_cost": "Extra government cost from {start} (100m yuan, median)",
        "gain": "Gain in median {year} intensity (percentage points)",
        "points_per_100m": "Percentage points per 100m yuan",
        "drop": "Drop in median {year} intensity if switched back to 2020 (pp)",
        "history": "Recorded (first published)",
        "median": "Median forecast",
        "band50": "50% of replications",
        "band90": "90% of replications",
        "national": "National average (target)",
        "target_value": "Target {value}%",
        "target_year": "Target year {year}",
        "p_met": "P(target met in {year}) = {p:.0%}",
        "replications": "{n} replications",
        "interaction": "interactions",
        "rest": "other levers and interactions",
    },
    "zh": {
        "fan_title": "山西研发经费投入强度：{scenario}",
        "compare_title": "各政策组合{year}年研发投入强度",
        "probability_title": "{year}年达标概率",
        "cost_title": "成本与收益（相对于{baseline}）",
        "efficiency_title": "每亿元带来的强度提高",
        "contribution_title": "各政策杠杆对{year}年研发投入强度的贡献：{scenario}",
        "year": "年份",
        "intensity": "研发经费占地区生产总值比重（%）",
        "target_year_intensity": "{year}年研发投入强度（%）",
        "probability": "达到目标的模拟次数占比",
        "extra_cost": "{start}年起政府新增成本（亿元，中位数）",
        "gain": "{year}年强度中位数提高（百分点）",
        "points_per_100m": "每亿元提高的百分点",
        "drop": "恢复为2020年水平时{year}年强度中位数的下降（百分点）",
        "history": "统计公报数据",
        "median": "预测中位数",
        "band50": "50%模拟区间",
        "band90": "90%模拟区间",
        "national": "全国平均水平（目标）",
        "target_value": "目标{value}%",
        "target_year": "目标年份{year}年",
        "p_met": "{year}年达标概率 = {p:.0%}",
        "replications": "{n}次模拟",
        "interaction": "交互作用",
        "rest": "其他杠杆及交互作用",
    },
}

SCENARIO_NAMES: dict[str, dict[str, str]] = {
    "en": {},
    "zh": {"baseline": "基准情景", "guiding-opinions": "指导意见", "actual-2021-2024": "2021-2024年实际政策"},
}

LEVER_NAMES: dict[str, dict[str, str]] = {
    "en": {name: name.replace("_", " ") for name in LEVERS},
    "zh": {
        "rd_super_deduction_rate": "研发费用加计扣除比例",
        "rd_super_deduction_rate_manufacturing": "制造业研发费用加计扣除比例",
        "hte_income_tax_rate": "高新技术企业所得税率",
        "software_vat_refund_threshold": "软件增值税即征即退税负",
        "hte_cultivation_firms": "高新技术企业培育数量",
        "innovation_full_coverage": "规上工业企业创新全覆盖",
        "soe_rd_floor": "国有企业研发投入下限",
        "rd_reward_rate": "研发投入奖励比例",
        "pilot_scale_bases": "中试基地",
        "transfer_demonstration_projects": "成果转化示范项目",
        "tech_contract_reward_rate": "技术合同奖励比例",
        "platforms": "创新平台",
        "talent_recruits": "引进人才",
        "guidance_fund_capital": "引导基金规模",
        "guidance_fund_leverage": "引导基金杠杆",
        "tech_credit_loss_share": "科技信贷风险分担比例",
        "open_competition_budget": "揭榜挂帅项目经费",
        "smart_factories": "智能工厂",
    },
}


def text(lang: str, key: str, **values) -> str:
    """A label in ``lang`` with ``values`` filled in."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return LABELS[lang][key].format(**values)


def scenario_name(lang: str, name: str) -> str:
    """A scenario's display name (built-in scenarios are translated)."""
    return SCENARIO_NAMES[lang].get(name, name)


def lever_name(lang: str, name: str) -> str:
    """A lever's display name."""
    return LEVER_NAMES[lang].get(name, name)
