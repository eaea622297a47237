# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The end report renders from Jinja2 (templates.py), and summary_template
replaces it with the user's own template at every door."""

from __future__ import annotations

import io
import json
import subprocess

from ansible_support import ansible_env
from bulk_clone_engine.console import main

TEMPLATE = ("Custom report for {{ r.run.owners | join(', ') }}: {{ r.counts.cloned | n }} cloned of "
            "{{ r.counts.total | n }} in {{ r.duration | duration }}; "
            "{% for f in r.failures %}{{ f.full_path }} {% endfor %}done.\n")


def test_console_and_action_summary_use_the_users_template(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:acme:5"])
    template = tmp_path / "report.j2"
    template.write_text(TEMPLATE)
    out = io.StringIO()
    environ = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
               "BULK_CLONE_TOKEN": forge.token, "BULK_CLONE_SUMMARY_TEMPLATE": str(template)}
    code = main(["--api-url", forge.github_api, "--owners", "acme", "--dest", str(tmp_path / "src")],
                environ=environ, out=out, err=out)
    assert code == 0, out.getvalue()
    summary = (tmp_path / "summary").read_text()
    assert summary.startswith("Custom report for acme: 5 cloned of 5 in ") and summary.rstrip().endswith("done.")
    assert "Custom report for acme: 5 cloned of 5" in out.getvalue()


def test_the_built_in_summary_is_a_template_too(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:acme:3"])
    out = io.StringIO()
    environ = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
               "BULK_CLONE_TOKEN": forge.token}
    assert main(["--api-url", forge.github_api, "--owners", "acme", "--dest", str(tmp_path / "src")],
                environ=environ, out=out, err=out) == 0
    summary = (tmp_path / "summary").read_text()
    assert summary.startswith("## bulk-clone: acme (github)") and "| **total** | **3** |" in summary


def test_a_template_that_does_not_render_is_named(fresh_forge, tmp_path):
    forge = fresh_forge(["github:acme:1"])
    template = tmp_path / "broken.j2"
    template.write_text("{% for x in %}")
    out = io.StringIO()
    code = main(["--api-url", forge.github_api, "--owners", "acme", "--dest", str(tmp_path / "src"),
                 "--summary-template", str(template)], environ={"BULK_CLONE_TOKEN": forge.token}, out=out, err=out)
    assert code == 2
    assert "summary_template %s does not render" % template in out.getvalue()


def test_the_module_returns_the_rendered_template(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:acme:4"])
    template = tmp_path / "report.j2"
    template.write_text(TEMPLATE)
    args = "owners=acme dest=%s api_url=%s summary_template=%s" % (tmp_path / "src", forge.github_api, template)
    run = subprocess.run(["ansible", "localhost", "-m", "gizzahub.bulk_clone.bulk_clone", "-a", args, "-o"],
                         env=ansible_env(BULK_CLONE_TOKEN=forge.token), capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("localhost | CHANGED => ")
    result = json.loads(run.stdout.split(" => ", 1)[1])
    assert result["summary"].startswith("Custom report for acme: 4 cloned of 4 in ")
