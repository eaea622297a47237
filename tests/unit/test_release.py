# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a release ships, and the facts it keeps in one place (docs/releasing.md).

The tarball is built the way a release builds it, from a copy of this
checkout into which the usual local clutter (virtualenv, egg-info, caches,
molecule and ansible-test state) has been planted, so build_ignore is tested
whatever state the developer's checkout is in. The execution environment is
checked with ansible-builder itself: `create` writes the build context, and
`introspect`, the step an image build runs, reads the collection's
requirements from the tree installed from the tarball.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from typing import Dict, List, Tuple

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$")
# Every Python the engine supports (pyproject requires-python) up to the newest CI runs.
PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]

# Local state a developer's checkout holds: none of it may reach the tarball.
CLUTTER = [
    ".venv/bin/python",
    ".venv/collections/ansible_collections/gizzahub/README",
    "gizzahub_bulk_clone.egg-info/PKG-INFO",
    "plugins/module_utils/__pycache__/engine.cpython-311.pyc",
    "tests/unit/__pycache__/test_release.cpython-311-pytest-8.4.2.pyc",
    ".pytest_cache/v/cache/nodeids",
    "roles/workspace/molecule/default/.molecule/state.yml",
    ".ansible/collections/ansible_collections/x/y/galaxy.yml",
    "tests/output/junit/sanity.xml",
    "build/lib/bulk_clone_engine/engine.py",
    "bench/results/run.json",
    "tools/gen_doors.py",
    "gizzahub-bulk_clone-0.0.9.tar.gz",
    "changelogs/.plugin-cache.yaml",
]
# What is not part of the collection: the repository's CI and tooling, the
# Python package and the GitHub Action.
NOT_SHIPPED_FILES = {"action.yml", "pyproject.toml", "Makefile", "requirements.lock.txt",
                     "requirements-build.lock.txt", "execution-environment.yml", ".ansible-lint", ".ansible-lint-ignore",
                     ".gitignore"}
NOT_SHIPPED_PARTS = {".venv", "__pycache__", ".pytest_cache", ".molecule", ".ansible", ".git", ".github", ".ci",
                     "bench", "build", "output", "tools"}
# The collection's own files ship, every one git tracks under these folders...
SHIPPED_TREES = ["plugins", "roles", "meta", "docs", "changelogs", "examples/host-sharding", "tests/sanity"]
# ...and these.
MUST_SHIP = ["README.md", "LICENSE", "CHANGELOG.rst", "requirements.txt", "bindep.txt", "MANIFEST.json",
             "FILES.json"]


def tool(name: str) -> str:
    found = shutil.which(name, path=VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
    if not found:
        pytest.skip("%s is not installed (make venv installs it with the dev extra)" % name)
    return found


def load_yaml(path: str):
    with open(os.path.join(REPO_ROOT, path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def pyproject() -> dict:
    with open(os.path.join(REPO_ROOT, "pyproject.toml"), "rb") as handle:
        return tomllib.load(handle)


def read_version() -> str:
    """version.py read as text, as setuptools' attr: reads it (no import)."""
    with open(os.path.join(REPO_ROOT, "plugins", "module_utils", "version.py"), encoding="utf-8") as handle:
        return re.search(r'^__version__ = "([^"]+)"$', handle.read(), re.M).group(1)


def requirement_lines(path: str) -> List[str]:
    with open(os.path.join(REPO_ROOT, path), encoding="utf-8") as handle:
        return [ln.split("#")[0].strip() for ln in handle if ln.split("#")[0].strip()]


def parse_lock(path: str) -> List[Tuple[Requirement, List[str]]]:
    """(requirement, hashes) for each entry of a pip-compile style lock file."""
    with open(os.path.join(REPO_ROOT, path), encoding="utf-8") as handle:
        text = handle.read()
    entries = []
    for block in re.split(r"\n(?=[A-Za-z0-9])", "\n".join(ln for ln in text.splitlines() if not ln.strip().startswith("#"))):
        block = block.strip()
        if not block:
            continue
        parts = [p.strip() for p in block.replace("\\\n", " ").split(" --hash=")]
        entries.append((Requirement(parts[0]), parts[1:]))
    return entries


def environment(python: str) -> Dict[str, str]:
    return {"python_version": python, "python_full_version": python + ".0", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "sys_platform": "linux", "platform_system": "Linux",
            "platform_machine": "x86_64", "os_name": "posix"}


def pinned_for(lock: List[Tuple[Requirement, List[str]]], name: str, python: str) -> List[Version]:
    env = environment(python)
    return [Version(next(iter(req.specifier)).version) for req, hashes in lock
            if canonicalize_name(req.name) == canonicalize_name(name)
            and (req.marker is None or req.marker.evaluate(env))]


@pytest.fixture(scope="module")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The collection built from a copy of the checkout full of local clutter."""
    copy = tmp_path_factory.mktemp("checkout")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = os.path.join(REPO_ROOT, name)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(os.path.join(str(copy), name)), exist_ok=True)
            shutil.copy2(source, os.path.join(str(copy), name))
    for name in CLUTTER:
        path = os.path.join(str(copy), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("local state\n")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([tool("ansible-galaxy"), "collection", "build", "--output-path", str(out), str(copy)],
                   capture_output=True, text=True, check=True)
    (built,) = os.listdir(str(out))
    return os.path.join(str(out), built)


@pytest.fixture(scope="module")
def installed(tarball: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A collections path holding the collection installed from the tarball."""
    path = str(tmp_path_factory.mktemp("collections"))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=path)
    subprocess.run([tool("ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "--force", "-p", path,
                    tarball], env=env, capture_output=True, text=True, check=True)
    return path


def test_tarball_ships_the_collection_and_no_local_state(tarball):
    with tarfile.open(tarball) as archive:
        names = [m.name[2:] if m.name.startswith("./") else m.name for m in archive.getmembers() if m.isfile()]
    assert os.path.basename(tarball) == "gizzahub-bulk_clone-%s.tar.gz" % read_version()
    leaked = [n for n in names if set(n.split("/")) & NOT_SHIPPED_PARTS or n in NOT_SHIPPED_FILES
              or ".egg-info/" in n or n.endswith((".pyc", ".tar.gz", ".plugin-cache.yaml")) or n.startswith("examples/workflows/")]
    assert leaked == []
    tracked = subprocess.run(["git", "ls-files", "-z"] + SHIPPED_TREES, cwd=REPO_ROOT, capture_output=True,
                             check=True).stdout.decode().split("\0")
    expected = MUST_SHIP + [n for n in tracked if n and ".plugin-cache" not in n]
    assert len(expected) > len(MUST_SHIP) + 20
    assert [n for n in expected if n not in names] == []
    assert "plugins/module_utils/version.py" in names and "meta/execution-environment.yml" in names
    # tests/ ships, as community collections ship it (ansible-test runs on the installed tree).
    assert "tests/sanity/get_pip_standin.py" in names and "tests/unit/test_release.py" in names


def test_one_version_for_galaxy_pyproject_and_the_changelog(tarball):
    version = read_version()
    assert SEMVER.match(version), version
    assert load_yaml("galaxy.yml")["version"] == version
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    assert manifest["collection_info"]["version"] == version
    # pyproject takes the version from version.py, through the package-dir mapping.
    project = pyproject()
    assert "version" in project["project"]["dynamic"] and "version" not in project["project"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "bulk_clone_engine.version.__version__"}
    assert project["tool"]["setuptools"]["package-dir"]["bulk_clone_engine"] == "plugins/module_utils"
    # A version is released with its changelog entry (docs/releasing.md).
    assert version in load_yaml("changelogs/changelog.yaml")["releases"]


def test_galaxy_metadata_and_spdx_license():
    galaxy = load_yaml("galaxy.yml")
    for key in ("repository", "documentation", "homepage", "issues"):
        assert galaxy[key].startswith("https://"), key
    assert {"git", "github", "gitlab", "gitea"} <= set(galaxy["tags"])
    project = pyproject()["project"]
    assert project["license"] == "GPL-3.0-or-later" and galaxy["license"] == ["GPL-3.0-or-later"]
    assert project["license-files"] == ["LICENSE"]
    assert Requirement(pyproject()["build-system"]["requires"][0]).specifier.contains("77")


def test_runtime_dependencies_are_one_list():
    """requirements.txt is the list: pyproject reads it, ansible-builder reads it."""
    project = pyproject()
    assert "dependencies" in project["project"]["dynamic"] and "dependencies" not in project["project"]
    assert project["tool"]["setuptools"]["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}
    declared = load_yaml("meta/execution-environment.yml")["dependencies"]
    assert declared == {"python": "requirements.txt", "system": "bindep.txt"}
    names = {canonicalize_name(Requirement(r).name) for r in requirement_lines("requirements.txt")}
    assert names == {"pygithub", "python-gitlab", "backoff", "ratelimit", "jinja2", "requests", "rich", "pyyaml"}


@pytest.mark.parametrize("python", PYTHONS)
def test_lock_pins_every_dependency_with_hashes(python):
    """For each Python, one == pin with sha256 hashes per locked package, and
    every requirement (runtime and build) met by its pin."""
    for lock_file, wanted in (("requirements.lock.txt", requirement_lines("requirements.txt")),
                              ("requirements-build.lock.txt", pyproject()["build-system"]["requires"])):
        lock = parse_lock(lock_file)
        assert lock, lock_file
        for req, hashes in lock:
            assert [s.operator for s in req.specifier] == ["=="], str(req)
            assert hashes and all(re.match(r"^sha256:[0-9a-f]{64}$", h) for h in hashes), str(req)
        for line in wanted:
            req = Requirement(line)
            pins = pinned_for(lock, req.name, python)
            assert len(pins) == 1, (lock_file, req.name, python, pins)
            assert req.specifier.contains(pins[0]), (req, pins[0])
        names = [canonicalize_name(r.name) for r, hashes in lock
                 if r.marker is None or r.marker.evaluate(environment(python))]
        assert len(names) == len(set(names)), python


def test_lock_names_the_command_that_wrote_it():
    """The lock says how it was made; docs/releasing.md names the same command."""
    with open(os.path.join(REPO_ROOT, "requirements.lock.txt"), encoding="utf-8") as handle:
        assert "#    make lock" in handle.read(300)
    with open(os.path.join(REPO_ROOT, "docs", "releasing.md"), encoding="utf-8") as handle:
        assert "make lock" in handle.read()


def test_ansible_builder_create_writes_the_build_context(tmp_path):
    context = tmp_path / "context"
    proc = subprocess.run([tool("ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(context),
                           "--output-filename", "Containerfile"], cwd=REPO_ROOT, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert "ansible-galaxy" in containerfile or "install-from-bindep" in containerfile
    build = context / "_build"
    assert (build / "requirements.txt").read_text(encoding="utf-8") == open(
        os.path.join(REPO_ROOT, "requirements.txt"), encoding="utf-8").read()
    assert (build / "bindep.txt").read_text(encoding="utf-8") == open(
        os.path.join(REPO_ROOT, "bindep.txt"), encoding="utf-8").read()
    galaxy = yaml.safe_load((build / "requirements.yml").read_text(encoding="utf-8"))
    assert [c["name"] for c in galaxy["collections"]] == ["gizzahub.bulk_clone"]


def test_image_build_finds_the_collection_requirements(installed):
    """`ansible-builder introspect` is what the image build runs over the
    installed collections: it must find our Python libraries and git, git-lfs."""
    proc = subprocess.run([tool("ansible-builder"), "introspect", installed], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = yaml.safe_load(proc.stdout)
    origin = "  # from collection gizzahub.bulk_clone"
    # ansible-builder leaves out PyYAML: every execution environment has it (ansible-core needs it).
    wanted = [r for r in requirement_lines("requirements.txt") if canonicalize_name(Requirement(r).name) != "pyyaml"]
    assert data["python"] == [r + origin for r in wanted]
    system = [s.split("  #")[0] for s in data["system"]]
    assert system == ["git [platform:rpm platform:dpkg]", "git-lfs [platform:rpm platform:dpkg]"]
