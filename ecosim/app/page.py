"""The what-if page (Solara): inputs on the left, the answer on the right, redrawn on every change.

All state is the session's own (``use_reactive``, ``use_state``, ``use_ref`` inside :func:`Page`), so two
browser tabs never see each other's levers or results; only the worker processes are shared
(:func:`ecosim.app.runs.shared_pool`). The runs go on in a task thread, off the page's event loop; a newer
change makes the task stop its run between replications. On a large run the task first publishes a
preliminary answer from the run's first replications, then the full one.
"""

from __future__ import annotations

import html
import itertools
import math
import os
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import solara
from ipyvuetify.extra import FileInput
from solara.lab import use_task

from ecosim.analysis.forecast import Forecast
from ecosim.explore.provenance import manifest, scenario_toml
from ecosim.app.answer import Answer, answer, cost_header, fan_png
from ecosim.app.export import mix_scenario, save_run, scenario_file_name
from ecosim.app.fields import TextField
from ecosim.app.labels import LANGUAGE_NAMES, page_text
from ecosim.app.levers import (LEVER_GROUPS, lever_change, lever_hint, lever_label, number_text, slider_step,
                               slider_value, value_from_start, written_text)
from ecosim.app.runs import shared_pool
from ecosim.app.server import REGION_ENV
from ecosim.charts.labels import LANGS, benchmark_label
from ecosim.levers import LEVERS
from ecosim.scenario import BUILTIN_SCENARIOS, NATIONAL_AVERAGE, Scenario, ScenarioError, load_scenario

DEFAULT_REPLICATIONS = 50
"""Replications of a what-if run unless the planner asks for another count."""
MAX_REPLICATIONS = 1000
"""The most replications the page runs (more: ``ecosim run``, which shows a plan and a progress bar)."""
CACHED_FORECASTS = 8
"""Forecasts a session keeps, so that going back to an earlier mix (or the reference) costs no runs."""
PRELIMINARY_SHARE = 4
"""A preliminary answer is drawn from the first 1/this of a run's replications ..."""
PRELIMINARY_LEAST = 8
"""... and at least this many ..."""
PRELIMINARY_ABOVE = 16
"""... on runs of more than this many replications (smaller runs are done about as soon)."""


def app_region() -> str | None:
    """The region the page runs on: the ``--region`` given to ``ecosim app``, or None for each scenario's own."""
    return os.environ.get(REGION_ENV) or None


def error_text(error: ScenarioError) -> str:
    """A scenario error as the page shows it beside a field: the field and what is allowed."""
    return f"{error.field}: {error.message}"


@dataclass(frozen=True)
class Outcome:
    """One redrawn answer: its number in the session, the worded answer, the fan chart and the run behind it."""

    number: int
    answer: Answer
    cost_header: tuple[str, str, str, str]
    chart_png: bytes
    mix: Forecast
    seconds: float
    """From the change that asked for it to the answer ready to show."""
    view: tuple[str, str, str]
    """What it answers: the mix's and the reference's forecast keys and the language (:func:`forecast_key`)."""
    total: int
    """The replications asked for; the answer is preliminary while ``mix`` has fewer."""

    @property
    def preliminary(self) -> bool:
        """Whether this answer is drawn from the run's first replications only, the rest still running."""
        return self.mix.replications < self.total


def forecast_key(scenario: Scenario, count: int, seed: int) -> str:
    """What a forecast depends on, as a cache key: the scenario as a file, the replications and the seed."""
    return f"{scenario_toml(scenario)}\n# {count} {seed}"


def preliminary_count(runs: int) -> int | None:
    """How many first replications a preliminary answer is drawn from on a run of ``runs``; None when the run
    is small enough to answer in full at once."""
    if runs <= PRELIMINARY_ABOVE:
        return None
    return max(PRELIMINARY_LEAST, math.ceil(runs / PRELIMINARY_SHARE))


def first_replications(result: Forecast, count: int) -> Forecast:
    """Replications 0 to ``count - 1`` of a forecast: ``ecosim.forecast(scenario, count, seed)``'s numbers,
    paired replication by replication with any other forecast's first ``count`` on the same seed."""
    years = result.years[result.years["replication"] < count].reset_index(drop=True)
    return Forecast(result.scenario, years, result.seed, manifest(result.scenario, result.seed, count))


def remember(cache: OrderedDict, keys) -> None:
    """Mark ``keys`` as just used and drop the forecasts used longest ago beyond :data:`CACHED_FORECASTS`."""
    for key in keys:
        cache.move_to_end(key)
    while len(cache) > CACHED_FORECASTS:
        cache.popitem(last=False)


@solara.component
def ScenarioUpload(on_file: Callable[[str, bytes], None]):
    """A file field (a browser's file chooser) that hands the chosen file's name and bytes to ``on_file``."""
    file_info, set_file_info = solara.use_state(None)
    wired, set_wired = solara.use_state(None)
    field = FileInput.element(multiple=False, accept=".toml", show_progress=False, on_file_info=set_file_info)

    def wire() -> None:
        if file_info:
            widget = solara.get_widget(field)
            widget.version += 1
            widget.reset_stats()
            set_wired(widget.get_files())

    solara.use_effect(wire, [file_info])

    def read(cancel) -> None:
        if wired:
            on_file(wired[0]["name"], wired[0]["file_obj"].read())

    reading = solara.use_thread(read, [wired])
    if reading.error:
        raise reading.error
    return field


@solara.component
def LeverInput(name: str, lang: str, mix: Scenario, draft: str | None, error: str | None,
               on_text: Callable[[str, str], None]):
    """One lever: a slider over its allowed range and a field that takes a value or ``{year = value}``
    steps, with its unit, range, base-year value and cost rule under it; refused values stay in the field
    with the reason."""
    lever = LEVERS[name]
    current = slider_value(name, value_from_start(mix, name))

    def slid(value: float) -> None:
        on_text(name, number_text(name, slider_value(name, value)))

    with solara.Column(gap="0px", classes=["lever", f"lever-{name}"], style={"margin-bottom": "18px"}):
        solara.Text(lever_label(lang, name), style={"font-weight": "500"})
        with solara.Row(style={"align-items": "center"}):
            with solara.Div(style={"flex": "3"}):
                if lever.integer:
                    solara.SliderInt("", value=int(current), min=int(lever.low), max=int(lever.high), on_value=slid)
                else:
                    solara.SliderFloat("", value=float(current), min=lever.low, max=lever.high,
                                       step=slider_step(name), on_value=slid)
            TextField(page_text(lang, "lever_field"), draft if draft is not None else written_text(mix, name),
                      lambda text: on_text(name, text), error=error or "",
                      classes=["lever-field", f"lever-field-{name}"], style={"flex": "2"})
        solara.Text(lever_hint(lang, mix, name), style={"font-size": "12px", "color": "#666"},
                    classes=["lever-hint"])


@solara.component
def Page():
    """The what-if page of one browser session."""
    region = app_region()
    lang = solara.use_reactive("en")
    first = solara.use_memo(lambda: load_scenario("baseline", region=region), [])
    base, set_base = solara.use_state(first)
    source_name = solara.use_reactive("baseline")
    changes = solara.use_reactive({})
    drafts = solara.use_reactive({})
    errors = solara.use_reactive({})
    count = solara.use_reactive(DEFAULT_REPLICATIONS)
    seed = solara.use_reactive(base.seed)
    reference_kind = solara.use_reactive("loaded")
    upload_note = solara.use_reactive(("", {}))
    changed_at = solara.use_ref(time.perf_counter())
    shown = solara.use_ref(None)
    answers = solara.use_memo(lambda: itertools.count(1), [])
    cache = solara.use_memo(OrderedDict, [])
    cache_lock = solara.use_memo(threading.Lock, [])

    mix = solara.use_memo(lambda: base.with_changes(changes.value), [base, changes.value])
    reference_base = solara.use_memo(
        lambda: base if reference_kind.value == "loaded" else load_scenario("baseline", region=region),
        [base, reference_kind.value])
    run_mix = solara.use_memo(lambda: mix_scenario(mix, count.value, seed.value), [mix, count.value, seed.value])
    run_reference = solara.use_memo(
        lambda: mix_scenario(reference_base.with_changes(
            {"target": {"year": mix.target.year, "value": mix.target.value}}, name=reference_base.name),
            count.value, seed.value),
        [reference_base, mix.target, count.value, seed.value])

    def touched() -> None:
        changed_at.current = time.perf_counter()

    def load(scenario: Scenario, name: str) -> None:
        touched()
        set_base(scenario)
        source_name.set(name)
        changes.set({})
        drafts.set({})
        errors.set({})
        seed.set(scenario.seed)

    def refuse(field: str, text: str, message: str) -> None:
        drafts.set({**drafts.value, field: text})
        errors.set({**errors.value, field: message})

    def accept(field: str) -> None:
        drafts.set({k: v for k, v in drafts.value.items() if k != field})
        errors.set({k: v for k, v in errors.value.items() if k != field})

    def set_lever(name: str, text: str) -> None:
        try:
            new = lever_change(base, changes.value, name, text)
        except ScenarioError as error:
            refuse(name, text, error_text(error))
            return
        accept(name)
        if new != changes.value:
            touched()
            changes.set(new)

    def set_change(field: str, key: str, value: Any, text: str) -> None:
        try:
            base.with_changes({**changes.value, key: value})
        except ScenarioError as error:
            refuse(field, text, error_text(error))
            return
        accept(field)
        touched()
        changes.set({**changes.value, key: value})

    def set_whole(field: str, text: str, target: solara.Reactive, most: int | None = None) -> None:
        """A whole-number run setting (replications, seed), checked as the scenario field of that name."""
        try:
            value = int(text.strip())
        except ValueError:
            value = text.strip()
        try:
            base.with_changes({field: value})
        except ScenarioError as error:
            refuse(field, text, error_text(error))
            return
        if most is not None and value > most:
            refuse(field, text, f"{field}: at most {most} on this page; 'ecosim run --replications {value}' "
                                f"runs more")
            return
        accept(field)
        if value != target.value:
            touched()
            target.set(value)

    def on_upload(name: str, data: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / Path(name).name
            path.write_bytes(data)
            try:
                scenario = load_scenario(path, region=region)
            except ScenarioError as error:
                upload_note.set(("upload_error", {"message": str(ScenarioError(name, error.field, error.message))}))
                return
        upload_note.set(("loaded_file", {"name": name}))
        load(scenario, name)

    view = solara.use_memo(lambda: (forecast_key(run_mix, run_mix.replications, run_mix.seed),
                                    forecast_key(run_reference, run_mix.replications, run_mix.seed), lang.value),
                           [run_mix, run_reference, lang.value])

    def outcome(mix_result: Forecast, reference_result: Forecast) -> Outcome | None:
        """The answer for these forecasts of the mix and the reference, or None when a newer change made it moot."""
        worded = answer(mix_result, reference_result, lang.value)
        chart = fan_png(mix_result, lang.value)
        if not task.is_current():
            return None
        return Outcome(next(answers), worded, cost_header(reference_result, lang.value), chart, mix_result,
                       time.perf_counter() - changed_at.current, view, run_mix.replications)

    def compute() -> Iterator[Outcome]:
        """The answer for the page's mix and reference: first, on a large run, a preliminary one from its
        first replications (:func:`preliminary_count`), then the full one. A task's generator: Solara
        publishes each answer yielded as the task's value while the task still runs."""
        runs, root = run_mix.replications, run_mix.seed
        mix_key, reference_key = view[:2]
        with cache_lock:
            cached = {key: cache[key] for key in (mix_key, reference_key) if key in cache}
        missing = {key: s for key, s in ((mix_key, run_mix), (reference_key, run_reference)) if key not in cached}
        early = preliminary_count(runs)

        def progress(done: int) -> None:
            task.progress = 100.0 * done / (runs * len(missing))

        ran: dict[str, Forecast] = {}
        if missing:
            for forecasts in shared_pool().forecasts(list(missing.values()), runs, root, early, task.is_current,
                                                     progress):
                ran = dict(zip(missing, forecasts))
                if forecasts[0].replications < runs:
                    mix_part, reference_part = (ran[key] if key in ran else first_replications(cached[key], early)
                                                for key in (mix_key, reference_key))
                    shown_early = outcome(mix_part, reference_part)
                    if shown_early is not None:
                        yield shown_early
            if not ran or forecasts[0].replications < runs:
                return
        with cache_lock:
            cache.update(ran)
            cache.update(cached)
            remember(cache, (mix_key, reference_key))
        mix_result, reference_result = ({**cached, **ran}[key] for key in (mix_key, reference_key))
        full = outcome(mix_result, reference_result)
        if full is not None:
            yield full

    task = use_task(compute, dependencies=[run_mix, run_reference, lang.value], raise_error=False)
    candidate = task.value if task.value is not None else (task.latest if task.finished else None)
    if candidate is not None and candidate.view == view:
        shown.current = candidate
    final = shown.current is not None and shown.current.view == view and not shown.current.preliminary

    def set_lang(code: str) -> None:
        touched()
        lang.set(code)

    solara.Title("ecosim: what if?")
    with solara.Column(style={"padding": "8px 16px"}):
        with solara.Row(justify="space-between", style={"align-items": "center"}):
            solara.HTML("h2", unsafe_innerHTML=html.escape(page_text(lang.value, "title",
                                                                     region=base.region.name(lang.value))),
                        classes=["page-title"])
            with solara.ToggleButtonsSingle(value=lang.value, on_value=set_lang, classes=["language"]):
                for code in LANGS:
                    solara.Button(LANGUAGE_NAMES[code], value=code, classes=[f"language-{code}"], text=True)
        with solara.Row(style={"align-items": "flex-start"}):
            with solara.Column(style={"flex": "5", "min-width": "0"}):
                ScenarioCard(lang.value, source_name.value, upload_note.value, region, load, on_upload)
                TargetCard(lang.value, base, mix, drafts.value, errors.value, set_change).key(
                    f"target-{id(base)}")
                RunCard(lang.value, count, seed, reference_kind, drafts.value, errors.value, set_whole, touched)
                for group, names in LEVER_GROUPS.items():
                    with solara.Card(page_text(lang.value, f"group_{group}"), classes=[f"group-{group}"]):
                        for name in names:
                            LeverInput(name, lang.value, mix, drafts.value.get(name), errors.value.get(name),
                                       set_lever)
                ExportCard(lang.value, shown.current if final and not task.pending else None, mix)
            with solara.Column(style={"flex": "7", "min-width": "0", "position": "sticky", "top": "0px",
                                      "max-height": "100vh", "overflow-y": "auto"}):
                AnswerPanel(lang.value, task, shown.current, count.value, view)


@solara.component
def ScenarioCard(lang: str, source_name: str, upload_note: tuple[str, dict], region: str | None,
                 load: Callable[[Scenario, str], None], on_upload: Callable[[str, bytes], None]):
    """The scenario: a built-in one, or a TOML file checked as ``ecosim run`` checks it."""
    with solara.Card(page_text(lang, "scenario"), classes=["scenario-card"]):
        solara.Select(page_text(lang, "scenario"), values=list(BUILTIN_SCENARIOS),
                      value=source_name if source_name in BUILTIN_SCENARIOS else None,
                      on_value=lambda name: name and load(load_scenario(name, region=region), name))
        solara.Text(page_text(lang, "upload"))
        with solara.Div(classes=["scenario-upload"]):
            ScenarioUpload(on_upload)
        key, values = upload_note
        if key == "upload_error":
            solara.Error(page_text(lang, key, **values), classes=["upload-error"])
        elif key:
            solara.Info(page_text(lang, key, **values), classes=["upload-note"], dense=True)


@solara.component
def TargetCard(lang: str, base: Scenario, mix: Scenario, drafts: dict, errors: dict,
               set_change: Callable[[str, str, Any, str], None]):
    """The target: its year, and the national average or a fixed value."""
    years = [int(y) for y in base.years if y > base.base_year]
    national = mix.target.value == NATIONAL_AVERAGE
    fixed_wanted = solara.use_reactive(not national)

    def set_value(text: str) -> None:
        try:
            value = float(text.strip().rstrip("%"))
        except ValueError:
            value = text.strip()
        set_change("target.value", "target.value", value, text)

    def choose(kind: str) -> None:
        fixed_wanted.set(kind == "value")
        if kind == NATIONAL_AVERAGE:
            set_change("target.value", "target.value", NATIONAL_AVERAGE, NATIONAL_AVERAGE)

    with solara.Card(page_text(lang, "target"), classes=["target-card"]):
        solara.Select(page_text(lang, "target_year"), values=years, value=mix.target.year,
                      on_value=lambda y: set_change("target.year", "target.year", int(y), str(y)))
        with solara.ToggleButtonsSingle(value="value" if fixed_wanted.value else NATIONAL_AVERAGE, on_value=choose):
            solara.Button(page_text(lang, "national_average", benchmark=benchmark_label(lang, base.region)),
                          value=NATIONAL_AVERAGE, text=True)
            solara.Button(page_text(lang, "fixed_value"), value="value", text=True)
        if fixed_wanted.value:
            shown = drafts.get("target.value", "" if national else f"{mix.target.value:g}")
            TextField(page_text(lang, "target_value"), shown, set_value, error=errors.get("target.value", ""),
                      classes=["target-value"])


@solara.component
def RunCard(lang: str, count: solara.Reactive, seed: solara.Reactive, reference_kind: solara.Reactive, drafts: dict,
            errors: dict, set_whole: Callable[..., None], touched: Callable[[], None]):
    """Replications, root seed and the reference the mix is compared with."""
    def set_reference(kind: str) -> None:
        touched()
        reference_kind.set(kind)

    with solara.Card(classes=["run-card"]):
        with solara.Row():
            TextField(page_text(lang, "replications"), drafts.get("replications", str(count.value)),
                      lambda text: set_whole("replications", text, count, MAX_REPLICATIONS),
                      error=errors.get("replications", ""), classes=["replications"])
            TextField(page_text(lang, "seed"), drafts.get("seed", str(seed.value)),
                      lambda text: set_whole("seed", text, seed), error=errors.get("seed", ""), classes=["seed"])
        solara.Text(page_text(lang, "reference"))
        with solara.ToggleButtonsSingle(value=reference_kind.value, on_value=set_reference, classes=["reference"]):
            solara.Button(page_text(lang, "reference_loaded"), value="loaded", text=True)
            solara.Button(page_text(lang, "reference_baseline"), value="baseline", text=True)


@solara.component
def AnswerPanel(lang: str, task, outcome: Outcome | None, count: int, view: tuple[str, str, str]):
    """The answer: progress while the runs go on, then P(target met), the target-year band, the first year
    met, the gap, the difference from the reference, the fan chart, the cost by kind and the levers changed.
    On a large run a preliminary answer from the first replications is shown, labelled so, while the rest
    run; the previous answer stays, dimmed, until the new one is drawn. Each worded line carries its answer's
    number (class ``of-answer-N``): the browser redraws the lines one by one, and a reader can tell which
    are already the new answer's."""
    refining = task.pending and outcome is not None and outcome.preliminary and outcome.view == view
    with solara.Card(page_text(lang, "answer"), classes=["answer-card"]):
        solara.ProgressLinear((task.progress or True) if task.pending else False, classes=["run-progress"])
        if task.error:
            solara.Error(page_text(lang, "run_error", message=str(task.exception)), classes=["run-error"])
        if task.pending and not refining:
            solara.Text(page_text(lang, "computing", n=count), classes=["answer-running"])
        elif outcome is not None:
            status_line(lang, outcome)
        if outcome is None:
            return
        worded = outcome.answer
        dimmed = task.pending and not refining
        with solara.Column(gap="6px", style={"opacity": "0.45" if dimmed else "1"}, classes=["answer"]):
            for key in ("probability", "median", "first_year", "gap", "difference"):
                solara.Text(getattr(worded, key), classes=[f"answer-{key.replace('_', '-')}",
                                                           f"of-answer-{outcome.number}"])
            solara.Image(outcome.chart_png, width="100%", classes=["fan-chart"])
            solara.Text(worded.cost_title, style={"font-weight": "bold"})
            solara.HTML("table", unsafe_innerHTML=table_html(outcome.cost_header, worded.cost_rows),
                        classes=["answer-costs"], style="border-collapse: collapse; width: 100%")
            solara.Text(worded.changed_title, style={"font-weight": "bold"})
            solara.HTML("ul", unsafe_innerHTML="".join(f"<li>{html.escape(line)}</li>" for line in worded.changed),
                        classes=["answer-changed"])


def status_line(lang: str, outcome: Outcome) -> None:
    """The answer's status: its number, replications, seed and how long after the change it was drawn; a
    preliminary answer says how many of the replications it is drawn from (class ``answer-preliminary``,
    a full one ``answer-final``)."""
    common = dict(number=outcome.number, seed=outcome.mix.seed, seconds=outcome.seconds)
    if outcome.preliminary:
        solara.Text(page_text(lang, "status_preliminary", k=outcome.mix.replications, n=outcome.total, **common),
                    classes=["answer-status", "answer-preliminary"], style={"font-style": "italic"})
    else:
        solara.Text(page_text(lang, "status", n=outcome.mix.replications, **common),
                    classes=["answer-status", "answer-final"])


def table_html(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> str:
    """The rows of a small table as HTML (text escaped), numbers right-aligned."""
    def row(cells: tuple[str, ...], tag: str) -> str:
        return "<tr>" + "".join(f'<{tag} style="text-align:{"left" if i == 0 else "right"};padding:2px 6px">'
                                f"{html.escape(cell)}</{tag}>" for i, cell in enumerate(cells)) + "</tr>"

    return row(header, "th") + "".join(row(cells, "td") for cells in rows)


@solara.component
def ExportCard(lang: str, outcome: Outcome | None, mix: Scenario):
    """The mix of the answer shown as a scenario file ``ecosim run`` accepts, and its run as a run folder;
    offered only for a full answer of the page's mix (``outcome``, None while runs go on), never a
    preliminary one."""
    folder = solara.use_reactive("")
    replace = solara.use_reactive(False)
    note = solara.use_reactive(("", {}))
    out = Path(folder.value or f"out/{mix.name}")

    def save() -> None:
        try:
            written = save_run(outcome.mix, out, replace.value)
        except (ScenarioError, OSError, ValueError) as error:
            note.set(("save_error", {"message": str(error)}))
            return
        note.set(("saved", {"files": ", ".join(p.name for p in written), "folder": str(out.resolve())}))

    saving = use_task(save, dependencies=None)
    with solara.Card(page_text(lang, "export"), classes=["export-card"]), solara.Column(gap="16px"):
        if outcome is not None:
            ran = outcome.mix.scenario
            solara.FileDownload(scenario_toml(ran), filename=scenario_file_name(ran),
                                label=page_text(lang, "download_toml"), mime_type="application/toml")
        else:
            solara.Button(page_text(lang, "download_toml"), icon_name="mdi-cloud-download-outline", disabled=True,
                          classes=["download-toml"])
        TextField(page_text(lang, "out_folder"), str(out), folder.set, classes=["out-folder"])
        solara.Checkbox(label=page_text(lang, "replace"), value=replace)
        solara.Button(page_text(lang, "save_run"), on_click=saving, disabled=outcome is None or saving.pending,
                      classes=["save-run"])
        key, values = note.value
        if key:
            (solara.Error if key == "save_error" else solara.Info)(page_text(lang, key, **values),
                                                                  classes=["save-note"])
