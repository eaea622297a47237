# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make faults` (`python -m bench.faults`): the fault matrix of issue 10.

Every fault of the issue, and the older ones (5xx pages, secondary limits,
reset mid-pack, kill -9 at random points x 20), against the local forge
through the door where it matters. After each scenario a final clean run,
then four counts taken from the disk, git, /proc and a stranger's server,
never from the product's own report (fault_checks.py):

    repos lost | repos corrupted | user changes overwritten | tokens leaked

plus whether the behaviour the issue promises for that fault held. One
markdown row per scenario, the same rows in bench/results/faults.json.
Exit status 1 when any count is not zero or any behaviour did not hold.

    python -m bench.faults                  # everything (~5 minutes on 2 cores)
    python -m bench.faults --only sigterm,stall
    python -m bench.faults --list

Layout: fault_lab.py (one scenario's world and its doors), fault_checks.py
(the four counts), fault_scenarios.py (the scenarios), this file (order,
table, JSON).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from . import fault_lab, fault_scenarios

REPO_ROOT = fault_lab.REPO_ROOT
DEFAULT_RESULTS = REPO_ROOT / "bench" / "results" / "faults.json"
COLUMNS = ("fault", "door", "runs", "repos lost", "repos corrupted", "user changes overwritten", "tokens leaked",
           "expected behaviour held", "seconds")
DETAILS_SHOWN = 5


@dataclass
class Row:
    name: str
    fault: str
    door: str
    runs: int = 0
    lost: int = 0
    corrupted: int = 0
    overwritten: int = 0
    leaked: int = 0
    held: Optional[bool] = None         # None: skipped
    why: str = ""
    seconds: float = 0.0
    details: Dict[str, List[str]] = field(default_factory=dict)
    phases: List[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.held is not False and not (self.lost or self.corrupted or self.overwritten or self.leaked)

    def cells(self) -> List[str]:
        held = "skipped: " + self.why if self.held is None else ("yes: " if self.held else "no: ") + self.why
        return [self.fault, self.door, str(self.runs), str(self.lost), str(self.corrupted), str(self.overwritten),
                str(self.leaked), held, "%.0f" % self.seconds]


def run_scenario(scenario: fault_scenarios.Scenario, root: Path, home: Path) -> Row:
    row = Row(scenario.name, scenario.fault, scenario.door)
    began = time.monotonic()
    ex = fault_scenarios.Expect()
    try:
        with fault_lab.Lab(scenario.name, root, scenario.specs, scenario.owners, home=home) as lab:
            try:
                summary = scenario.run(lab, ex)
            except fault_lab.ScenarioError as exc:
                ex.that(False, str(exc))
                summary = ""
            except Exception as exc:   # a crash of the product or of the bench: shown, never hidden
                ex.that(False, "%s: %s" % (exc.__class__.__name__, exc))
                row.details["error"] = traceback.format_exc().splitlines()[-12:]
                summary = ""
            if ex.skipped is None:
                counts = lab.counts()
                # The argv count proves nothing if the poller never saw git at work.
                ex.that(lab.poller is not None and lab.poller.git_commands() > 0,
                        "the argv poller saw no git process (the argv count proves nothing)")
                row.lost, row.corrupted = len(counts.lost), len(counts.corrupted)
                row.overwritten, row.leaked = len(counts.overwritten), len(counts.leaked)
                row.details.update({k: v for k, v in (("lost", counts.lost), ("corrupted", counts.corrupted),
                                                      ("overwritten", counts.overwritten),
                                                      ("leaked", counts.leaked)) if v})
            row.runs = lab.runs
            row.phases = lab.phases
    except Exception as exc:           # the lab itself could not start or stop
        ex.that(False, "%s: %s" % (exc.__class__.__name__, exc))
        row.details["error"] = traceback.format_exc().splitlines()[-12:]
    row.seconds = time.monotonic() - began
    if ex.skipped is not None:
        row.held, row.why = None, ex.skipped
    elif ex.broken:
        row.held, row.why = False, "; ".join(ex.broken)
        row.details["broken"] = list(ex.broken)
    else:
        row.held, row.why = True, summary
    return row


def table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row.cells()) + " |")
    return "\n".join(lines)


def details(rows: Sequence[Row]) -> str:
    out = []
    for row in rows:
        if row.ok:
            continue
        out.append("%s:" % row.name)
        for kind, items in row.details.items():
            for item in items[:DETAILS_SHOWN]:
                out.append("  %s: %s" % (kind, item))
            if len(items) > DETAILS_SHOWN:
                out.append("  %s: ... and %d more" % (kind, len(items) - DETAILS_SHOWN))
    return "\n".join(out)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma list of scenario names (see --list)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--kills", type=int, default=20, help="kill -9 at random points this many times (20)")
    parser.add_argument("--results", default=str(DEFAULT_RESULTS), help="where to write the JSON (%(default)s)")
    parser.add_argument("--workdir", default=None, help="scratch folder (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    return parser.parse_args(argv)


def _machine() -> Dict[str, Any]:
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    try:
        load = round(os.getloadavg()[0], 2)
    except OSError:
        load = None
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "git": git, "load_at_start": load}


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    chosen = fault_scenarios.scenarios(args.kills)
    if args.list:
        for scenario in chosen:
            print("%-22s %s (%s)" % (scenario.name, scenario.fault, scenario.door))
        return 0
    wanted = {n.strip() for n in args.only.split(",") if n.strip()}
    unknown = wanted - {s.name for s in chosen}
    if unknown:
        print("unknown scenario %s; see --list" % ", ".join(sorted(unknown)), file=sys.stderr)
        return 2
    if wanted:
        chosen = [s for s in chosen if s.name in wanted]
    command = " ".join(["python -m bench.faults"] + list(sys.argv[1:] if argv is None else argv))
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bulk-clone-faults-"))
    workdir.mkdir(parents=True, exist_ok=True)
    saved_env, root_logger = dict(os.environ), logging.getLogger()
    saved_level = root_logger.level
    home = workdir / "home"
    fault_lab.hermetic_home(home)
    root_logger.addHandler(fault_lab.LOG_TAP)
    root_logger.setLevel(logging.DEBUG)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    machine = _machine()
    print("bulk_clone fault matrix: %d scenarios; %s; %s CPUs, load %s" % (
        len(chosen), machine["git"], machine["cpus"], machine["load_at_start"]), flush=True)
    began = time.monotonic()
    rows: List[Row] = []
    try:
        for scenario in chosen:
            sys.stderr.write("[faults %6.1fs] %s: %s (%s)\n" % (time.monotonic() - began, scenario.name,
                                                               scenario.fault, scenario.door))
            sys.stderr.flush()
            row = run_scenario(scenario, workdir, home)
            rows.append(row)
            sys.stderr.write("[faults %6.1fs]   %s in %.0f s: %s\n" % (
                time.monotonic() - began, "ok" if row.ok else "NOT OK", row.seconds, row.why))
    finally:
        root_logger.removeHandler(fault_lab.LOG_TAP)
        root_logger.setLevel(saved_level)
        os.environ.clear()
        os.environ.update(saved_env)
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    total = time.monotonic() - began
    ok = all(row.ok for row in rows)
    print()
    print(table(rows))
    print()
    if not ok:
        print(details(rows))
        print()
    print("command: %s (make faults)" % command)
    print("total: %.0f s (%.1f min); %s" % (total, total / 60, "all zero, every behaviour held" if ok else
                                           "NOT all zero or a behaviour did not hold"))
    results = Path(args.results)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps({"command": command, "started": started, "machine": machine,
                                   "total_seconds": round(total, 1), "ok": ok, "columns": list(COLUMNS),
                                   "rows": [dict(asdict(r), ok=r.ok, seconds=round(r.seconds, 1)) for r in rows]},
                                  indent=1) + "\n")
    print("results: %s" % results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
