# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared pytest fixtures: local forges (see tests/forge/__init__.py).

- ``forge``: session-wide, a modest mixed forge (do not mutate it: use
  ``fresh_forge``). Faults, counters and rate-limit budgets of the shared
  forges are reset before every test.
- ``big_forge``: session-wide, 10,000-repo owners on each service
  (github:big, gitlab:biggroup with 10,050 projects, gitea:bigtea); built
  only by the tests that ask for it. ``big_github_forge`` /
  ``big_gitlab_forge`` / ``big_gitea_forge`` build only one service's owner.
- ``fresh_forge``: a factory, ``fresh_forge(["github:x:20"], **Forge kwargs)``,
  for tests that mutate or inject faults; stopped after the test.
- ``module_forge``: a factory, ``module_forge(name, specs, **Forge kwargs)``,
  for a forge of the test module's own (stopped after the module), reset
  before every test like the session forges.
- ``forge_token``: the admin token every forge accepts.
- ``fake_time``: a clock that moves only when someone sleeps (the limiter's
  clock and sleep), so minutes of waiting run in microseconds.
- ``git_home`` / ``hermetic_git``: a git configuration of the test's own
  (nothing from the machine's ~/.gitconfig), for tests that run git.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Callable, Dict, List

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    # `from tests.forge import Forge` must work however pytest was started.
    sys.path.insert(0, REPO_ROOT)

from tests.forge import Forge  # noqa: E402
from tests.helpers_git import IDENTITY  # noqa: E402

FORGE_TOKEN = "forge-token"
SECOND_TOKEN = "forge-token-2"

# Small and edge-case owners of the session `forge`, per service.
EDGE_OWNERS: Dict[str, Dict[str, str]] = {
    "github": {"empty": "empty-org", "one": "one", "hundred": "hundred", "hundred_one": "hundred-one"},
    "gitlab": {"empty": "gl-empty", "one": "gl-one", "hundred": "gl-hundred", "hundred_one": "gl-hundred-one"},
    "gitea": {"empty": "tea-empty", "one": "tea-one", "hundred": "tea-hundred", "hundred_one": "tea-hundred-one"},
}

MIXED_SPECS: List[str] = [
    "github:acme:250", "github-user:alice:15", "gitlab:platform:120", "gitea:tools:60",
    "gitlab-user:alice:15", "gitea-user:alice:15",
]
for _svc, _owners in EDGE_OWNERS.items():
    _flat = ":flat=1" if _svc == "gitlab" else ""
    MIXED_SPECS += ["%s:%s:%d%s" % (_svc, _owners[k], n, _flat)
                    for k, n in (("empty", 0), ("one", 1), ("hundred", 100), ("hundred_one", 101))]

BIG_SPECS = {"github": "github:big:10000", "gitlab": "gitlab:biggroup:10050", "gitea": "gitea:bigtea:10000"}

_shared: List[Forge] = []


def _start(root: str, specs: List[str]) -> Forge:
    forge = Forge(specs=specs, root=root, tokens=(FORGE_TOKEN, SECOND_TOKEN))
    forge.start()
    forge.edge_owners = EDGE_OWNERS  # type: ignore[attr-defined]
    _shared.append(forge)
    return forge


@pytest.fixture(scope="session")
def forge_token() -> str:
    return FORGE_TOKEN


@pytest.fixture(scope="session")
def forge(tmp_path_factory: pytest.TempPathFactory):
    f = _start(str(tmp_path_factory.mktemp("forge-mixed")), MIXED_SPECS)
    yield f
    f.stop()


_big_all: List[Forge] = []


@pytest.fixture(scope="session")
def big_forge(tmp_path_factory: pytest.TempPathFactory):
    f = _start(str(tmp_path_factory.mktemp("forge-big")), list(BIG_SPECS.values()))
    _big_all.append(f)
    yield f
    f.stop()


def _big_one(service: str) -> Callable:
    @pytest.fixture(scope="session")
    def fixture(tmp_path_factory: pytest.TempPathFactory):
        if _big_all:                       # the all-services forge is already up: reuse it
            yield _big_all[0]
            return
        f = _start(str(tmp_path_factory.mktemp("forge-big-" + service)), [BIG_SPECS[service]])
        yield f
        f.stop()
    return fixture


big_github_forge = _big_one("github")
big_gitlab_forge = _big_one("gitlab")
big_gitea_forge = _big_one("gitea")


@pytest.fixture(scope="module")
def module_forge(tmp_path_factory: pytest.TempPathFactory):
    started: List[Forge] = []

    def make(name: str, specs: List[str], **kwargs) -> Forge:
        kwargs.setdefault("tokens", (FORGE_TOKEN, SECOND_TOKEN))
        f = Forge(specs=specs, root=str(tmp_path_factory.mktemp(name)), **kwargs)
        f.start()
        started.append(f)
        _shared.append(f)
        return f

    yield make
    for f in started:
        _shared.remove(f)
        f.stop()


@pytest.fixture(autouse=True)
def _reset_shared_forges():
    """A test never sees the faults, counters or spent budget of another."""
    for f in _shared:
        f.clear_faults()
        f.reset_counters()
        f.reset_rate_limits()
    yield


@pytest.fixture
def fresh_forge(tmp_path_factory: pytest.TempPathFactory):
    started: List[Forge] = []

    def make(specs: List[str], **kwargs) -> Forge:
        kwargs.setdefault("tokens", (FORGE_TOKEN, SECOND_TOKEN))
        root = kwargs.pop("root", None) or str(tmp_path_factory.mktemp("forge-fresh"))
        f = Forge(specs=specs, root=root, **kwargs)
        f.start()
        started.append(f)
        return f

    yield make
    for f in started:
        f.stop()


def _hermetic_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, config: str, unset: List[str]):
    """Point git at a configuration of the test's own, so that no ~/.gitconfig,
    credential helper or token of the machine leaks into what the test sees."""
    home = tmp_path_factory.mktemp("home")
    cfg = home / ".gitconfig"
    cfg.write_text(config)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(cfg))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ["GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_COUNT", "GIT_ASKPASS"] + unset:
        monkeypatch.delenv(var, raising=False)
    return cfg


@pytest.fixture
def git_home(tmp_path_factory, monkeypatch):
    """For tests of the git layer on file:// upstreams (tests/helpers_git.py):
    the file protocol allowed, the identity of helpers_git.IDENTITY."""
    return _hermetic_home(tmp_path_factory, monkeypatch,
                          "[user]\n\tname = %s\n\temail = %s\n[init]\n\tdefaultBranch = main\n"
                          "[protocol \"file\"]\n\tallow = always\n[advice]\n\tdetachedHead = false\n"
                          % (IDENTITY["user.name"], IDENTITY["user.email"]),
                          ["GIT_SSH_COMMAND"])


@pytest.fixture
def hermetic_git(tmp_path_factory, monkeypatch):
    """For end-to-end runs against the local forge: an identity for local
    commits, `main` for new branches, and no token in the environment."""
    return _hermetic_home(tmp_path_factory, monkeypatch,
                          "[user]\n\tname = Local Person\n\temail = local@example.invalid\n"
                          "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
                          ["GITHUB_TOKEN", "GH_TOKEN", "BULK_CLONE_TOKEN", "GIT_TRACE", "GIT_CURL_VERBOSE"])


FAKE_T0 = 1_800_000_000.0   # an epoch time in 2027


class FakeTime:
    """A clock that moves only when someone sleeps; every sleep is recorded."""

    def __init__(self, now: float = FAKE_T0) -> None:
        self.now = now
        self.sleeps: List[float] = []
        self.lock = threading.Lock()

    def clock(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)
            self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
