# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running ansible and ansible-playbook against this checkout, from tests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Tuple

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
COLLECTIONS = ROOT / ".venv" / "collections"
TOKEN_VARIABLES = ("BULK_CLONE_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN", "BITBUCKET_TOKEN")


def ansible_env(**extra: str) -> Dict[str, str]:
    """The caller's environment without any ANSIBLE_* setting or token, plus
    the collection from .venv/collections and plain, uncoloured output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_") and k not in TOKEN_VARIABLES}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCAL_TEMP=os.path.join(os.environ.get("TMPDIR", "/tmp"), "ansible-local-%d" % os.getpid()),
        # Absolute: "~" would mean the test's HOME to one side of async and /root to the other.
        ANSIBLE_ASYNC_DIR=os.path.join(os.environ["HOME"], ".ansible_async"),
        PATH=str(VENV_BIN) + os.pathsep + os.environ.get("PATH", ""),
    )
    env.update(extra)
    return env


def run_module(module: str, args: str, *flags: str, verbose: bool = False, **env: str) -> Tuple[int, Dict[str, Any], str]:
    """Run gizzahub.bulk_clone.<module> ad hoc on localhost with `ansible`;
    return (rc, the module's result, all output). The result gets `status`,
    the word Ansible printed (SUCCESS, CHANGED, FAILED...), since the displayed
    result leaves `failed` out. `verbose` adds -vvv (what a user debugging
    would show, so secrets must stay out of it too)."""
    cmd = [str(VENV_BIN / "ansible"), "localhost", "-m", "gizzahub.bulk_clone." + module, "-a", args]
    proc = subprocess.run(cmd + (["-vvv"] if verbose else []) + list(flags),
                          env=ansible_env(**env), capture_output=True, text=True, timeout=300, check=False)
    output = proc.stdout + proc.stderr
    match = re.search(r"^localhost \| ([A-Z]+)!? => (\{.*?^\})", proc.stdout, re.S | re.M)
    assert match, "no result in the output of ansible:\n" + output
    return proc.returncode, dict(json.loads(match.group(2)), status=match.group(1)), output
