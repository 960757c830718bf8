"""Do two checkouts print the same numbers? A refactoring must say yes.

Runs the same commands with each checkout first on the path (``PYTHONPATH``), each in a fresh
folder, and compares the content hashes of what they write:

* ``ecosim run baseline`` and ``ecosim run guiding-opinions`` (``years.csv``; ``summary.json``
  without its provenance, which names the time and commit),
* ``ecosim compare baseline guiding-opinions`` (``compare.csv``),
* ``ecosim contribution guiding-opinions`` (``contribution.csv``),
* ``ecosim batch experiments/example-grid.toml`` (the runs and summaries, read in key order),
* ``benchmarks/lever_responses.py`` at 5 firms per agent (the table it writes, its wall time blanked).

Small replication counts keep it to about a minute a checkout. Prints one line per output and one
JSON line last (``{"same": true, "outputs": {...}}``); exits 1 when an output differs.

    git worktree add /tmp/before <commit>
    python benchmarks/same_outputs.py --against /tmp/before
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

COMMANDS = (
    ["-m", "ecosim.cli", "run", "baseline", "--replications", "20", "--seed", "5", "--out", "run"],
    ["-m", "ecosim.cli", "run", "guiding-opinions", "--replications", "20", "--seed", "5", "--out", "go"],
    ["-m", "ecosim.cli", "compare", "baseline", "guiding-opinions", "--replications", "10", "--out", "cmp"],
    ["-m", "ecosim.cli", "contribution", "guiding-opinions", "--replications", "8", "--out", "con"],
    ["-m", "ecosim.cli", "batch", "{root}/experiments/example-grid.toml", "--out", "grid", "--workers", "2"],
    ["{root}/benchmarks/lever_responses.py", "--replications", "10", "--firms-per-agent", "5",
     "--out", "lever-responses.md"],
)
"""The commands, run in a fresh folder (``{root}``: the checkout)."""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


WALL_TIME = re.compile(rb"run time \d+ s\.")
"""The wall time ``lever_responses.py`` writes into its table: the machine's load, not the model's numbers."""


def _content(path: Path) -> bytes:
    """A written output's bytes, with any wall time in it blanked."""
    return WALL_TIME.sub(b"run time - s.", path.read_bytes())


def outputs(root: Path) -> dict[str, str]:
    """The content hash of every compared output of the checkout at ``root``."""
    work = Path(tempfile.mkdtemp(prefix="same-outputs-"))
    env = {**os.environ, "PYTHONPATH": str(root)}
    try:
        for command in COMMANDS:
            argv = [sys.executable, *(part.format(root=root) for part in command)]
            subprocess.run(argv, cwd=work, env=env, check=True, capture_output=True)
        hashes = {f: _sha(_content(work / f)) for f in
                  ("run/years.csv", "go/years.csv", "cmp/compare.csv", "con/contribution.csv", "lever-responses.md")}
        for f in ("run/summary.json", "go/summary.json"):
            summary = json.loads((work / f).read_text(encoding="utf-8"))
            summary.pop("provenance", None)
            hashes[f] = _sha(json.dumps(summary, sort_keys=True).encode("utf-8"))
        for kind, keys in (("runs", ["point", "replication", "year"]), ("summaries", ["point", "replication"])):
            table = pd.read_parquet(work / "grid" / kind).sort_values(keys).reset_index(drop=True)
            hashes[f"grid/{kind}"] = _sha(table.to_csv(index=False).encode("utf-8"))
        return hashes
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", type=Path, required=True, help="another checkout of the project")
    args = parser.parse_args(argv)
    here, there = Path(__file__).resolve().parents[1], args.against.resolve()
    mine, theirs = outputs(here), outputs(there)
    for name in mine:
        print(f"  {name:24s} {'same' if mine[name] == theirs[name] else 'DIFFERENT'} ({mine[name]} / {theirs[name]})")
    same = mine == theirs
    print(json.dumps({"same": same, "outputs": {n: mine[n] == theirs[n] for n in mine}}))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
