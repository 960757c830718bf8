"""Every documented command runs as printed.

The ``ecosim`` commands of README.md's fenced ``bash`` blocks and the examples of every ``--help``
(the top-level one and each subcommand's) are run, in the order they are printed, with the venv's
``ecosim`` in a fresh working folder that holds copies of the repository's ``scenarios/`` and
``experiments/`` (the README assumes the repository root as the working folder). The only changes
to a printed command are a small replication count and a tiny size for the heavy commands
(:func:`adapt`, each change stated). Each command must exit 0 (or the code given for it in
:data:`EXPECTED_EXIT`), every file it says it wrote (``wrote ...``) and its ``--out`` must exist,
and later commands read what earlier ones wrote (``report out/baseline out/go`` after the two
runs), so a broken chain fails too. A failure names the command, where it is printed, and its stderr.

Sessions, each in its own folder (two run at a time):

* README, each ``bash`` block with ``ecosim`` commands on its own ("Using it", "Using newer
  statistics");
* the subcommands' ``--help`` examples, after the README's "Using it" block in its folder: they
  read its ``out/baseline`` and ``out/go`` as a reader who followed the README has them;
* the top-level ``ecosim --help`` examples, in order; one identical to a subcommand's own example,
  whose ``--out`` no later example reads, is run once, with the subcommand's.

Also here: every "docs/evidence.md section N" citation in the repository names a section of
docs/evidence.md, and nothing still points at the EVIDENCE.md outside the repository.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ECOSIM = Path(sys.executable).parent / "ecosim"
REPLICATIONS = 8
"""Replications given to every command that takes ``--replications`` (printed counts are 50-500)."""
TIMEOUT = 300
"""Seconds one command may take before the test gives up on it."""
README_BIN = ".venv/bin/ecosim"

TINY_CALIBRATION = """\
# The smallest calibration the config allows (tests only): ecosim calibrate's size is its config file.
name = "documented-commands-tiny"
scenario = "baseline"
seed = 3
draws = 8
replications = 1
accept = 0.5
workers = 1
error_replications = 20

[parameters]
rd_adjustment_speed = {}
"""

EXPECTED_EXIT = {
    ("backtest", "--origin 2020"): (
        2, "--origin",
        "the README runs it after appending the years after 2020 to my-region; the project ships no Shanxi "
        "outcome after 2020 and this test invents none, so on the unextended copy 2020 is the last recorded "
        "year and the command must refuse it with exit 2, naming --origin"),
}
"""Printed commands that must exit with another code than 0, by (subcommand, words they contain):
(code, a text its stderr must hold, why)."""

HEAVY = {
    "calibrate": "calibrate: the tiny calibration config (8 draws, 1 seed) in place of the printed one",
    "backtest": "backtest --origin: recalibrates with the tiny calibration config (--calibration)",
    "sensitivity": "sensitivity: --dry-run (prints the runs and the expected time, runs nothing)",
    "optimize": "optimize: a differential-evolution search over the levers: about a minute of CPU even with "
                "--maxiter 1 and 8 replications",
    "batch": "batch: the experiment file's whole design; the command has no option to make it smaller",
}
"""What the test does to a heavy command: a tiny size through options it has, --dry-run, or why skipped."""
SKIPPED_SUBCOMMANDS = ("optimize", "batch")

HELP_COLLECTOR = r"""
import contextlib, io, json, re, sys
from ecosim.cli import main

def help_of(path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main([*path, "--help"])
        except SystemExit:
            pass
    return out.getvalue()

texts, todo = {}, [[]]
while todo:
    path = todo.pop(0)
    text = help_of(path)
    texts[" ".join(path)] = text
    choices = re.search(r"^\s*\{([a-z][a-z0-9,-]*)\}", text, re.MULTILINE)
    if choices:
        todo.extend([*path, name] for name in choices.group(1).split(","))
json.dump(texts, sys.stdout)
"""
"""Prints every ``ecosim ... --help`` text (the top level, each subcommand, each verb of one with verbs),
as the ``ecosim`` entry point prints it, in one process: one process per help would take a minute."""


@dataclass
class Command:
    """A printed ``ecosim`` command: where it is printed, its words, and what the test runs instead."""

    source: str
    printed: str
    words: list[str]
    argv: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    skip: str = ""
    expected_exit: int = 0
    expected_stderr: str = ""

    @property
    def sub(self) -> str:
        return self.words[1] if len(self.words) > 1 else ""

    def out(self) -> str | None:
        return self.words[self.words.index("--out") + 1] if "--out" in self.words[:-1] else None


@dataclass
class Outcome:
    command: Command
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


# --- extraction ---------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"^\[?[A-Z][A-Z0-9_]*(\.[a-z]+)?\]?$|\.\.\.")


def readme_blocks(text: str) -> list[tuple[str, list[Command]]]:
    """The ``ecosim`` commands of each fenced ``bash`` block, named by the heading it is under; a line
    running something else (an installer, a benchmark) is no ``ecosim`` command and is left out."""
    blocks, heading, block, start = [], "README (top)", None, 0
    for number, line in enumerate(text.splitlines(), 1):
        if block is None and line.startswith("## "):
            heading = "README: " + line[3:].strip()
        if line.strip().startswith("```"):
            if block is None and line.strip() == "```bash":
                block, start = [], number
            elif block is not None:
                commands = [c for c in block if c.words[0] in (README_BIN, "ecosim")]
                if commands:
                    blocks.append((f"{heading} (block at line {start})", commands))
                block = None
            continue
        if block is not None and line.strip() and not line.strip().startswith("#"):
            words = shlex.split(line, comments=True)
            if words:
                block.append(Command(f"README.md line {number}", line.split("#")[0].strip(), words))
    return blocks


def help_examples(texts: dict[str, str]) -> dict[str, list[Command]]:
    """The example lines of each ``--help`` text: a line that, after an ``example:``/``examples:``
    label or a ``$`` prompt, starts with ``ecosim ``; what follows two spaces or a final
    parenthesis is its description."""
    found = {}
    for path, text in texts.items():
        commands = []
        for line in text.splitlines():
            body = re.sub(r"^\s*(examples?:\s*|\$\s*)?", "", line)
            if not body.startswith("ecosim "):
                continue
            body = re.split(r"\s{2,}", body)[0]
            body = re.sub(r"\s+\([^()]*\)$", "", body).strip()
            commands.append(Command(f"`ecosim {path} --help`".replace("ecosim  ", "ecosim "), body,
                                    shlex.split(body)))
        if commands:
            found[path] = commands
    return found


# --- what the test runs -------------------------------------------------------------------------

def accepts(texts: dict[str, str], words: list[str], option: str) -> bool:
    """Whether the subcommand of ``words`` takes ``option`` (read from its own --help)."""
    for depth in (3, 2):
        key = " ".join(words[1:depth])
        if key in texts:
            return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", texts[key]) is not None
    return False


def adapt(command: Command, texts: dict[str, str], tiny: Path) -> Command:
    """Set ``command.argv`` (the venv's ``ecosim``, a small replication count, a tiny size for heavy
    commands) or ``command.skip``, and the exit code it must give."""
    words = list(command.words)
    if any(PLACEHOLDER.search(w) for w in words[1:]):
        command.skip = "a placeholder, not a runnable example"
        return command
    if any(w in ("|", "&&", ";", ">", "<") for w in words):
        raise AssertionError(f"{command.source}: {command.printed!r}: shell syntax; this test runs plain commands")
    words[0] = str(ECOSIM)
    if command.sub in SKIPPED_SUBCOMMANDS:
        command.skip = HEAVY[command.sub]
        return command
    if accepts(texts, words, "--replications") and (command.sub != "plot" or "contribution" in words):
        if "--replications" in words[:-1]:
            at = words.index("--replications") + 1
            if words[at] != str(REPLICATIONS):
                command.changes.append(f"--replications {words[at]} -> {REPLICATIONS}")
                words[at] = str(REPLICATIONS)
        else:
            words += ["--replications", str(REPLICATIONS)]
            command.changes.append(f"+ --replications {REPLICATIONS}")
    if command.sub == "calibrate":
        configs = [i for i, w in enumerate(words[2:], 2) if w.endswith(".toml")]
        if configs:
            words[configs[0]] = str(tiny)
        else:
            words.insert(2, str(tiny))
        command.changes.append(HEAVY["calibrate"])
    if command.sub == "backtest" and "--origin" in words and "--calibration" not in words:
        words += ["--calibration", str(tiny)]
        command.changes.append(HEAVY["backtest"])
    if command.sub == "sensitivity" and "--dry-run" not in words:
        words.append("--dry-run")
        command.changes.append(HEAVY["sensitivity"])
    for (sub, contains), (code, stderr, why) in EXPECTED_EXIT.items():
        if command.sub == sub and f" {contains} " in f" {' '.join(command.words)} ":
            command.expected_exit, command.expected_stderr = code, stderr
            command.changes.append(f"must exit {code}: {why}")
    command.argv = words
    return command


def clean(text: str, lines: int = 30) -> str:
    """The last lines of a stream, without the progress bars' carriage-return frames."""
    kept = [line.rsplit("\r", 1)[-1] for line in text.splitlines()]
    kept = [line for line in kept if line.strip()]
    return "\n".join(kept[-lines:])


def check(outcome: Outcome, cwd: Path) -> None:
    """Exit code; every ``wrote`` path and the ``--out`` exist."""
    command = outcome.command
    if outcome.returncode != command.expected_exit:
        outcome.problems.append(f"exit code {outcome.returncode}, expected {command.expected_exit}")
        return
    if command.expected_exit != 0:
        if command.expected_stderr not in outcome.stderr:
            outcome.problems.append(f"stderr does not name {command.expected_stderr!r}")
        return
    for line in outcome.stdout.splitlines():
        if line.startswith("wrote "):
            for name in line[len("wrote "):].split(", "):
                if not (cwd / name.strip()).exists():
                    outcome.problems.append(f"says it wrote {name.strip()}, which does not exist")
    out = command.out()
    if out and not ((cwd / out).exists() or list((cwd / out).parent.glob((cwd / out).name + ".*"))):
        outcome.problems.append(f"--out {out}: nothing there")


def run_session(name: str, commands: list[Command], folder: Path) -> list[Outcome]:
    """Run the commands in order in ``folder``; stop at the first that fails (later ones read its output)."""
    folder.mkdir(parents=True)
    for sub in ("scenarios", "experiments"):
        shutil.copytree(ROOT / sub, folder / sub)  # scenarios/ is a link to ecosim/scenarios: copied as files
    env = {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "200"}
    outcomes = []
    for command in commands:
        outcome = Outcome(command)
        outcomes.append(outcome)
        if command.skip:
            continue
        start = time.perf_counter()
        try:
            done = subprocess.run(command.argv, cwd=folder, env=env, capture_output=True, text=True,
                                  timeout=TIMEOUT, stdin=subprocess.DEVNULL)
            outcome.returncode, outcome.stdout, outcome.stderr = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as error:
            stderr = error.stderr.decode(errors="replace") if isinstance(error.stderr, bytes) else error.stderr
            outcome.stderr = f"timed out after {TIMEOUT} s\n{stderr or ''}"
            outcome.problems.append(f"timed out after {TIMEOUT} s")
        outcome.seconds = time.perf_counter() - start
        if not outcome.problems:
            check(outcome, folder)
        if outcome.problems:
            break
    return outcomes


def describe(session: str, outcome: Outcome) -> str:
    command = outcome.command
    return (f"\n[{session}] {command.source}: {command.printed}\n"
            f"  ran: {shlex.join(command.argv)}\n"
            f"  changed: {'; '.join(command.changes) or 'nothing'}\n"
            f"  problem: {'; '.join(outcome.problems)}\n"
            f"  --- stderr ---\n{clean(outcome.stderr)}\n  --- stdout ---\n{clean(outcome.stdout, 12)}")


# --- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def help_texts() -> dict[str, str]:
    done = subprocess.run([sys.executable, "-c", HELP_COLLECTOR], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=TIMEOUT, cwd=ROOT)
    assert done.returncode == 0, f"collecting the --help texts failed:\n{done.stderr}"
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def sessions(help_texts, tmp_path_factory) -> dict[str, list[Command]]:
    """The commands of every session, adapted, in order."""
    base = tmp_path_factory.mktemp("documented")
    tiny = base / "tiny-calibration.toml"
    tiny.write_text(TINY_CALIBRATION)
    readme = readme_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert readme, "no ecosim command found in README.md's bash blocks"
    examples = help_examples(help_texts)
    top = examples.pop("", [])
    subcommand_examples = [c for commands in examples.values() for c in commands]
    result = {}
    for number, (name, commands) in enumerate(readme):
        result[name] = commands + (subcommand_examples if number == 0 else [])
    kept = []
    printed_elsewhere = {c.printed for c in subcommand_examples}
    for i, command in enumerate(top):
        out = command.out()
        later_reads = out is not None and any(out in later.words for later in top[i + 1:])
        if command.printed in printed_elsewhere and out is not None and not later_reads:
            command.skip = "the same as a subcommand's own --help example, run with those"
        kept.append(command)
    result["`ecosim --help` examples"] = kept
    return {name: [adapt(c, help_texts, tiny) for c in commands] for name, commands in result.items()}


@pytest.fixture(scope="module")
def outcomes(sessions, tmp_path_factory) -> dict[str, list[Outcome]]:
    """Every session run, two at a time (the longest first), each in its own folder."""
    base = tmp_path_factory.mktemp("sessions")
    names = sorted(sessions, key=lambda n: -sum(not c.skip for c in sessions[n]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {n: pool.submit(run_session, n, sessions[n], base / f"session-{i}") for i, n in enumerate(names)}
        return {n: futures[n].result() for n in sessions}


# --- tests --------------------------------------------------------------------------------------

def test_the_readme_and_help_examples_are_found(sessions, help_texts):
    """The extraction finds what is printed: both README blocks, and the examples of the --help texts
    that have one (a parser change that hid them would otherwise pass unnoticed)."""
    names = list(sessions)
    assert any("Using it" in n for n in names) and any("newer statistics" in n for n in names), names
    printed = {c.printed.replace(README_BIN, "ecosim") for commands in sessions.values() for c in commands}
    for expected in ("ecosim run", "ecosim report out/baseline out/go --out out/brief", "ecosim data check shanxi",
                     "ecosim calibrate --region my-region --install"):
        assert expected in printed, f"{expected!r} not extracted from README.md"
    with_examples = {path for path, text in help_texts.items() if re.search(r"^\s*(examples?:|\$)", text, re.M)}
    assert {"", "run", "compare", "report", "plot", "data init"} <= with_examples
    found = help_examples(help_texts)
    assert with_examples == set(found), "a --help text has an example line the extraction misses"


@pytest.mark.parametrize("which", ["README: Using it", "README: Using newer statistics", "`ecosim --help` examples"])
def test_documented_commands_run_as_printed(which, sessions, outcomes):
    session = next(n for n in outcomes if n.startswith(which))
    results = outcomes[session]
    failed = [o for o in results if o.problems]
    assert not failed, "documented command failed:" + "".join(describe(session, o) for o in failed)
    ran = [o for o in results if not o.command.skip]
    assert ran, f"{session}: nothing ran"
    assert len(ran) + sum(bool(o.command.skip) for o in results) == len(sessions[session]), \
        f"{session}: stopped before the end"
    summary = "\n".join(f"  {o.seconds:5.1f} s  exit {o.returncode}  {o.command.printed}"
                        + (f"  [{'; '.join(o.command.changes)}]" if o.command.changes else "")
                        for o in ran)
    skipped = "\n".join(f"  skipped  {o.command.printed}  ({o.command.skip})" for o in results if o.command.skip)
    print(f"\n{session}:\n{summary}" + (f"\n{skipped}" if skipped else ""))


def test_chained_outputs_are_there(sessions, outcomes):
    """What later commands read was written by earlier ones: the two runs the report pairs, the bundle
    the calibration installs into and the runs on it read."""
    using = next(n for n in outcomes if n.startswith("README: Using it"))
    by_printed = {o.command.printed.replace(README_BIN, "ecosim"): o for o in outcomes[using]}
    report = by_printed.get("ecosim report out/baseline out/go --out out/brief")
    assert report is not None and report.returncode == 0, "the README's report did not run"
    assert "out/brief.html" in report.stdout and "out/brief.pdf" in report.stdout
    newer = next(n for n in outcomes if n.startswith("README: Using newer statistics"))
    by_printed = {o.command.printed.replace(README_BIN, "ecosim"): o for o in outcomes[newer]}
    calibrate = by_printed.get("ecosim calibrate --region my-region --install")
    assert calibrate is not None and calibrate.returncode == 0 and "installed" in calibrate.stdout
    run = by_printed.get("ecosim run --region my-region")
    assert run is not None and run.returncode == 0 and "calibration: the bundle's own" in run.stdout, \
        run.stdout if run else "no run --region my-region"


SUGGESTION = re.compile(r"(?<![\w/.-])ecosim ([a-z]+(?![\w:-])(?: [^()'\"`\n]*)?)")
"""``ecosim <word> ...`` in a command's output, up to a bracket, a quote or the end of the line."""


def test_commands_the_outputs_suggest_parse(outcomes, help_texts):
    """Commands the documented commands print as a next step (``then run: ecosim data check ...``,
    ``ecosim optimize ... --target-year 2030``) are accepted by the command line as printed: the
    subcommand and every option exist. They are parsed, not run: the README runs the cheap ones
    (data check, calibrate) itself, and optimize is a minute-long search."""
    from ecosim.cli import SUBCOMMANDS, _parser

    parser, suggested, bad = _parser(), {}, []
    for session, results in outcomes.items():
        for outcome in results:
            for line in (outcome.stdout + "\n" + outcome.stderr).splitlines():
                for match in SUGGESTION.finditer(line.rsplit("\r", 1)[-1]):
                    words = shlex.split(match.group(1).strip().rstrip(".,;"))
                    if words and words[0] in SUBCOMMANDS and "--help" not in words:
                        suggested.setdefault(shlex.join(words), f"{session}: {outcome.command.printed}")
    for text, where in suggested.items():
        error = io.StringIO()
        try:
            with contextlib.redirect_stderr(error), contextlib.redirect_stdout(io.StringIO()):
                parser.parse_args(shlex.split(text))
        except SystemExit as exit:
            if exit.code:
                bad.append(f"ecosim {text} (printed by {where}): {error.getvalue().strip()}")
    assert any(t.startswith("optimize ") for t in suggested), sorted(suggested)
    assert not bad, "\n".join(bad)


# --- docs/evidence.md ---------------------------------------------------------------------------

CITED = ("README.md", "docs", "ecosim", "benchmarks", "tests", "notebooks", "scenarios", "experiments", "scripts")
EVIDENCE = ROOT / "docs" / "evidence.md"


def _cited_files():
    for name in CITED:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            if file.suffix in (".py", ".md", ".csv", ".toml", ".ipynb", ".json", ".txt", "") and \
                    "__pycache__" not in file.parts:
                yield file


def test_every_evidence_citation_names_a_section_that_exists():
    sections = set(re.findall(r"^## (\d+)\. ", EVIDENCE.read_text(encoding="utf-8"), re.MULTILINE))
    assert sections == {"1", "2", "3", "4", "5"}
    cited, stale = [], []
    for file in _cited_files():
        text = file.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            for match in re.finditer(r"docs/evidence\.md,? sections? (\d+)", line):
                cited.append((file, number, match.group(1)))
            if "EVIDENCE.md" in line and file != Path(__file__).resolve() and \
                    not (file == EVIDENCE and "shared/data/reference/EVIDENCE.md" in line):
                stale.append(f"{file.relative_to(ROOT)}:{number}")
    assert not stale, f"cite docs/evidence.md, not EVIDENCE.md: {stale}"
    missing = [f"{f.relative_to(ROOT)}:{n} cites section {s}" for f, n, s in cited if s not in sections]
    assert cited and not missing, missing


def test_evidence_holds_no_shanxi_figure_after_2020():
    """The project holds no Shanxi outcome after 2020: no line of docs/evidence.md that names Shanxi
    names a later year."""
    later = [line for line in EVIDENCE.read_text(encoding="utf-8").splitlines()
             if "Shanxi" in line and any(int(y) > 2020 for y in re.findall(r"\b(20\d\d)\b", line))]
    assert not later, later
