"""The what-if page (``ecosim app``): its runs, exports and lever checks without a browser, then the page
itself in Debian's Chromium through Selenium, against forecasts computed here."""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

import ecosim
from ecosim.app.answer import answer
from ecosim.app.export import mix_scenario, save_run, scenario_text
from ecosim.app.levers import LEVER_GROUPS, lever_change, written_text
from ecosim.app.runs import ReplicationPool
from ecosim.cli import main
from ecosim.outputs.run_folder import RUN_FILES
from ecosim.levers import LEVERS
from ecosim.scenario import ScenarioError

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1000")
REPLICATIONS = 8
"""Replications of the browser tests' runs (the default, 50, is checked as shown)."""
REFINED_REPLICATIONS = 24
"""Replications of the test of the preliminary answer: enough for one (from the first 8), few enough to be quick."""
PRELIMINARY_REPLICATIONS = 8
"""The first replications the page's preliminary answer of :data:`REFINED_REPLICATIONS` is drawn from."""
TIMED_CHANGES = 10
TIMED_REPLICATIONS = int(os.environ.get("ECOSIM_APP_TIMED_REPLICATIONS", REPLICATIONS))
"""Replications of the timed changes: the tests' count, so that the suite stays short; set
ECOSIM_APP_TIMED_REPLICATIONS=50 to time the page's default."""
ANSWER_TIMEOUT = 90
"""Seconds an answer may take on a busy two-core machine before a test fails."""
ROOT = Path(__file__).resolve().parents[1]


# --- without a browser -------------------------------------------------------------------------------


def test_every_lever_is_offered_in_one_group():
    offered = [name for names in LEVER_GROUPS.values() for name in names]
    assert sorted(offered) == sorted(LEVERS)
    assert len(offered) == len(set(offered))


@pytest.fixture(scope="module")
def pool():
    """Two worker processes, as the page has."""
    workers = ReplicationPool(workers=2)
    workers.warm_up()
    yield workers
    workers.shutdown()


def test_pool_runs_are_the_forecast_number_for_number(pool):
    scenario = ecosim.load_scenario("baseline").with_changes({"levers.rd_reward_rate": 0.08})
    seen = []
    result = pool.forecast(scenario, 6, 11, on_progress=seen.append)
    expected = ecosim.forecast(scenario, 6, 11, progress=False, budget_check=False)
    pd.testing.assert_frame_equal(result.years, expected.years, check_exact=True)
    assert seen[-1] == 6 and seen == sorted(seen)


def test_pool_gives_the_first_replications_first_then_all(pool):
    baseline = ecosim.load_scenario("baseline")
    mix = baseline.with_changes({"levers.rd_reward_rate": 0.08})
    stages = list(pool.forecasts([mix, baseline], 12, 11, early=5))
    assert [[result.replications for result in stage] for stage in stages] == [[5, 5], [12, 12]]
    for stage, count in zip(stages, (5, 12)):
        for result, scenario in zip(stage, (mix, baseline)):
            expected = ecosim.forecast(scenario, count, 11, progress=False, budget_check=False)
            pd.testing.assert_frame_equal(result.years, expected.years, check_exact=True)


def test_pool_run_stops_when_no_longer_wanted(pool):
    scenario = ecosim.load_scenario("baseline")
    started = time.perf_counter()
    stopped = pool.forecast(scenario, 200, 3, keep_going=lambda: time.perf_counter() - started < 0.3)
    stop_seconds = time.perf_counter() - started
    assert stopped is None
    assert stop_seconds < 5, "a cancelled run of 200 replications went on"
    assert pool.forecast(scenario, 2, 3).replications == 2


def test_lever_field_is_checked_as_a_scenario_file():
    baseline = ecosim.load_scenario("baseline")
    with pytest.raises(ScenarioError) as refused:
        lever_change(baseline, {}, "rd_reward_rate", "0.5")
    assert refused.value.field == "levers.rd_reward_rate" and "0 to 0.3" in refused.value.message
    with pytest.raises(ScenarioError) as percent:
        lever_change(baseline, {}, "rd_reward_rate", "8%")
    assert "0.08" in percent.value.message
    changes = lever_change(baseline, {}, "platforms", "{ 2021 = 60, 2023 = 80 }")
    mix = baseline.with_changes(changes)
    assert mix.levers["platforms"] == {2021: 60, 2023: 80}
    assert written_text(mix, "platforms") == "{ 2021 = 60, 2023 = 80 }"
    assert written_text(baseline, "rd_reward_rate") == repr(baseline.region.lever_value("rd_reward_rate", 2020))


def test_answer_words_the_forecasts_numbers():
    baseline = ecosim.load_scenario("baseline")
    mix = ecosim.forecast(baseline.with_changes({"levers.platforms": 80}), 4, 2, progress=False, budget_check=False)
    reference = ecosim.forecast(baseline, 4, 2, progress=False, budget_check=False)
    summary = mix.summary()
    worded = answer(mix, reference, "en")
    assert f"({summary['target_met_count']} of 4;" in worded.probability
    assert f"median {summary['rd_intensity']['q50']:.2f}%" in worded.median
    assert f"median {summary['rd_intensity_gap']['q50']:+.2f} percentage points" in worded.gap
    assert "paired" in worded.difference
    assert worded.changed == ("Innovation platforms: 50 in 2020, 80 from 2021",)
    chinese = answer(mix, reference, "zh")
    assert "达标概率" in chinese.probability and "中位数" in chinese.median
    fixed = ecosim.forecast(baseline.with_changes({"target.value": 1.0}), 4, 2, progress=False, budget_check=False)
    gaps = fixed.target_year()["rd_intensity"] - 1.0
    assert f"median {gaps.median():+.2f} percentage points" in answer(fixed, fixed, "en").gap


def test_exported_scenario_runs_unchanged_with_the_pages_numbers(tmp_path):
    mix = ecosim.load_scenario("baseline").with_changes({"levers.rd_reward_rate": 0.08, "target.year": 2025})
    path = tmp_path / "mix.toml"
    path.write_text(scenario_text(mix, 4, 99), encoding="utf-8")
    assert ecosim.load_scenario(path).to_dict() == mix_scenario(mix, 4, 99).to_dict()
    assert main(["run", str(path), "--out", str(tmp_path / "run")]) == 0
    written = pd.read_json(tmp_path / "run" / "summary.json", typ="series")
    expected = ecosim.forecast(mix, 4, 99, progress=False)
    assert written["probability_target_met"] == expected.probability_met()
    assert written["replications"] == 4 and written["seed"] == 99


def test_saved_run_is_a_run_folder_that_plot_reads(tmp_path, capsys):
    mix = ecosim.load_scenario("baseline").with_changes({"levers.rd_reward_rate": 0.08})
    result = ecosim.forecast(mix_scenario(mix, 4, 5), 4, 5, progress=False, budget_check=False)
    out = tmp_path / "saved"
    written = save_run(result, out)
    assert sorted(p.name for p in written) == sorted(RUN_FILES)
    assert sorted(p.name for p in save_run(result, out)) == sorted(RUN_FILES)  # the same run: resumed
    other = ecosim.forecast(mix_scenario(mix, 4, 6), 4, 6, progress=False, budget_check=False)
    with pytest.raises(ScenarioError, match="the seed has changed"):
        save_run(other, out)  # another run: refused (the folder rule)
    assert main(["plot", str(out), "--kind", "fan", "--format", "png"]) == 0
    assert (out / "fan.png").exists()
    reference = tmp_path / "ran"
    assert main(["run", str(out / "scenario.toml"), "--out", str(reference)]) == 0
    ran = pd.read_csv(reference / "years.csv")
    pd.testing.assert_frame_equal(pd.read_csv(out / "years.csv"), ran, check_exact=True)


@pytest.mark.parametrize("argv, field", [(["--port", "70000"], "--port"), (["--host", "192.0.2.1"], "--host")])
def test_app_refuses_an_address_it_cannot_serve(argv, field, capsys):
    try:
        code = main(["app", *argv])
    except SystemExit as exit_:
        code = exit_.code
    assert code == 2
    assert field in capsys.readouterr().err


def test_app_refuses_a_port_in_use(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = main(["app", "--port", str(taken.getsockname()[1])])
    error = capsys.readouterr().err
    assert code == 2 and "--port" in error and "choose another" in error


# --- in a browser ------------------------------------------------------------------------------------

def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    """``ecosim app`` on a free loopback port, as a planner starts it, its scripts served from this machine;
    stopped with Ctrl-C at the end."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed (scripts/test installs them as root)")
    port = free_port()
    logs = tmp_path_factory.mktemp("app-server")
    out, err = logs / "stdout.txt", logs / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen([sys.executable, "-m", "ecosim.cli", "app", "--port", str(port)], cwd=ROOT,
                                  stdout=stdout, stderr=stderr, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_page(url, server, err)
        assert f"open {url}" in out.read_text(), out.read_text()
        check_scripts_are_local(url, err)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert "not installed here" not in err.read_text(), err.read_text()


def wait_for_page(url: str, server: subprocess.Popen, err: Path, seconds: float = 60) -> None:
    """Wait until the page answers over HTTP (or the server has died, with what it said)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, err.read_text()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {seconds} s: {err.read_text()}")


def check_scripts_are_local(url: str, err: Path) -> None:
    """Every script the page loads through Solara's asset path is served from this machine's copy."""
    with urllib.request.urlopen(url, timeout=10) as response:
        page = response.read().decode("utf-8")
    scripts = re.findall(r'src="([^"]*/_solara/cdn/[^"]+\.js)"', page)
    assert scripts, "the page loads no script through /_solara/cdn/"
    for script in scripts:
        try:
            urllib.request.urlopen(url + script if script.startswith("/") else script, timeout=10).close()
        except OSError as error:
            pytest.fail(f"{script} is not served ({error}): {err.read_text()}")


@pytest.fixture
def browser(tmp_path):
    """A function that opens a new Chromium session (its own profile) on a URL; all closed at the end."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    drivers = []

    def open_page(url: str):
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={tmp_path / f'profile-{len(drivers)}'}")
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        drivers.append(driver)
        driver.get(url)
        return driver

    yield open_page
    for driver in drivers:
        driver.quit()


def find(driver, css: str, timeout: float = ANSWER_TIMEOUT):
    """The first element matching ``css``, waited for."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def texts(driver, css: str) -> list[str]:
    """The texts of every element matching ``css`` (read again when the page redraws one meanwhile)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    for _ in range(20):
        try:
            return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]
        except StaleElementReferenceException:
            time.sleep(0.05)
    raise AssertionError(f"{css} kept being redrawn")


def shown_answer(driver) -> dict:
    """The answer panel as it reads now, in one step in the page (which may be redrawing it meanwhile): the
    running line, the status line and its answer number, whether the answer is preliminary or final, that
    answer's P(target met) and median (empty while the browser still shows an earlier answer's lines) and
    whether the export (the scenario download and "Save the run") is offered."""
    return driver.execute_script(
        "const get = css => document.querySelector(css);"
        "const text = css => { const e = get(css); return e ? e.textContent : ''; };"
        "const status = get('.answer-status');"
        "const number = (text('.answer-status').match(/(?:Answer |第)(\\d+)/) || [])[1];"
        "const line = css => number ? text(css + '.of-answer-' + number) : '';"
        "return {running: text('.answer-running'), status: text('.answer-status'), number: number,"
        "        preliminary: !!status && status.classList.contains('answer-preliminary'),"
        "        final: !!status && status.classList.contains('answer-final'),"
        "        probability: line('.answer-probability'), median: line('.answer-median'),"
        "        exportable: !!get('.save-run:not([disabled])') && !get('.download-toml')};")


def answer_number(driver, final: bool = True) -> int:
    """The number of the answer shown in full (0 while none is, or a run is under way with no answer of its
    own yet); with ``final``, 0 also while the answer shown is preliminary."""
    shown = shown_answer(driver)
    if not shown["number"] or shown["running"] or not shown["probability"] or not shown["median"] \
            or (final and not shown["final"]):
        return 0
    return int(shown["number"])


def wait_for_answer(driver, after: int, timeout: float = ANSWER_TIMEOUT, final: bool = True) -> int:
    """Wait until an answer later than number ``after`` is drawn (with ``final``, the full one, not a
    preliminary one); its number."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: answer_number(d, final) > after)
    except TimeoutException:
        raise AssertionError(f"no {'final ' if final else ''}answer after number {after} in {timeout} s; the answer "
                             f"card reads: {texts(driver, '.answer-card')}") from None
    return answer_number(driver, final)


def type_into(driver, css: str, value: str) -> float:
    """Replace the text of the field inside ``css`` with ``value`` and press Enter; when Enter was pressed."""
    from selenium.webdriver.common.keys import Keys

    field = find(driver, f"{css} input")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(value)
    pressed = time.perf_counter()
    field.send_keys(Keys.ENTER)
    return pressed


def set_replications(driver, replications: int) -> int:
    """Type the replication count and wait for the first answer with it; its number."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    def answered(d) -> bool:
        return answer_number(d) > 0 and f"{replications} replications" in " ".join(texts(d, ".answer-status"))

    find(driver, ".answer-status, .answer-running")
    for _ in range(2):  # typed while the page was still being built, the text may not reach the server
        type_into(driver, ".replications", str(replications))
        try:
            WebDriverWait(driver, ANSWER_TIMEOUT / 2, poll_frequency=0.05).until(answered)
            return answer_number(driver)
        except TimeoutException:
            continue
    raise AssertionError(f"the page did not take {replications} replications: {texts(driver, '.answer-card')}")


def start_session(browser, url: str, replications: int = REPLICATIONS):
    """A new session with the baseline loaded, set to ``replications``, its first answer drawn."""
    driver = browser(url)
    return driver, set_replications(driver, replications)


@pytest.fixture(scope="module")
def baseline():
    return ecosim.load_scenario("baseline")


def test_page_answer_is_the_forecast(page_url, browser, baseline, tmp_path_factory):
    driver = browser(page_url)
    assert find(driver, ".replications input").get_attribute("value") == "50"
    before = set_replications(driver, REPLICATIONS)
    type_into(driver, ".lever-field-rd_reward_rate", "0.08")
    wait_for_answer(driver, before)
    expected = ecosim.forecast(baseline.with_changes({"levers.rd_reward_rate": 0.08}), REPLICATIONS,
                               baseline.seed, progress=False, budget_check=False).summary()
    probability = texts(driver, ".answer-probability")[0]
    assert f"({expected['target_met_count']} of {REPLICATIONS};" in probability
    assert f"median {expected['rd_intensity']['q50']:.2f}%" in texts(driver, ".answer-median")[0]
    assert "R&D reward rate: 0.02 in 2020, 0.08 from 2021" in texts(driver, ".answer-changed")[0]
    assert "paired" in texts(driver, ".answer-difference")[0]
    assert find(driver, ".fan-chart").size["width"] > 300
    shot = tmp_path_factory.mktemp("artefacts") / "app-screenshot.png"
    driver.execute_script("document.activeElement.blur();"
                          "document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; });")
    time.sleep(0.5)
    driver.save_screenshot(str(shot))
    print(f"\nscreenshot of the page: {shot}")


def test_page_speaks_chinese(page_url, browser):
    driver, number = start_session(browser, page_url)
    find(driver, ".language-zh").click()
    wait_for_answer(driver, number)
    assert "情景推演" in texts(driver, ".page-title")[0]
    assert "达标概率" in texts(driver, ".answer-probability")[0]
    assert "中位数" in texts(driver, ".answer-median")[0]
    assert texts(driver, ".group-tax")[0].startswith("税收")
    assert "研发投入奖励比例" in " ".join(texts(driver, ".lever-rd_reward_rate"))


def test_malformed_upload_names_the_field_and_runs_nothing(page_url, browser, tmp_path):
    bad = tmp_path / "too-generous.toml"
    bad.write_text('name = "too-generous"\n[levers]\nrd_reward_rate = 0.5\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        ecosim.load_scenario(bad)
    driver, number = start_session(browser, page_url)
    find(driver, ".scenario-upload input[type=file]").send_keys(str(bad))
    shown = find(driver, ".upload-error").text
    assert f"too-generous.toml: {refused.value.field}: {refused.value.message}" in shown
    time.sleep(1.0)
    assert not texts(driver, ".answer-running") and answer_number(driver) == number
    assert "baseline" in texts(driver, ".scenario-card")[0]
    find(driver, ".scenario-upload input[type=file]").send_keys(str(ROOT / "scenarios" / "guiding-opinions.toml"))
    wait_for_answer(driver, number)
    assert "guiding-opinions.toml" in find(driver, ".upload-note").text
    assert "Innovation platforms: 50 in 2020, { 2021 = 60, 2022 = 71 } from 2021" in texts(driver, ".answer-changed")[0]


def test_two_sessions_do_not_share_levers_or_results(page_url, browser, baseline):
    first, first_number = start_session(browser, page_url)
    second, second_number = start_session(browser, page_url)
    type_into(first, ".lever-field-rd_reward_rate", "0.1")
    wait_for_answer(first, first_number)
    type_into(second, ".lever-field-platforms", "80")
    wait_for_answer(second, second_number)
    value = lambda driver, name: find(driver, f".lever-field-{name} input").get_attribute("value")
    assert value(first, "rd_reward_rate") == "0.1" and value(first, "platforms") == "50"
    assert value(second, "platforms") == "80"
    assert value(second, "rd_reward_rate") == repr(baseline.region.lever_value("rd_reward_rate", 2020))
    first_changed, second_changed = texts(first, ".answer-changed")[0], texts(second, ".answer-changed")[0]
    assert "reward" in first_changed and "platforms" not in first_changed.lower()
    assert "platforms" in second_changed.lower() and "reward" not in second_changed


def test_preliminary_answer_is_the_first_replications_then_the_full_forecast(page_url, browser, baseline):
    from selenium.webdriver.support.ui import WebDriverWait

    driver, before = start_session(browser, page_url, replications=REFINED_REPLICATIONS)
    mix = baseline.with_changes({"levers.rd_reward_rate": 0.1})
    early = ecosim.forecast(mix, PRELIMINARY_REPLICATIONS, baseline.seed, progress=False, budget_check=False).summary()
    full = ecosim.forecast(mix, REFINED_REPLICATIONS, baseline.seed, progress=False, budget_check=False).summary()
    type_into(driver, ".lever-field-rd_reward_rate", "0.1")
    preliminary = None
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while preliminary is None and time.monotonic() < deadline and answer_number(driver) <= before:
        shown = shown_answer(driver)
        if shown["preliminary"] and not shown["running"] and shown["probability"] and shown["median"]:
            preliminary = shown
        time.sleep(0.02)
    assert preliminary is not None, f"no preliminary answer was shown: {texts(driver, '.answer-card')}"
    assert f"preliminary: first {PRELIMINARY_REPLICATIONS} of {REFINED_REPLICATIONS} replications" in \
        preliminary["status"] and "refining" in preliminary["status"]
    assert f"({early['target_met_count']} of {PRELIMINARY_REPLICATIONS};" in preliminary["probability"]
    assert f"median {early['rd_intensity']['q50']:.2f}%" in preliminary["median"]
    assert not preliminary["exportable"], "the export is offered for a preliminary answer"
    wait_for_answer(driver, before)
    final = shown_answer(driver)
    assert f"{REFINED_REPLICATIONS} replications" in final["status"] and "preliminary" not in final["status"]
    assert f"({full['target_met_count']} of {REFINED_REPLICATIONS};" in final["probability"]
    assert f"median {full['rd_intensity']['q50']:.2f}%" in final["median"]
    WebDriverWait(driver, 10, poll_frequency=0.05).until(lambda d: shown_answer(d)["exportable"])


@pytest.mark.alone  # a wall-time measurement: run with nothing beside it
def test_time_from_lever_change_to_answer(page_url, browser):
    driver, number = start_session(browser, page_url, replications=TIMED_REPLICATIONS)
    first_seconds, final_seconds = [], []
    for platforms in range(51, 51 + TIMED_CHANGES):
        started = type_into(driver, ".lever-field-platforms", str(platforms))
        wait_for_answer(driver, number, final=False)
        first_seconds.append(time.perf_counter() - started)
        number = wait_for_answer(driver, number)
        final_seconds.append(time.perf_counter() - started)
    for what, seconds in (("first answer (preliminary or final)", first_seconds), ("final answer", final_seconds)):
        print(f"\nlever change to {what}, {TIMED_REPLICATIONS} replications, median of {TIMED_CHANGES}: "
              f"{statistics.median(seconds):.2f} s (all: {', '.join(f'{s:.2f}' for s in seconds)})")
    assert statistics.median(final_seconds) < ANSWER_TIMEOUT
