# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make faults` (bench/faults.py) end to end at toy size, so that the matrix
cannot rot between its real runs: two of its scenarios through main(), and a
scenario that does the damage itself, to show that every count of a row, its
verdict and the exit status follow what happened on disk, in argv and at a
stranger's server, not what the product reported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from bench import fault_checks as checks
from bench import faults
from bench.fault_lab import TOKEN
from bench.fault_scenarios import Scenario, baseline

# Not beside other tests (make test runs the rest in parallel): its token checks read the argv of every process on the machine.
pytestmark = pytest.mark.serial


@pytest.fixture
def restore_environ():
    """The matrix sets a hermetic HOME and git config in os.environ (every
    door inherits it); the tests around this one must not."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_two_scenarios_through_main_are_all_zero(tmp_path, capsys, restore_environ):
    results = tmp_path / "faults.json"
    code = faults.main(["--only", "token-control,prune-gone", "--results", str(results)])
    printed = capsys.readouterr().out
    data = json.loads(results.read_text())
    assert code == 0, printed
    assert [r["name"] for r in data["rows"]] == ["token-control", "prune-gone"]
    for row in data["rows"]:
        assert (row["lost"], row["corrupted"], row["overwritten"], row["leaked"]) == (0, 0, 0, 0)
        assert row["held"] is True and row["runs"] == 3
    assert "| fault | door | runs | repos lost |" in printed
    assert "| prune of confirmed-gone repos | job API | 3 | 0 | 0 | 0 | 0 | yes: " in printed
    assert TOKEN not in printed and TOKEN not in results.read_text()


def vandal(lab, ex):
    """Everything the matrix must catch, done by hand after a clean first run."""
    baseline(lab)
    clones = sorted(checks.clones(lab.dest))
    seeded = sorted(lab.expect.seeded)
    # lost: a clone that had to be kept (its repo is gone upstream, so no run brings it back)
    victim = next(p for p in clones if p not in seeded)
    lab.expect.keep[victim] = checks.clones(lab.dest)[victim]
    lab.forge.delete_repos("github", [victim])
    shutil.rmtree(lab.dest / victim)
    # corrupted: a folder at a repository's place that is no repository (the temp
    # clone is swept by the final run, as the product promises, so it does not count)
    (lab.dest / "acme" / "half-written").mkdir()
    (lab.dest / ".bulk-clone-tmp" / ".x.bulk-clone-tmp-0123").mkdir(parents=True)
    # overwritten: a seeded clone reset and cleaned
    subprocess.run(["git", "-C", str(lab.dest / seeded[0]), "checkout", "-q", "--", "."], check=True)
    # leaked: a file, an argv, a text and a request to a stranger
    (lab.dest / "notes.txt").write_text("token=%s\n" % TOKEN)
    subprocess.run([sys.executable, "-c", "import time; time.sleep(0.3)", TOKEN], check=True)
    lab.keep("a door's output", "Authorization: token " + TOKEN)
    import urllib.request
    request = urllib.request.Request(lab.capture.url + "/x", headers={"Authorization": "Bearer " + TOKEN})
    try:
        urllib.request.urlopen(request, timeout=10)
    except Exception:   # the capture server answers 401: the request is what counts
        pass
    time.sleep(0.05)
    ex.that(False, "the vandal broke it")
    return "unreachable"


def test_every_count_and_the_verdict_follow_the_damage(tmp_path, restore_environ):
    from bench.fault_lab import hermetic_home
    home = tmp_path / "home"
    hermetic_home(home)
    row = faults.run_scenario(Scenario("vandal", "a vandal", "by hand", ["github:acme:6"], vandal), tmp_path, home)
    assert row.held is False and row.why == "the vandal broke it"
    assert row.lost == 1 and row.details["lost"][0].endswith("a clone to keep is gone")
    assert row.corrupted == 1 and "half-written" in row.details["corrupted"][0]
    assert row.overwritten == 1 and row.details["overwritten"][0].endswith("the uncommitted change is gone")
    kinds = sorted(item.split(" ")[0] for item in row.details["leaked"])
    assert kinds == ["a", "argv", "file", "request"], row.details["leaked"]
    assert not row.ok
    assert faults.table([row]).splitlines()[2].startswith("| a vandal | by hand | 2 | 1 | 1 | 1 | 4 | no: ")
