"""Provenance, intervals, print-ready charts and the new CLI behaviour (issue 14).

Nothing here asserts a model output: the numbers checked are interval arithmetic against
published or hand-computed cases, the physical size of charts, their fonts, footers and glyphs,
and what the commands write and refuse.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

import ecosim  # noqa: E402
from ecosim.assumptions import ASSUMPTIONS  # noqa: E402
from ecosim.levers import LEVERS  # noqa: E402
from ecosim.analysis import intervals  # noqa: E402
from ecosim.explore.provenance import scenario_toml  # noqa: E402
from ecosim.charts import style  # noqa: E402
from ecosim.charts.fonts import has_cjk_font  # noqa: E402
from ecosim.charts.labels import ASSUMPTION_NAMES_ZH, LABELS, LEVER_NAMES  # noqa: E402
from ecosim.cli import main  # noqa: E402
from ecosim.outputs.run_folder import read_run  # noqa: E402
from ecosim.scenario import BUILTIN_SCENARIOS, Scenario, load_scenario  # noqa: E402

needs_cjk = pytest.mark.skipif(not has_cjk_font(), reason="no CJK font")
TINY = """name = "{name}"
horizon = 2022
replications = 3
seed = 11
[target]
year = 2022
value = "national_average"
[levers]
rd_reward_rate = {reward}
"""


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _tiny(tmp_path: Path, name: str = "tiny", reward: float = 0.05) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(TINY.format(name=name, reward=reward), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_comparison(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    first = load_scenario(_tiny(folder, "tiny", 0.02))
    return ecosim.compare({"tiny": first, "tiny-reward": first.with_changes({"levers.rd_reward_rate": 0.2})},
                          progress=False)


# --- intervals ----------------------------------------------------------------------------------


def test_wilson_matches_the_published_and_closed_form_values():
    ci = intervals.wilson(5, 10)  # Wilson (1927); e.g. Newcombe (1998a) table I: 0.2366 to 0.7634
    assert (round(ci.low, 4), round(ci.high, 4)) == (0.2366, 0.7634)
    z2 = 1.959963984540054 ** 2
    ci = intervals.wilson(0, 200)  # at 0 successes the upper end is z^2 / (n + z^2)
    assert ci.low == 0 and ci.high == pytest.approx(z2 / (200 + z2), abs=1e-12)
    assert intervals.wilson(200, 200).high == 1.0
    with pytest.raises(ValueError):
        intervals.wilson(3, 2)


def test_paired_difference_matches_newcombe_1998_example():
    # Newcombe (1998b), table II, example (a): 36 both, 12 only first, 2 only second, 0 neither;
    # method 10 gives 0.0569 to 0.3404 for the difference 0.2
    first = np.array([1] * 36 + [1] * 12 + [0] * 2)
    second = np.array([1] * 36 + [0] * 12 + [1] * 2)
    ci = intervals.paired_share_difference(second, first)
    assert ci.estimate == pytest.approx(0.2)
    assert (round(ci.low, 4), round(ci.high, 4)) == (0.0569, 0.3404)


def test_paired_difference_without_correlation_is_the_unpaired_square_root_sum():
    # a = b = c = d = 5: phi = 0, both shares 10/20; Wilson 10/20 half-width
    # 1.96 / 1.19208 x sqrt(0.0125 + 3.8416 / 1600) = 0.20070 (by hand), so the interval is +-sqrt(2) x it
    first = np.array([1] * 10 + [0] * 10)
    second = np.array([1] * 5 + [0] * 5 + [1] * 5 + [0] * 5)
    ci = intervals.paired_share_difference(first, second)
    half = intervals.wilson(10, 20).high - 0.5
    assert half == pytest.approx(0.20070, abs=1e-5)
    assert (ci.low, ci.high) == (pytest.approx(-math.sqrt(2) * half), pytest.approx(math.sqrt(2) * half))


def test_paired_mean_difference_is_a_t_interval():
    ci = intervals.paired_mean_difference([0, 0, 0], [1, 2, 3])
    half = 4.302652729911275 / math.sqrt(3)  # t(0.975, 2) x sd 1 / sqrt(3)
    assert (ci.estimate, ci.low, ci.high) == (2.0, pytest.approx(2 - half), pytest.approx(2 + half))


def test_shares_never_print_as_certain():
    assert intervals.format_share(0, 200) == "<1% (0 of 200; 95% CI 0-2%)"
    assert intervals.format_share(200, 200).startswith(">99% (200 of 200")
    assert intervals.format_share(78, 200) == "39% (78 of 200; 95% CI 33-46%)"


# --- scenarios and provenance -------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTIN_SCENARIOS)
def test_saved_scenario_round_trips(name):
    scenario = load_scenario(name).with_changes({"levers.platforms": {2021: 60, 2024: 90}, "description": 'a "q"'})
    again = Scenario.from_dict(tomllib.loads(scenario_toml(scenario)))
    assert again.to_dict() == scenario.to_dict()


def test_a_changed_scenario_gets_a_new_name():
    base = load_scenario("baseline")
    assert base.with_changes({"levers.rd_reward_rate": 0.08}).name == "baseline-modified"
    assert base.with_changes({"levers.rd_reward_rate": 0.08}, name="reward").name == "reward"
    assert base.with_changes({"description": "same mix"}).name == "baseline"


def test_api_takes_names_and_puts_units_in_attrs(tiny_comparison, tmp_path):
    result = ecosim.forecast(str(_tiny(tmp_path)), progress=False)
    assert result.years.attrs["units"]["rd_intensity"] == "percent of GDP"
    summary = result.summary()
    assert summary["provenance"]["seed"] == 11 and summary["provenance"]["replications"] == 3
    assert summary["provenance"]["calibration_sha256"] and "rd_reward_rate" in summary["resolved_levers"]
    table = tiny_comparison.table()
    assert table.attrs["units"]["probability_diff"] == "share"
    assert table.loc["tiny", "probability_diff"] == 0 and table.loc["tiny", "probability_diff_high"] == 0
    with pytest.raises(ecosim.ScenarioError, match="did you mean 'baseline'"):
        ecosim.forecast("basline")


# --- charts -------------------------------------------------------------------------------------


def _families(comparison):
    forecast = comparison.forecasts["tiny-reward"]
    contribution = ecosim.contribution(forecast.scenario, progress=False)
    return {"fan": forecast.plot, "compare": lambda lang: comparison.plot(lang, "compare"),
            "cost": lambda lang: comparison.plot(lang, "cost"), "contribution": contribution.plot}


def _texts(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("family", ["fan", "compare", "cost", "contribution"])
def test_charts_are_sized_for_the_text_width_with_9pt_text_and_a_footer(tiny_comparison, family, tmp_path):
    fig = _families(tiny_comparison)[family]("en")
    assert fig.get_figwidth() * 25.4 == pytest.approx(156.0)
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < 9]
    assert not small
    [footer] = [t.get_text() for t in _texts(fig) if t.get_gid() == "footer"]
    assert f"version {ecosim.__version__}" in footer and "seed 11" in footer and "3 replications" in footer
    assert "tiny" in footer
    png, pdf, svg = style.save(fig, tmp_path / family)
    with Image.open(png) as image:
        assert abs(image.width - 156 / 25.4 * 300) < 1  # printed at 156 mm, nothing cropped or grown
    assert b"/FontFile2" in pdf.read_bytes() and b"/Type3" not in pdf.read_bytes()  # TrueType, editable text
    assert "<text" in svg.read_text(encoding="utf-8")


def test_half_width_variant():
    with style.context("en"):
        fig, _ = style.figure("half")
    assert fig.get_figwidth() * 25.4 == pytest.approx(76.0)


def test_unpaired_comparison_is_refused_or_stamped(tiny_comparison):
    other = ecosim.forecast(tiny_comparison.forecasts["tiny"].scenario, 4, 99, progress=False)
    mixed = ecosim.Comparison({"a": tiny_comparison.forecasts["tiny"], "b": other}, 11)
    assert not mixed.paired and "seed 99" in mixed.pairing_problem()
    with pytest.raises(ValueError, match="do not share random numbers"):
        mixed.require_paired()
    stamps = [t.get_text() for t in mixed.plot().axes[1].texts if t.get_gid() == "not_paired"]
    assert stamps and stamps[0].startswith("NOT PAIRED")


@needs_cjk
@pytest.mark.parametrize("family", ["fan", "compare", "cost", "contribution"])
def test_chinese_charts_have_every_glyph(tiny_comparison, family):
    fig = _families(tiny_comparison)[family]("zh")
    assert any("\u4e00" <= c <= "\u9fff" for c in fig.axes[0].get_title())
    for t in _texts(fig):
        path = font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)
        charmap = FT2Font(path).get_charmap()
        missing = [c for c in t.get_text() if not c.isspace() and ord(c) not in charmap]
        assert not missing, f"{t.get_text()!r} lacks {missing}"


def test_every_lever_and_assumption_has_display_names():
    assert set(LEVER_NAMES["en"]) == set(LEVER_NAMES["zh"]) == set(LEVERS)
    assert set(ASSUMPTION_NAMES_ZH) >= set(ASSUMPTIONS)
    assert set(LABELS["en"]) == set(LABELS["zh"])
    assert all("_" not in name for name in LEVER_NAMES["en"].values())


# --- command line -------------------------------------------------------------------------------


def test_run_saves_the_scenario_and_manifest_and_refuses_to_overwrite_another(tmp_path, capsys):
    scenario = _tiny(tmp_path, "baseline", 0.2)  # a custom file named like a built-in
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 11 and manifest["replications"] == 3 and manifest["ecosim_version"]
    assert manifest["calibration_date"] and len(manifest["calibration_sha256"]) == 64 and manifest["command"]
    assert read_run(out).scenario.levers["rd_reward_rate"] == 0.2  # its own levers, not the built-in's
    assert " of 3; 95% CI " in capsys.readouterr().out
    (out / "fan.png").write_bytes(b"old")
    before = (out / "years.csv").read_bytes()
    assert main(["run", str(scenario), "--out", str(out)]) == 0  # the same inputs: read back
    assert "already holds this run" in capsys.readouterr().out and (out / "years.csv").read_bytes() == before
    assert main(["run", str(scenario), "--out", str(out), "--seed", "12"]) == 2  # other inputs: refused
    assert "--force" in capsys.readouterr().err and (out / "years.csv").read_bytes() == before
    assert main(["run", str(scenario), "--out", str(out), "--force", "--set", "levers.platforms=80"]) == 0
    assert not (out / "fan.png").exists()
    saved = load_scenario(out / "scenario.toml")
    assert saved.name == "baseline-modified" and saved.levers["platforms"] == 80


def test_set_and_names_get_suggestions(tmp_path, capsys):
    assert main(["run", "guiding-opinons", "--out", str(tmp_path / "x")]) == 2
    assert "did you mean 'guiding-opinions'" in capsys.readouterr().err
    assert main(["run", str(_tiny(tmp_path)), "--set", "levers.rd_reward=0.1", "--out", str(tmp_path / "y")]) == 2
    assert "did you mean 'rd_reward_rate'" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"ecosim {ecosim.__version__}"


def test_closed_pipe_exits_without_a_traceback():
    code = "import sys; from ecosim.cli import main; sys.exit(main(['levers']))"
    proc = subprocess.run(f"{sys.executable} -c \"{code}\" | head -1", shell=True, capture_output=True, text=True)
    assert proc.stdout.strip() and "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_compare_and_contribution_write_csv_with_intervals(tmp_path):
    scenario = str(_tiny(tmp_path))
    out = tmp_path / "cmp"
    assert main(["compare", scenario, "--set", "levers.rd_reward_rate=0.2", "--out", str(out)]) == 0
    table = pd.read_csv(out / "compare.csv", index_col=0)
    assert list(table.index) == ["tiny", "tiny-modified"]
    assert (table["probability_low"] <= table["probability_target_met"]).all()
    assert (table["probability_target_met"] <= table["probability_high"]).all()
    assert {"probability_diff_low", "intensity_diff_high"} <= set(table.columns)
    assert (out / "scenarios" / "tiny-modified.toml").exists()
    out = tmp_path / "con"
    assert main(["contribution", scenario, "--out", str(out)]) == 0
    table = pd.read_csv(out / "contribution.csv", index_col=0)
    assert {"drop_low", "drop_high", "probability_drop_low"} <= set(table.columns)
    units = pd.read_csv(out / "contribution-columns.csv").set_index("column")["unit"]
    assert units["drop"] == "percentage points"


def test_plot_refuses_unpaired_runs_and_report_writes_html_and_pdf(tmp_path, capsys):
    scenario = str(_tiny(tmp_path))
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert main(["run", scenario, "--out", str(a)]) == 0
    assert main(["run", scenario, "--set", "levers.rd_reward_rate=0.2", "--out", str(b)]) == 0
    assert main(["run", scenario, "--seed", "5", "--out", str(c)]) == 0
    capsys.readouterr()
    assert main(["plot", str(a), str(c), "--kind", "compare"]) == 2
    assert "do not share random numbers" in capsys.readouterr().err
    assert main(["plot", str(a), str(b), "--kind", "compare", "--format", "pdf"]) == 0
    assert main(["report", str(a), str(b), "--out", str(tmp_path / "brief")]) == 0
    page = (tmp_path / "brief.html").read_text(encoding="utf-8")
    words = re.sub(r"<[^>]+>", "", page)  # the text, without the spans that keep its figures on one line
    assert "95% CI" in words and "What the model does not know" in words and "data:image/png" in page
    assert (tmp_path / "brief.pdf").read_bytes().startswith(b"%PDF")
