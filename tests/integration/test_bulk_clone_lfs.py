# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Git LFS against the local forge's Batch API (tests/forge/lfs.py), with
real git and real git-lfs: by default a clone never contacts the LFS server
and never fails on LFS (pointer files, clean status), even with git-lfs set
up to smudge or configured but missing; lfs: true fetches and checks out the
objects; lfs: true without git-lfs fails before any request, naming the
package, at the engine and at the console."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

from bulk_clone_support import FAST_GIT, git, outcomes, run_values
from bulk_clone_engine.errors import ConfigError
from bulk_clone_engine.job import build_job, run_job

GIT_LFS = shutil.which("git-lfs")
needs_git_lfs = pytest.mark.skipif(GIT_LFS is None, reason="git-lfs is not installed on this machine (Debian/Ubuntu: "
                                                           "apt install git-lfs); the LFS download path needs it")
POINTER = "version https://git-lfs.github.com/spec/v1"
LFS_FILE = "assets/model.bin"


@pytest.fixture
def lforge(fresh_forge, hermetic_git):
    return fresh_forge(["github:acme:4:lfs=2"])


def run(forge, dest: Path, **sync: Any) -> Dict[str, Any]:
    values = dict(FAST_GIT, dest=str(dest), concurrency=2, return_repos="all", strategy="pull", owners=["acme"],
                  provider="github", api_url=forge.github_api, token=forge.token)
    values.update(sync)
    return run_values(values)


def lfs_repos(forge) -> Dict[str, bytes]:
    found = {r["full_path"]: forge.lfs_truth("github", r["full_path"]) for r in forge.repos("github", "acme")}
    return {path: files[LFS_FILE] for path, files in found.items() if files}


def git_without_lfs(tmp_path: Path) -> str:
    """A PATH holding git but not git-lfs (git-lfs sits beside git in /usr/bin)."""
    folder = tmp_path / "bin-without-git-lfs"
    folder.mkdir()
    os.symlink(shutil.which("git"), folder / "git")
    return str(folder)


def assert_clean(path: Path) -> None:
    assert git("status", "--porcelain", cwd=path) == "", path


@needs_git_lfs
def test_default_never_contacts_the_lfs_server_even_with_git_lfs_set_up_to_smudge(lforge, tmp_path):
    git("lfs", "install")                        # filter.lfs.* in the (hermetic) global config, required=true
    assert git("config", "--global", "filter.lfs.required") == "true"
    objects = lfs_repos(lforge)
    assert len(objects) == 2
    result = run(lforge, tmp_path / "src")
    assert not result.get("failed"), result.get("msg")
    assert set(outcomes(result).values()) == {"cloned"}
    assert lforge.counters().get("lfs:batch", 0) == 0 and lforge.counters().get("lfs:download", 0) == 0
    for full_path in objects:
        assert (tmp_path / "src" / full_path / LFS_FILE).read_text().startswith(POINTER)
        assert_clean(tmp_path / "src" / full_path)


def test_default_never_fails_when_git_lfs_is_configured_but_missing(lforge, tmp_path, monkeypatch):
    home_cfg = Path(os.environ["GIT_CONFIG_GLOBAL"])
    with home_cfg.open("a") as handle:           # what `git lfs install` left behind, git-lfs since removed
        handle.write('[filter "lfs"]\n\tprocess = git-lfs filter-process\n\trequired = true\n'
                     '\tclean = git-lfs clean -- %f\n\tsmudge = git-lfs smudge -- %f\n')
    monkeypatch.setenv("PATH", git_without_lfs(tmp_path))
    result = run(lforge, tmp_path / "src")
    assert not result.get("failed"), result.get("msg")
    assert set(outcomes(result).values()) == {"cloned"}
    for full_path in lfs_repos(lforge):
        assert (tmp_path / "src" / full_path / LFS_FILE).read_text().startswith(POINTER)


@needs_git_lfs
@pytest.mark.parametrize("strategy", ["pull", "reset"])
def test_lfs_true_fetches_and_checks_out_the_objects(lforge, tmp_path, strategy):
    objects = lfs_repos(lforge)
    result = run(lforge, tmp_path / "src", lfs=True, strategy=strategy)
    assert not result.get("failed"), result.get("msg")
    assert set(outcomes(result).values()) == {"cloned"}
    for full_path, content in objects.items():
        assert (tmp_path / "src" / full_path / LFS_FILE).read_bytes() == content       # the private one too
        assert_clean(tmp_path / "src" / full_path)
    assert lforge.counters()["lfs:batch"] >= len(objects) and lforge.counters()["lfs:download"] == len(objects)
    lforge.reset_counters()
    again = run(lforge, tmp_path / "src", lfs=True, strategy=strategy)
    assert set(outcomes(again).values()) == {"unchanged"}
    assert not any(k.startswith(("git:", "lfs:")) for k in lforge.counters())       # markers unchanged: nothing


@needs_git_lfs
def test_turning_lfs_on_fills_existing_clones_and_a_mirror_fetches_every_object(lforge, tmp_path):
    objects = lfs_repos(lforge)
    run(lforge, tmp_path / "src")
    path = tmp_path / "src" / sorted(objects)[0] / LFS_FILE
    assert path.read_text().startswith(POINTER)
    on = run(lforge, tmp_path / "src", lfs=True)       # markers did not move, but the journal knows lfs was off
    assert not on.get("failed"), on.get("msg")
    assert path.read_bytes() == objects[sorted(objects)[0]]
    mirror = run(lforge, tmp_path / "mirror", lfs=True, strategy="mirror")
    assert not mirror.get("failed"), mirror.get("msg")
    for full_path, content in objects.items():
        stored = list((tmp_path / "mirror" / full_path / "lfs" / "objects").rglob("*"))
        assert any(p.is_file() and p.read_bytes() == content for p in stored), full_path


def test_lfs_true_without_git_lfs_fails_before_any_request_naming_the_package(lforge, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", git_without_lfs(tmp_path))
    values = dict(FAST_GIT, dest=str(tmp_path / "src"), owners=["acme"], provider="github",
                  api_url=lforge.github_api, token=lforge.token, lfs=True)
    with pytest.raises(ConfigError) as caught:
        run_job(build_job(values, environ={}))
    assert "git-lfs" in str(caught.value) and "install the git-lfs package" in str(caught.value)
    assert not any(k.startswith(("api:", "git:")) for k in lforge.counters())


def test_the_console_says_which_package_is_missing(lforge, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULK_CLONE_")}
    env.update(PATH=git_without_lfs(tmp_path), BULK_CLONE_TOKEN=lforge.token)
    proc = subprocess.run([sys.executable, "-m", "bulk_clone_engine.console", "--api-url", lforge.github_api,
                           "--owners", "acme", "--dest", str(tmp_path / "src"), "--lfs", "true"],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode != 0
    assert "install the git-lfs package" in proc.stderr + proc.stdout, proc.stderr
