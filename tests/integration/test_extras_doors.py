# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""wikis, gists and lfs through every door against the local forge: the
module (ansible ad hoc), the workspace role (a playbook), the console with
flags, and the console as the Action runs it (BULK_CLONE_* from its inputs)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from ansible_support import COLLECTIONS, VENV_BIN, ansible_env
from bulk_clone_support import git

LFS_FILE = "assets/model.bin"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (COLLECTIONS / "ansible_collections" / "gizzahub" / "bulk_clone").is_dir(),
                       reason="the collection is not linked into .venv/collections (run `make venv`)"),
]
needs_git_lfs = pytest.mark.skipif(shutil.which("git-lfs") is None,
                                   reason="git-lfs is not installed on this machine (apt install git-lfs)")


@pytest.fixture
def xforge(fresh_forge, hermetic_git):
    return fresh_forge(["github-user:alice:4:gists=2,lfs=1"])


def expected(forge) -> Dict[str, str]:
    """relative path -> head of every wiki that exists and every public gist of alice."""
    want = {}
    for repo in forge.repos("github", "alice"):
        wiki = forge.wiki_truth("github", repo["full_path"])
        if wiki["exists"]:
            want[repo["full_path"] + ".wiki"] = wiki["head"]
    for gist in forge.gists_truth("github"):
        if gist["owner"] == "alice" and gist["public"]:
            want["alice/gists/" + gist["id"]] = gist["head"]
    return want


def lfs_repo(forge) -> str:
    return next(r["full_path"] for r in forge.repos("github", "alice") if forge.lfs_truth("github", r["full_path"]))


def check_tree(forge, root: Path, lfs: bool) -> None:
    want = expected(forge)
    assert any(p.endswith(".wiki") for p in want) and any("/gists/" in p for p in want)
    for rel, head in want.items():
        assert git("rev-parse", "HEAD", cwd=root / rel) == head, rel
    content = forge.lfs_truth("github", lfs_repo(forge))[LFS_FILE]
    on_disk = (root / lfs_repo(forge) / LFS_FILE).read_bytes()
    assert (on_disk == content) if lfs else on_disk.startswith(b"version https://git-lfs.github.com/spec/v1")


@needs_git_lfs
def test_module_adhoc(xforge, tmp_path):
    dest = tmp_path / "src"
    args = "owners=alice owner_kind=user dest=%s api_url=%s wikis=true gists=true lfs=true" % (dest, xforge.github_api)
    proc = subprocess.run([str(VENV_BIN / "ansible"), "localhost", "-m", "gizzahub.bulk_clone.bulk_clone", "-a", args],
                          env=ansible_env(GITHUB_TOKEN=xforge.token), capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^localhost \| CHANGED", proc.stdout, re.M), proc.stdout
    check_tree(xforge, dest, lfs=True)


def test_role_workspace(xforge, tmp_path):
    root = tmp_path / "ws"
    variables = {
        "workspace_root": str(root), "workspace_path_template": "{owner}/{name}", "workspace_install_git": False,
        "workspace_install_python_libraries": False, "workspace_python": sys.executable,
        "workspace_token": xforge.token,
        "workspace_orgs": [{"owner": "alice", "owner_kind": "user", "api_url": xforge.github_api,
                            "wikis": True, "gists": True}]}
    play = [{"hosts": "localhost", "gather_facts": False, "vars": variables, "roles": ["gizzahub.bulk_clone.workspace"]}]
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps(play))
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook)],
                          env=ansible_env(), capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check_tree(xforge, root, lfs=False)


@pytest.mark.parametrize("door", ["console", "action"])
def test_console_flags_and_action_inputs(xforge, tmp_path, door):
    dest = tmp_path / "src"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BULK_CLONE_", "GITHUB_"))}
    env["BULK_CLONE_TOKEN"] = xforge.token
    argv = [sys.executable, "-m", "bulk_clone_engine.console"]
    if door == "console":
        argv += ["--api-url", xforge.github_api, "--owners", "alice", "--owner-kind", "user", "--dest", str(dest),
                 "--wikis", "--gists", "--summary", "false"]
    else:       # action.yml hands its inputs over as BULK_CLONE_<NAME> variables
        env.update(BULK_CLONE_API_URL=xforge.github_api, BULK_CLONE_OWNERS="alice", BULK_CLONE_OWNER_KIND="user",
                   BULK_CLONE_DEST=str(dest), BULK_CLONE_WIKIS="true", BULK_CLONE_GISTS="true",
                   BULK_CLONE_LFS="false", BULK_CLONE_SUMMARY="false")
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check_tree(xforge, dest, lfs=False)
