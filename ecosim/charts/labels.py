"""Every word on a chart, in English and Chinese: the label catalogue and the display names of
scenarios, levers, assumptions, model outputs and calibration targets."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecosim.data import Region

LANGS = ("en", "zh")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "fan_title": "{region} R&D expenditure / GDP: {scenario}",
        "compare_title": "Target-year R&D intensity by policy mix ({year})",
        "probability_title": "P(target met in {year}), 95% interval",
        "cost_title": "Cost against gain, relative to {baseline}",
        "efficiency_title": "Gain per {unit} of extra cost",
        "contribution_title": "Contribution of each lever to {year} R&D intensity: {scenario}",
        "year": "Year",
        "intensity": "R&D expenditure / GDP (%)",
        "target_year_intensity": "R&D / GDP in {year} (%)",
        "probability": "P(target met)",
        "extra_cost": "Extra social cost {window} (100m yuan, median)",
        "gain": "Gain in median {year} intensity (pp)",
        "points_per_cost": "Percentage points per {unit} of extra cost",
        "drop": "Drop in {year} intensity if switched back to {base_year} "
                "(pp, median; bar = 95% interval of the mean)",
        "history": "Recorded (first published)",
        "fitted": "Model, fitted years (to {year})",
        "median": "Median forecast",
        "band50": "50% of replications",
        "band90": "90% of replications",
        "national": "{benchmark}, 90% range (target)",
        "national_median": "{benchmark}, median (target)",
        "target_value": "Target {value}%",
        "target_year": "Target year {year}",
        "policy_start": "Policy from {year}",
        "p_met": "P(target met in {year}) = {p}",
        "replications": "{n} replications",
        "funded": "S&T budget funded {shares}\nof the mix's requested increase (median)",
        "funded_year": "{p:.0%} ({year})",
        "funded_range": "{first} to {last}",
        "interaction": "interactions",
        "rest": "other levers and interactions",
        "difference": "vs first: {diff}",
        "not_paired": "NOT PAIRED: {reason}",
        "none_met": "P(target met in {year}) for every mix: {p}. No replication of any mix meets the target, "
                    "so the mixes cannot be told apart by it.",
        "not_applicable": "n/a",
        "footer_source": "Source: {source}, version {version}",
        "source_model": "ecosim model of {region}'s innovation ecosystem",
        "source_model_any": "ecosim model of a regional innovation ecosystem",
        "footer_scenario": "scenario {scenario}",
        "footer_seed": "seed {seed}",
        "footer_date": "{date}",
        "footer_join": " · ",
        "modified": "{name} (modified)",
        "without": "{name} without {lever}",
        "not_converged": "NOT CONVERGED",
        "sobol_title": "Sobol indices: {output}",
        "sobol_axis": "Sobol index (share of output variance), 95% interval",
        "s1": "first order (S1)",
        "st": "total (ST)",
        "delta": "delta",
        "delta_title": "Moment-independent delta: {output}",
        "delta_axis": "index, 95% interval",
        "morris_title": "Morris screening: {output}",
        "mu_star": "mu* (mean |elementary effect| per unit-range step)",
        "sigma": "sigma (non-linearity or interactions)",
        "sigma_eq_mu": "sigma = mu*",
        "s2_title": "Second-order Sobol indices: {output}",
        "s2_axis": "S2 (share of variance from the pair's interaction)",
        "over_time_title": "{index} over time: {output}",
        "over_time_axis": "{index} of {output}",
        "output_rd_intensity": "R&D / GDP in the target year",
        "output_rd_intensity_gap": "gap to the target",
        "output_p_target_met": "P(target met)",
        "output_target_met": "P(target met)",
        "output_government_cost": "government cost over the cost window",
        "output_social_cost": "social cost over the cost window (government + compliance)",
        "assumption": "{name} (assumption)",
        "backtest_title": "Backtest: {variable}",
        "model_band90": "model 90% band",
        "model_band50": "model 50% band",
        "model_median": "model median",
        "history_range": "history {start}-{end}",
        "random_walk": "random walk",
        "linear_trend": "linear trend {start}-{end}",
        "actual": "actual",
        "fit_title": "Calibration fit, {start}-{end} (first-published basis)",
        "fit_model": "model median and 90% band",
        "tolerance": "tolerance",
        "data": "data",
        "model_over_data": "model / data",
        "prim_title": "PRIM peeling trajectory",
        "coverage": "coverage (share of cases of interest in the box)",
        "density": "density (share of the box's cases of interest)",
        "boxes": "boxes",
        "chosen_box": "chosen box",
        "restricted_factors": "restricted factors",
        "frontier_title": "Least-cost frontier",
        "frontier": "frontier",
        "target_probability": "P = {p:g}",
        "chosen_mix": "chosen mix",
        "frontier_cost": "government cost, policy start to target year (100m yuan)",
        "frontier_probability": "P(target met)",
        "factor_index": "{index} of {output}",
        "source_backtest": "ecosim backtest against {actuals}",
        "source_calibration": "ecosim calibration against the first-published statistics",
        "source_batch": "ecosim batch {name}",
        "footer_experiment": "experiment {name}",
    },
    "zh": {
        "fan_title": "{region}研发经费投入强度：{scenario}",
        "compare_title": "各政策组合{year}年研发投入强度",
        "probability_title": "{year}年达标概率（95%置信区间）",
        "cost_title": "成本与收益（相对于{baseline}）",
        "efficiency_title": "每{unit}新增成本带来的强度提高",
        "contribution_title": "各政策杠杆对{year}年研发投入强度的贡献：{scenario}",
        "year": "年份",
        "intensity": "研发经费占地区生产总值比重（%）",
        "target_year_intensity": "{year}年研发投入强度（%）",
        "probability": "达标概率",
        "extra_cost": "{window}年新增社会成本（亿元，中位数）",
        "gain": "{year}年强度中位数提高（百分点）",
        "points_per_cost": "每{unit}新增成本提高的百分点",
        "drop": "恢复为{base_year}年水平时{year}年强度的下降（百分点，中位数；误差线为均值的95%置信区间）",
        "history": "统计公报数据（首次公布）",
        "fitted": "模型拟合年份（至{year}年）",
        "median": "预测中位数",
        "band50": "50%模拟区间",
        "band90": "90%模拟区间",
        "national": "{benchmark}水平90%区间（目标）",
        "national_median": "{benchmark}水平中位数（目标）",
        "target_value": "目标{value}%",
        "target_year": "目标年份{year}年",
        "policy_start": "{year}年起实施政策",
        "p_met": "{year}年达标概率{p}",
        "replications": "{n}次模拟",
        "funded": "科技预算资助了该组合所需增量的\n{shares}（中位数）",
        "funded_year": "{p:.0%}（{year}年）",
        "funded_range": "{first}至{last}",
        "interaction": "交互作用",
        "rest": "其他杠杆及交互作用",
        "difference": "与首项之差：{diff}",
        "not_paired": "未配对：{reason}",
        "none_met": "各政策组合{year}年达标概率均{p}。没有一个组合的任何一次模拟达到目标，无法据此区分各组合。",
        "not_applicable": "不适用",
        "footer_source": "资料来源：{source}，版本{version}",
        "source_model": "{region}创新生态系统ecosim模型",
        "source_model_any": "区域创新生态系统ecosim模型",
        "footer_scenario": "情景：{scenario}",
        "footer_seed": "随机种子{seed}",
        "footer_date": "{date}",
        "footer_join": "；",
        "modified": "{name}（修改）",
        "without": "{name}（不含{lever}）",
        "not_converged": "未收敛",
        "sobol_title": "Sobol敏感性指数：{output}",
        "sobol_axis": "Sobol指数（占输出方差的比重），95%置信区间",
        "s1": "一阶指数（S1）",
        "st": "总效应指数（ST）",
        "delta": "delta指数",
        "delta_title": "矩独立delta指数：{output}",
        "delta_axis": "指数，95%置信区间",
        "morris_title": "Morris筛选：{output}",
        "mu_star": "μ*（单位范围步长的平均绝对基本效应）",
        "sigma": "σ（非线性或交互作用）",
        "sigma_eq_mu": "σ = μ*",
        "s2_title": "二阶Sobol指数：{output}",
        "s2_axis": "S2（两因素交互作用占方差的比重）",
        "over_time_title": "{index}随时间变化：{output}",
        "over_time_axis": "{output}的{index}",
        "output_rd_intensity": "目标年份研发投入强度",
        "output_rd_intensity_gap": "与目标的差距",
        "output_p_target_met": "达标概率",
        "output_target_met": "达标概率",
        "output_government_cost": "成本窗口内的政府成本",
        "output_social_cost": "成本窗口内的社会成本（政府成本加合规成本）",
        "assumption": "{name}（假设）",
        "backtest_title": "回测：{variable}",
        "model_band90": "模型90%区间",
        "model_band50": "模型50%区间",
        "model_median": "模型中位数",
        "history_range": "{start}-{end}年历史数据",
        "random_walk": "随机游走",
        "linear_trend": "{start}-{end}年线性趋势",
        "actual": "实际值",
        "fit_title": "{start}-{end}年校准拟合（首次公布口径）",
        "fit_model": "模型中位数及90%区间",
        "tolerance": "容差",
        "data": "数据",
        "model_over_data": "模型值 / 数据",
        "prim_title": "PRIM剥离轨迹",
        "coverage": "覆盖率（目标情形落在框内的比重）",
        "density": "密度（框内目标情形的比重）",
        "boxes": "候选框",
        "chosen_box": "选定框",
        "restricted_factors": "受限因素个数",
        "frontier_title": "最低成本前沿",
        "frontier": "前沿",
        "target_probability": "达标概率 = {p:g}",
        "chosen_mix": "选定组合",
        "frontier_cost": "政策实施至目标年份的政府成本（亿元）",
        "frontier_probability": "达标概率",
        "factor_index": "{output}的{index}",
        "source_backtest": "ecosim回测（实际值：{actuals}）",
        "source_calibration": "ecosim校准（首次公布统计数据）",
        "source_batch": "ecosim批量模拟{name}",
        "footer_experiment": "试验：{name}",
    },
}

SCENARIO_NAMES: dict[str, dict[str, str]] = {
    "en": {"baseline": "Baseline", "guiding-opinions": "Guiding Opinions", "actual-2021-2024": "Actual 2021-2024"},
    "zh": {"baseline": "基准情景", "guiding-opinions": "指导意见", "actual-2021-2024": "2021-2024年实际政策"},
}

LEVER_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "rd_super_deduction_rate": "R&D super-deduction rate",
        "rd_super_deduction_rate_manufacturing": "R&D super-deduction, manufacturing",
        "hte_income_tax_rate": "HTE income-tax rate",
        "software_vat_refund_threshold": "Software VAT refund threshold",
        "hte_cultivation_firms": "HTE cultivation (firms a year)",
        "innovation_full_coverage": "Innovation full coverage",
        "soe_rd_floor": "SOE R&D floor",
        "rd_reward_rate": "R&D reward rate",
        "pilot_scale_bases": "Pilot-scale bases",
        "transfer_demonstration_projects": "Transfer demonstration projects",
        "tech_contract_reward_rate": "Technology-contract reward rate",
        "platforms": "Innovation platforms",
        "talent_recruits": "Talent recruits",
        "guidance_fund_capital": "Guidance-fund capital",
        "guidance_fund_leverage": "Guidance-fund leverage",
        "tech_credit_loss_share": "Tech-credit loss sharing",
        "open_competition_budget": "Open-competition projects budget",
        "smart_factories": "Smart factories",
    },
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

ASSUMPTION_NAMES_ZH: dict[str, str] = {
    "rd_catch_up_rate": "研发强度追赶速度", "soe_user_cost_response": "国企成本响应系数",
    "rd_cash_flow_elasticity": "研发现金流弹性", "rd_liquidity_comfort": "现金短缺阈值（占正常现金流）",
    "rd_budget_smoothing": "研发预算平滑权重", "cash_flow_buffer": "现金流缓冲",
    "full_coverage_intensity_ratio": "全覆盖企业研发强度比", "soe_floor_enforcement": "国企研发底线执行比例",
    "mandate_relabel_share": "强制性研发重新归类比例", "hte_relabel_share": "高企门槛重新归类比例",
    "reward_marginal_share": "奖补边际比例", "grant_crowding_out": "项目资金挤出比例",
    "sector_growth_persistence": "行业增速差持续性", "tech_ratio_plateau": "技术购买比率上限",
    "tech_ratio_adjustment": "技术购买比率调整速度", "coal_price_log_mean": "煤价对数长期均值",
    "coal_margin_sensitivity": "煤价利润率敏感度", "rd_common_shock_sd": "研发共同冲击标准差",
    "rd_common_shock_persistence": "研发共同冲击持续性", "government_rd_firm_share": "政府研发资金投向企业比例",
    "n_above_scale_firms": "规上企业数", "n_tech_smes": "科技型中小企业数", "industrial_share": "工业企业占比",
    "cluster_share": "产业集群企业占比", "tech_sme_cluster_share": "科技型中小企业集群占比",
    "state_owned_share": "国有企业占比", "software_share_of_services": "软件企业占服务业比重",
    "tech_sme_revenue_median": "科技型中小企业营收中位数", "services_revenue_ratio": "服务业相对营收",
    "margin_dispersion": "利润率离散度", "revenue_dispersion": "营收离散度",
    "modelled_va_share_of_gdp": "模型覆盖增加值占GDP比重", 
    "services_rd_performer_share": "服务业研发企业占比", "tech_sme_rd_performer_share": "科技型中小企业研发占比",
    "rd_intensity_dispersion": "研发强度离散度", "n_universities": "高校数", "n_research_institutes": "科研院所数",
    "rd_user_cost_elasticity": "研发使用者成本弹性", "rd_adjustment_speed": "研发调整速度",
    "participation_cost_sensitivity": "研发参与成本敏感度",
    "participation_persistence": "研发参与持续性", "participation_shock_sd": "研发参与冲击标准差",
    "participation_national_weight": "全国研发参与趋势权重",
    "participation_size_effect": "研发参与规模效应", 
    "spillover_strength": "知识溢出强度", "tech_absorption_weight": "技术吸收权重",
    "institution_spillover_strength": "院所溢出强度", 
    "loss_carry_forward_value": "亏损结转价值",
    "knowledge_depreciation": "知识折旧率", "innovation_success_max": "创新成功率上限",
    "knowledge_half_saturation": "知识半饱和点", "innovation_productivity_gain": "创新生产率增益",
    "firm_revenue_growth": "企业营收增长率", "firm_revenue_shock_sd": "企业营收冲击标准差",
    "firm_exit_rate": "企业退出率", "entrant_size_ratio": "新进入企业规模比", "exit_size_elasticity": "退出规模弹性",
    "firm_net_growth": "企业净增长率", "hte_application_success": "高企认定成功率",
    "hte_cultivated_success": "培育企业认定成功率", "hte_renewal_success": "高企复审通过率",
    "cultivation_start_chance": "培育库无研发企业启动研发概率",
    "hte_bunching_window": "高企门槛聚集区间",
    "tech_price_elasticity": "技术价格弹性",
    "local_tech_share": "本地技术采购比重", "usable_tech_share": "可用技术比重",
    "pilot_base_usable_gain": "中试基地可用性增益", "platform_productivity_gain": "平台生产率增益",
    "talent_productivity_gain": "人才生产率弹性", "institution_researcher_share": "院所研究人员比重",
    "institution_size_dispersion": "院所规模离散度", "institution_productivity_dispersion": "院所生产率离散度",
    "venture_private_capital": "私人创投资金",
    "venture_deal_size": "创投单笔规模",
    "venture_spend_years": "创投资金使用年限", "venture_young_age": "创投目标企业年龄",
    "venture_holding_years": "创投持有年限", "venture_exit_multiple": "创投退出倍数",
    "venture_rd_share": "创投资金研发比重", "tech_credit_base_lending": "科技信贷基础放贷额",
    "tech_credit_risk_response": "科技信贷风险响应", "tech_credit_default_rate": "科技信贷违约率",
    "tech_credit_rd_share": "科技信贷研发比重", "cultivation_cost_per_firm": "每户培育成本",
    "full_coverage_cost_per_firm": "每户全覆盖成本", "pilot_base_cost": "中试基地年成本",
    "demonstration_project_size": "示范项目规模", "demonstration_subsidy_share": "示范项目补贴比例",
    "platform_cost": "平台年成本", "platform_rd_share": "平台成本研发比重",
    "talent_cost_per_person": "人均引才成本", "smart_factory_subsidy": "智能工厂补贴",
    "smart_factory_productivity_gain": "智能工厂生产率增益", "open_competition_firm_share": "揭榜挂帅企业比重",
    "software_vat_burden": "软件增值税税负", "software_refund_rd_share": "退税研发再投入比重",
    "institution_other_share": "院所研发其他资金比重",
    "other_performer_government_share": "其他执行主体政府资金比重", "talent_retention": "人才留存率",
    "tech_credit_loan_size": "科技贷款单笔规模",
    "fund_screening_noise": "基金筛选误差", "venture_exit_growth_elasticity": "创投退出价值增长弹性",
    "tech_credit_default_margin_sensitivity": "科技信贷违约对利润率敏感度",
    "tech_credit_reference_margin": "科技信贷基准利润率", "gdp_remainder_growth": "GDP余项增长率",
    "coal_price_persistence": "煤价持续性", "coal_price_volatility": "煤价波动率",
    "coal_gdp_elasticity": "煤价GDP弹性", "coal_firm_elasticity": "煤价企业弹性",
    "national_intensity_drift": "全国强度年均变化", "national_intensity_sd": "全国强度变化标准差",
    "market_quality_weight": "技术市场质量权重", "market_field_weight": "技术市场领域权重",
    "market_tie_weight": "技术市场合作关系权重", "market_spare_capacity": "院所富余供给能力",
    "market_related_field_closeness": "相关领域接近度", "market_main_contract_share": "主要技术合同比重",
}
"""Chinese display names of the assumptions (English names are spelled out from the identifier)."""

_WORDS_EN = {"rd": "R&D", "hte": "HTE", "smes": "SMEs", "sme": "SME", "gdp": "GDP", "vat": "VAT", "soe": "SOE",
             "va": "value-added", "n": "number of", "sd": "s.d.", "tech": "technology"}

VARIABLE_NAMES: dict[str, dict[str, str]] = {
    "en": {"rd_expenditure": "R&D expenditure", "rd_intensity_first_published": "R&D / GDP (first published)",
           "rd_intensity": "R&D / GDP", "gdp": "GDP", "gdp_implied": "GDP (implied)",
           "rd_by_enterprises": "R&D by enterprises", "high_tech_enterprises": "high-tech enterprises",
           "share_enterprises": "enterprise share of R&D", "share_government_institutes": "institutes' share of R&D",
           "share_higher_education": "universities' share of R&D",
           "share_government_funded": "government-funded share of R&D",
           "share_enterprises_funded": "enterprise-funded share of R&D",
           "share_industrial": "industry's share of enterprise R&D (a check, not fitted)",
           "industrial_firms_doing_rd": "industrial firms doing R&D", "hte_recognised": "HTE recognitions",
           "hte_stock": "HTE stock (valid certificates)",
           "tech_contracts_bought": "technology contracts bought"},
    "zh": {"rd_expenditure": "研发经费", "rd_intensity_first_published": "研发投入强度（首次公布）",
           "rd_intensity": "研发投入强度", "gdp": "地区生产总值", "gdp_implied": "地区生产总值（推算）",
           "rd_by_enterprises": "企业研发经费", "high_tech_enterprises": "高新技术企业",
           "share_enterprises": "企业研发经费占比", "share_government_institutes": "科研院所研发经费占比",
           "share_higher_education": "高校研发经费占比", "share_government_funded": "政府资金占研发经费比重",
           "share_enterprises_funded": "企业资金占研发经费比重",
           "share_industrial": "规上工业占企业研发经费比重（仅校验，未拟合）",
           "industrial_firms_doing_rd": "有研发活动的规上工业企业", "hte_recognised": "高新技术企业认定数",
           "hte_stock": "高新技术企业存量（有效证书）",
           "tech_contracts_bought": "技术合同购买额"},
}
"""Display names of backtest variables and calibration targets (the names of the areas of the record come
from the region bundle: :func:`area_names`)."""


def text(lang: str, key: str, **values) -> str:
    """A label in ``lang`` with ``values`` filled in."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return LABELS[lang][key].format(**values)


def scenario_name(lang: str, name: str) -> str:
    """A scenario's display name (built-in scenarios and their modified copies are translated)."""
    from ecosim.scenario import MODIFIED_SUFFIX

    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    if name.endswith(MODIFIED_SUFFIX) and name[: -len(MODIFIED_SUFFIX)] in SCENARIO_NAMES[lang]:
        return text(lang, "modified", name=scenario_name(lang, name[: -len(MODIFIED_SUFFIX)]))
    return SCENARIO_NAMES[lang].get(name, name)


def lever_name(lang: str, name: str) -> str:
    """A lever's display name."""
    return LEVER_NAMES[lang].get(name, name)


def assumption_name(lang: str, name: str) -> str:
    """An assumption's display name."""
    if lang == "zh":
        return ASSUMPTION_NAMES_ZH.get(name, name)
    words = [_WORDS_EN.get(w, w) for w in name.split("_")]
    phrase = " ".join(words)
    return phrase[0].upper() + phrase[1:]


def variable_name(lang: str, name: str) -> str:
    """Display name of a model variable or calibration target (``share_enterprises_2016``: the year
    kept). Areas of the record (the region, its benchmark) are named by :func:`area_name`."""
    match = re.fullmatch(r"(.+?)_(\d{4})", name)
    base, year = (match[1], match[2]) if match else (name, None)
    shown = VARIABLE_NAMES[lang].get(base, base.replace("_", " "))
    return f"{shown} {year}" if year else shown


def area_names(region: "Region") -> dict[str, dict[str, str]]:
    """Display names of the areas of a region's record by language: {lang: {code: name}} for the region
    and its benchmark, under their codes in history.csv, from the bundle's region.toml."""
    return {lang: {region.key: region.name(lang), region.benchmark: region.benchmark_name(lang)} for lang in LANGS}


def area_name(lang: str, area: str, region: "Region | None" = None) -> str:
    """Display name of an area code of history.csv: the region's or its benchmark's name from ``region``'s
    bundle; any other code (or any code without a region) as given."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return area_names(region)[lang].get(area, area) if region is not None else area


def benchmark_label(lang: str, region: "Region") -> str:
    """What the target compares with, as a chart label begins it: the bundle's benchmark label
    ("National average" / "全国平均")."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    label = region.benchmark_labels.get(lang) or region.benchmark_labels["en"]
    return label[:1].upper() + label[1:] if lang == "en" else label


def source_model(lang: str, region: "Region | None" = None) -> str:
    """The model as the source a footer names: "ecosim model of <region>'s innovation ecosystem" with the
    region's display name, or the generic line when no region is known."""
    return text(lang, "source_model", region=region.name(lang)) if region is not None else \
        text(lang, "source_model_any")


UNIT_NAMES: dict[str, dict[str, str]] = {
    "en": {"100m_yuan": "100m yuan", "percent_of_gdp": "% of GDP", "percent": "%", "firms": "firms",
           "person_years": "person-years", "share": "share", "count": "count"},
    "zh": {"100m_yuan": "亿元", "percent_of_gdp": "占GDP的%", "percent": "%", "firms": "家",
           "person_years": "人年", "share": "比重", "count": "个"},
}
"""Display names of the units of history.csv and the model's columns."""


COST_UNITS: dict[str, dict[int, str]] = {
    "en": {-4: "10k yuan", -3: "100k yuan", -2: "1m yuan", -1: "10m yuan", 0: "100m yuan", 1: "1bn yuan",
           2: "10bn yuan", 3: "100bn yuan", 4: "1tn yuan"},
    "zh": {-4: "万元", -3: "十万元", -2: "百万元", -1: "千万元", 0: "亿元", 1: "十亿元", 2: "百亿元", 3: "千亿元",
           4: "万亿元"},
}
"""Names of the units of cost by their power of ten of 100m yuan (1 = 1bn yuan, 十亿元)."""


def cost_unit_name(lang: str, power: int) -> str:
    """Name of the unit of cost of 10 ** ``power`` times 100m yuan (``2`` -> ``10bn yuan`` / ``百亿元``)."""
    return COST_UNITS[lang][power]


def unit_name(lang: str, unit: str) -> str:
    """Display name of a unit (``100m_yuan`` -> ``100m yuan`` / ``亿元``); unknown units spelled out."""
    return UNIT_NAMES[lang].get(unit, unit.replace("_", " "))


def output_name(lang: str, output: str) -> str:
    """Display name of a sensitivity output."""
    key = f"output_{output}"
    return text(lang, key) if key in LABELS[lang] else variable_name(lang, output)

