# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 13 point 4: a first clone costs what `git clone` costs.

One git process per new repository (HEAD is read from the files git just
wrote, rev-parse only where those files are not plain), three git requests
per repository counted at the forge, and the folder that holds an owner's
clones is looked at once per run, not once per repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bulk_clone_engine.gitrunner import GitRunner
from bulk_clone_engine.outcome import Outcome
from bulk_clone_engine.strategies import SyncOptions
from bulk_clone_engine.sync import LeftoverSweeper, fresh_clone_head, sync_repo

from tests.helpers_git import Upstream, git
from bulk_clone_support import by_path, head_of, run  # noqa: E402


class CountingRunner(GitRunner):
    """A real GitRunner that remembers the subcommand of every git process it starts."""

    def __init__(self) -> None:
        super().__init__(timeout=120, tries=2, backoff_base=0.01, backoff_max=0.02)
        self.commands = []

    def run_once(self, args, cwd=None, env=None, on_progress=None):
        self.commands.append(str(args[0]))
        return super().run_once(args, cwd, env, on_progress)


# Every test runs git with a configuration of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("git_home")


@pytest.mark.parametrize("strategy", ["pull", "mirror"])
def test_a_new_clone_is_one_git_process(tmp_path, strategy):
    up = Upstream(tmp_path, "r", commits=2)
    runner = CountingRunner()
    res = sync_repo(runner, tmp_path / "dest" / "acme" / "r", up.url, "main", SyncOptions(strategy=strategy),
                    temp_dir=tmp_path / "dest" / ".tmp", sweeper=LeftoverSweeper())
    assert (res.outcome, res.head) == (Outcome.CLONED, up.head())
    assert runner.commands == ["clone"]


def test_an_empty_repository_is_one_git_process_too(tmp_path):
    up = Upstream(tmp_path, "empty", commits=0)
    runner = CountingRunner()
    res = sync_repo(runner, tmp_path / "dest" / "r", up.url, "main", SyncOptions(strategy="pull"))
    assert (res.outcome, res.head) == (Outcome.CLONED, None)
    assert runner.commands == ["clone"]


def test_head_read_from_files_agrees_with_git(tmp_path):
    """Loose ref, packed ref, detached HEAD, bare: the files say what rev-parse says;
    a ref backend we do not read (reftable) is asked of git."""
    up = Upstream(tmp_path, "r", commits=2)
    git("tag", "v1", up.head(), cwd=up.bare)
    runner = CountingRunner()
    cases = {"loose": ["clone", "-q"], "detached": ["clone", "-q", "--branch", "v1"], "bare": ["clone", "-q", "--mirror"]}
    for name, args in cases.items():
        git(*args, up.url, tmp_path / name)
    git("clone", "-q", up.url, tmp_path / "packed")
    git("pack-refs", "--all", cwd=tmp_path / "packed")
    for name in ("loose", "detached", "bare", "packed"):
        bare = name == "bare"
        expected = git("rev-parse", "HEAD", cwd=tmp_path / name)
        assert fresh_clone_head(runner, tmp_path / name, bare) == expected, name
    assert not (tmp_path / "packed" / ".git" / "refs" / "heads" / "main").exists()
    assert runner.commands == []
    (tmp_path / "loose" / ".git" / "reftable").mkdir()
    assert fresh_clone_head(runner, tmp_path / "loose", False) == up.head()
    assert runner.commands == ["rev-parse"]


def test_leftovers_of_older_versions_are_swept_once_per_parent(tmp_path):
    """Temps a killed older version left next to any target of the folder go at
    the first new clone there; the folder is not scanned again in this run."""
    up = Upstream(tmp_path, "r", commits=1)
    parent = tmp_path / "dest" / "acme"
    leftovers = [parent / ".a.bulk-clone-tmp-0123", parent / ".b.bulk-clone-tmp-4567"]
    for path in leftovers:
        path.mkdir(parents=True)
    keep = parent / "not-a-temp"
    keep.mkdir()
    sweeper = LeftoverSweeper()
    res = sync_repo(CountingRunner(), parent / "r", up.url, "main", SyncOptions(strategy="pull"),
                    temp_dir=tmp_path / "dest" / ".tmp", sweeper=sweeper)
    assert res.outcome == Outcome.CLONED
    assert [p for p in leftovers if p.exists()] == [] and keep.is_dir()
    late = parent / ".c.bulk-clone-tmp-89ab"
    late.mkdir()
    sweeper.sweep(parent / "other")
    assert late.is_dir()                          # once per parent and run
    sweeper.sweep(Path(tmp_path / "dest" / "elsewhere" / "x"))   # a parent that does not exist: nothing to do


def test_first_clone_makes_three_git_requests_per_repository(fresh_forge, tmp_path):
    """info/refs, then upload-pack twice (ref listing, pack): what `git clone`
    over protocol v2 needs, nothing more; an empty repository needs fewer."""
    forge = fresh_forge(["github:cost:6"])
    result = run(forge, tmp_path / "src", owners=("cost",), return_repos="all")
    repos = {r["full_path"]: r for r in forge.repos("github", "cost") if not r["disabled"]}
    assert result["counts"]["cloned"] == len(repos) and not result["failures"]
    by_repo = forge.git_requests_by_repo("github")
    for full_path, info in repos.items():
        counts = by_repo.get(full_path, {})
        assert counts.get("info-refs") == 1, (full_path, counts)
        assert counts.get("info-refs", 0) + counts.get("upload-pack", 0) == (2 if info["empty"] else 3), (full_path, counts)
        assert by_path(result)[full_path]["head"] == head_of(tmp_path / "src" / full_path)
