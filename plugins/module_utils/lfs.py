# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Git LFS: never in the way by default, fetched on request (lfs: true).

Why a clone could stall on LFS at all: with git-lfs installed and set up
(`git lfs install` writes `filter.lfs.process = git-lfs filter-process`
and `filter.lfs.required = true` into the user's config), every checkout
runs the smudge filter, which downloads each LFS object, one repository's
objects inside its clone and outside our stall and retry handling; with the
filter configured but git-lfs missing, the checkout fails outright.

So every git process gets, whatever lfs says (docs/forge-wire.md, "Git LFS"):
- GIT_LFS_SKIP_SMUDGE=1: git-lfs's smudge filter writes the pointer files
  and contacts no LFS server;
- filter.lfs.required=false: a filter that fails leaves the content as it is;
- when git-lfs is not on PATH, also filter.lfs.process, .smudge and .clean
  set empty (`-c filter.lfs.process=` and so on): a configured filter that
  cannot start kills the checkout whatever `required` says (git cannot
  talk to a filter process that never started).
With git-lfs present the filter stays on: its clean side is what makes a
working copy whose LFS files were pulled read as unchanged; switched off,
every such clone would look locally modified and pull and reset would hold
it back.

With lfs: true, after a clone or an update: `git lfs install --local
--skip-repo` (the filter in the clone's own config, no hooks written), then
`git lfs pull origin` (the objects of the checked-out commit, written into
the work tree); a mirror gets `git lfs fetch --all origin`. git-lfs is
checked for once, before the run, and its absence is an error naming the
package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Tuple

from .errors import ConfigError
from .gitrunner import GitRunner

# The environment and config of every git process (access.RunnerPool).
SKIP_ENV: Dict[str, str] = {"GIT_LFS_SKIP_SMUDGE": "1"}
SKIP_CONFIG: Dict[str, str] = {"filter.lfs.required": "false"}
NO_FILTER: Dict[str, str] = {"filter.lfs.process": "", "filter.lfs.smudge": "", "filter.lfs.clean": ""}


def skip_settings() -> Tuple[Dict[str, str], Dict[str, str]]:
    """(environment, config) that keep git from fetching or failing on LFS
    objects; the filter is switched off only where git-lfs cannot run."""
    config = dict(SKIP_CONFIG)
    if shutil.which("git-lfs") is None:
        config.update(NO_FILTER)
    return dict(SKIP_ENV), config


# For the LFS commands themselves: git-lfs must write the real files.
_PULL_ENV = {"GIT_LFS_SKIP_SMUDGE": "0"}

PACKAGE_HINT = ("install the git-lfs package on the host that runs git (apt install git-lfs, dnf install git-lfs, "
                "brew install git-lfs), or set lfs: false")


def check_git_lfs(git: str = "git") -> str:
    """git-lfs's version line, or ConfigError naming the package."""
    env = dict(os.environ, LC_ALL="C", GIT_TERMINAL_PROMPT="0")
    try:
        proc = subprocess.run([git, "lfs", "version"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError("lfs: true needs git-lfs, and `git lfs version` could not run (%s): %s"
                          % (exc.__class__.__name__, PACKAGE_HINT)) from None
    if proc.returncode != 0:
        said = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()
        raise ConfigError("lfs: true needs git-lfs, which is not installed (`git lfs version`: %s): %s"
                          % (said[0] if said else "exit status %d" % proc.returncode, PACKAGE_HINT))
    return proc.stdout.decode("utf-8", "replace").strip()


def fetch_lfs(runner: GitRunner, path: Path, bare: bool) -> None:
    """The LFS objects of a clone that is in place: pulled into a working
    copy, all of them fetched into a mirror. Raises GitError."""
    if bare:
        runner.run(["lfs", "fetch", "--all", "origin"], cwd=path, retry=True, env=_PULL_ENV)
        return
    runner.run(["lfs", "install", "--local", "--skip-repo"], cwd=path, env=_PULL_ENV)
    runner.run(["lfs", "pull", "origin"], cwd=path, retry=True, env=_PULL_ENV)
