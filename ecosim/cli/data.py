"""``ecosim data``: region bundles. ``data init DIR --from NAME`` copies a bundle as a starting point;
``data check DIR`` validates every file and prints what the bundle supports."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from ecosim.data import BUNDLE_FILES, CALIBRATION_FILES, Region, default_region_name, load_region
from ecosim.errors import ScenarioError


def register(sub) -> None:
    """Add ``data init`` and ``data check`` to the ``ecosim`` command's subparsers."""
    data = sub.add_parser("data", help="region bundles: copy one to extend it (init), validate one (check)")
    verbs = data.add_subparsers(dest="verb", required=True)
    init = verbs.add_parser("init", help="copy a region bundle into a new folder, as the start of your own",
                            epilog="example: ecosim data init my-region (a copy of the default region)")
    init.add_argument("folder", type=Path, help="the new bundle folder (must not exist or be empty)")
    init.add_argument("--from", dest="source", default=None, metavar="DIR|NAME",
                      help="the bundle to copy: a built-in name or a folder (default: the default region)")
    init.set_defaults(command=handle_init)
    check = verbs.add_parser("check", help="validate a bundle and print the years it records, the base years "
                                           "it allows, its calibration window and what would be carried forward")
    check.add_argument("folder", help="the bundle folder (or a built-in name)")
    check.set_defaults(command=handle_check)


def handle_init(args: argparse.Namespace) -> int:
    """Copy the bundle's files (its calibration too, so the copy runs as the original until recalibrated)."""
    source = load_region(args.source)
    target: Path = args.folder
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScenarioError(str(target), "(folder)", "already exists and is not empty; give a new folder")
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in (*BUNDLE_FILES, *CALIBRATION_FILES, "SOURCES.md"):
        if (source.root / name).is_file():
            shutil.copyfile(source.root / name, target / name)
            copied.append(name)
    print(f"copied the bundle of {source.name()} ({source.ref}) into {target}: {', '.join(copied)}")
    print(f"next: append rows for newer years to {target / 'history.csv'}, coal_price.csv and "
          f"policy_history.csv, then run: ecosim data check {target}")
    return 0


def handle_check(args: argparse.Namespace) -> int:
    """Validate the bundle (exit 2 naming the file, line and column of the first problem) and describe it."""
    region = load_region(args.folder)
    print(describe(region))
    return 0


def describe(region: Region) -> str:
    """What a checked bundle records and supports, as lines a planner reads."""
    lines = [f"{region.root}: valid region bundle '{region.key}' ({region.name('en')} / {region.name('zh')}), "
             f"benchmark '{region.benchmark}' ({region.benchmark_name('en')})",
             f"  last recorded year: {region.last_year} (the latest with R&D expenditure and GDP or intensity)",
             f"  base years possible: {region.first_base_year} to {region.last_year} "
             f"(--set base_year=YEAR, or base_year = \"latest\")",
             f"  calibration window: {region.first_base_year} to {region.last_year}",
             f"  policy recorded to {region.last_policy_year}; each lever holds its last recorded value after its record"]
    short = [name for name, years in region.lever_history.items() if max(years) < region.last_policy_year]
    if short:
        lines.append(f"  levers recorded to an earlier year (held from then on): {', '.join(short)}")
    calibration = ("its own (calibration.toml)" + (f", STALE: it saw the record up to "
                                                   f"{region.calibration_meta['last_year']}; recalibrate with "
                                                   f"ecosim calibrate --region {region.root} --install"
                                                   if region.calibration_stale else "")
                   if region.has_own_calibration
                   else f"none of its own: runs use the calibration of '{default_region_name()}' "
                        f"(ecosim calibrate --region {region.root} --install)")
    lines.append(f"  calibration: {calibration}")
    lines.append("  recorded years per variable:")
    summary = region.record_summary()
    for row in summary.itertuples(index=False):
        gaps = f"; missing {row.missing_between}" if row.missing_between else ""
        gaps += f"; after the last recorded year, not read: {row.after_last_year}" if row.after_last_year else ""
        lines.append(f"    {row.area:8s} {row.variable:50s} {row.first}-{row.last} ({row.years} years{gaps})")
    base = region.base_record(region.last_year)
    if base.carried:
        lines.append(f"  not recorded for a run from {region.last_year}, so taken from other years:")
        lines += [f"    {field}: from {year} ({how})" for field, year, how in base.carried]
    else:
        lines.append(f"  a run from {region.last_year} needs nothing carried forward")
    return "\n".join(lines)
