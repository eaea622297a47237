# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bulk_clone module through Ansible itself, as users run it:
`ansible localhost -m gizzahub.bulk_clone.bulk_clone -a ...` (the README's ad
hoc form) and ansible-playbook, as subprocesses that find the collection
through ANSIBLE_COLLECTIONS_PATH (the Makefile links this checkout there),
against the local forge. All output is taken at -vvv and searched for the
token. Each Ansible start costs seconds, so every run checks several things.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import partial
from pathlib import Path
from typing import Dict

import pytest

from bulk_clone_support import repo_heads, tree_digest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
COLLECTIONS = ROOT / ".venv" / "collections"
SECRET = "ghp_AnsibleSecretTok3n-Zq81-never-print"

from ansible_support import ansible_env, run_module  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (COLLECTIONS / "ansible_collections" / "gizzahub" / "bulk_clone").is_dir(),
                       reason="the collection is not linked into .venv/collections (run `make venv`)"),
]


adhoc = partial(run_module, "bulk_clone", verbose=True)


@pytest.fixture
def org(fresh_forge, hermetic_git):
    return fresh_forge(["github:acme:10"], tokens=(SECRET,))


def truth(forge) -> Dict[str, str]:
    return {r["full_path"]: r["head"] for r in forge.repos("github", "acme")}


def test_adhoc_clone_noop_check_mode_and_a_failure(org, tmp_path):
    dest = tmp_path / "src"
    base = "owners=acme dest=%s api_url=%s" % (dest, org.github_api)
    outputs = []

    rc, first, out = adhoc(base, GITHUB_TOKEN=SECRET)
    outputs.append(out)
    assert rc == 0 and first["status"] == "CHANGED", out
    assert first["counts"]["cloned"] == len(truth(org)) == first["counts"]["total"]
    assert repo_heads(dest) == truth(org)
    assert first["state_file"] == str(dest / ".bulk-clone-state.jsonl")

    org.reset_counters()
    rc, second, out = adhoc(base, GITHUB_TOKEN=SECRET)
    outputs.append(out)
    assert rc == 0 and second["status"] == "SUCCESS" and second["changed"] is False
    assert second["counts"]["unchanged"] == len(truth(org)) and second["repos"] == []
    assert not [k for k in org.counters() if k.startswith("git:")]

    org.push_commits("github", ["acme/api-0"])
    digest = tree_digest(tmp_path)
    org.reset_counters()
    rc, plan, out = adhoc(base + " return_repos=changed", "--check", GITHUB_TOKEN=SECRET)
    outputs.append(out)
    assert rc == 0 and plan["status"] == "CHANGED"
    assert [(r["full_path"], r["outcome"]) for r in plan["repos"]] == [("acme/api-0", "would update")]
    assert tree_digest(tmp_path) == digest
    assert not [k for k in org.counters() if k.startswith("git:")]

    org.inject({"kind": "git_status", "path": "^/acme/api-0\\.git/", "status": 404, "times": -1})
    rc, failed, out = adhoc(base, GITHUB_TOKEN=SECRET)
    outputs.append(out)
    assert rc != 0 and failed["status"] == "FAILED"
    assert "acme/api-0" in failed["msg"] and "repository not found (404)" in failed["msg"]
    assert [f["full_path"] for f in failed["failures"]] == ["acme/api-0"]

    for out in outputs:
        assert SECRET not in out and SECRET[4:20] not in out


PLAYBOOK = """\
- hosts: localhost
  gather_facts: false
  vars:
    forge: &forge
      api_url: "{api}"
      owners: acme
      token: "{{{{ lookup('env', 'MY_FORGE_TOKEN') }}}}"
  tasks:
    - name: Clone the org in the background, with a progress file to poll
      gizzahub.bulk_clone.bulk_clone:
        <<: *forge
        dest: "{dest}"
        progress_file: "{progress}"
        return_repos: all
      async: 120
      poll: 1
      register: first

    - name: Nothing new upstream
      gizzahub.bulk_clone.bulk_clone:
        <<: *forge
        dest: "{dest}"
      register: second

    - name: Mirrors of the same org elsewhere
      gizzahub.bulk_clone.bulk_clone:
        <<: *forge
        dest: "{mirrors}"
        strategy: mirror
        concurrency: 2
      register: mirrors

    - name: Options that cannot go together
      gizzahub.bulk_clone.bulk_clone:
        <<: *forge
        dest: "{mirrors}"
        strategy: mirror
        depth: 1
      register: conflict
      ignore_errors: true

    - name: A strategy that does not exist
      gizzahub.bulk_clone.bulk_clone:
        <<: *forge
        dest: "{dest}"
        strategy: yolo
      register: unknown
      ignore_errors: true

    - name: A token and a GitHub App at once
      gizzahub.bulk_clone.bulk_clone:
        <<: *forge
        dest: "{dest}"
        app_id: "1"
      register: both
      ignore_errors: true

    - name: The results are what the README promises
      ansible.builtin.assert:
        that:
          - first is changed
          - first.counts.cloned == {count}
          - first.repos | length == {count}
          - first.failures == []
          - second is not changed
          - second.counts.unchanged == {count}
          - mirrors is changed
          - mirrors.counts.cloned == {count}
          - conflict is failed
          - "'depth cannot be used with strategy mirror' in conflict.msg"
          - unknown is failed
          - "'strategy' in unknown.msg and 'mirror' in unknown.msg"
          - both is failed
          - "'token' in both.msg and 'app_id' in both.msg"
"""


def test_playbook_async_progress_file_mirror_and_option_errors(org, tmp_path):
    dest, mirrors, progress = tmp_path / "src", tmp_path / "mirrors", tmp_path / "progress.json"
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK.format(api=org.github_api, dest=dest, mirrors=mirrors, progress=progress,
                                        count=len(truth(org))))
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-vvv", str(playbook)],
                          env=ansible_env(MY_FORGE_TOKEN=SECRET), capture_output=True, text=True, timeout=600, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert re.search(r"localhost\s*:\s*ok=\d+\s+changed=2\s+unreachable=0\s+failed=0", output), output[-1500:]
    assert SECRET not in output and SECRET[4:20] not in output
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output      # the token option is masked at -vvv
    assert repo_heads(dest) == truth(org) == repo_heads(mirrors)
    snapshot = json.loads(progress.read_text())
    assert snapshot["complete"] is True and snapshot["done"] == len(truth(org))
    assert SECRET not in progress.read_text()
