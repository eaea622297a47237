# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 12, points 1 to 6: what Ansible itself makes of the modules' results.

Through real `ansible` and `ansible-playbook` subprocesses against the local
forge (tests/integration/ansible_support.py):

- a run that held one clone back and updated the others is CHANGED, never
  SKIPPED, and the play recap counts it as changed (the held list is
  `held_back`; `skipped`, `failed`, `changed`, `unreachable` keep Ansible's
  meaning);
- `--diff` shows each changed repository's commit before and after (or
  "new clone"), as ansible.builtin.git does;
- `--check` reports what would be cloned and updated, touching nothing;
- `module_defaults: group/gizzahub.bulk_clone.forge` sets provider, api_url
  and token once for both modules, and the old name org_repos still works;
- provider gitea without api_url is refused by Ansible's own argument
  validation (required_if), before any request.
"""

from __future__ import annotations

import re
import subprocess
from functools import partial
from pathlib import Path
from typing import Dict

import pytest

from ansible_support import COLLECTIONS, VENV_BIN, ansible_env, run_module
from bulk_clone_support import repo_heads

SECRET = "ghp_ResultsSecretTok3n-Qq42-never-print"
RESERVED = ("skipped", "unreachable")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (COLLECTIONS / "ansible_collections" / "gizzahub" / "bulk_clone").is_dir(),
                       reason="the collection is not linked into .venv/collections (run `make venv`)"),
]


adhoc = partial(run_module, "bulk_clone")


def playbook(path: Path, text: str, **env: str) -> str:
    path.write_text(text)
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), str(path)], env=ansible_env(**env),
                          capture_output=True, text=True, timeout=600, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-5000:]
    assert SECRET not in output
    return output


@pytest.fixture
def org(fresh_forge, hermetic_git):
    return fresh_forge(["github:acme:6"], tokens=(SECRET,))


def heads(forge) -> Dict[str, str]:
    return {r["full_path"]: r["head"] for r in forge.repos("github", "acme")}


def test_held_back_is_changed_not_skipped_with_diffs_and_check_mode_counts(org, tmp_path):
    dest = tmp_path / "src"
    base = "owners=acme dest=%s api_url=%s" % (dest, org.github_api)
    truth = heads(org)
    non_empty = sorted(p for p, h in truth.items() if h)

    # --check: what would happen, counted; nothing on disk, no git.
    rc, plan, out = adhoc(base, "--check", "--diff", GITHUB_TOKEN=SECRET)
    assert rc == 0 and plan["status"] == "CHANGED", out
    assert plan["counts"]["would clone"] == len(truth) and plan["counts"]["cloned"] == 0
    assert not dest.exists()
    assert not [k for k in org.counters() if k.startswith("git:")]
    assert "+++ after: acme/" in out and "(would be cloned)" in out

    # --diff on the first run: every clone is "new clone" -> its commit.
    rc, first, out = adhoc(base, "--diff", GITHUB_TOKEN=SECRET)
    assert rc == 0 and first["status"] == "CHANGED", out
    for path in non_empty:
        assert re.search(r"--- before: %s\n\+\+\+ after: %s\n@@ -1 \+1 @@\n-\(new clone\)\n\+%s\n"
                         % (re.escape(path), re.escape(path), truth[path]), out), path

    # One clone with local work, new commits upstream everywhere: held back, the rest updated.
    dirty = non_empty[0]
    readme = next(p for p in (dest / dirty).iterdir() if p.is_file())
    readme.write_text("my unsaved edit\n")
    before = repo_heads(dest)
    org.push_commits("github", non_empty)
    after = heads(org)
    rc, third, out = adhoc(base, "--diff", GITHUB_TOKEN=SECRET)
    assert rc == 0, out
    assert third["status"] == "CHANGED", "a run that updated repositories must not read as %s" % third["status"]
    assert third["changed"] is True and third.get("failed", False) is False
    for key in RESERVED:
        assert key not in third, "%s is reserved by Ansible" % key
    assert [r["full_path"] for r in third["held_back"]] == [dirty]
    assert third["counts"]["skipped"] == 1 and third["counts"]["updated"] == len(non_empty) - 1
    for path in non_empty[1:]:
        assert "-%s\n+%s\n" % (before[path], after[path]) in out, path
    assert "--- before: %s\n" % dirty not in out      # held back: nothing changed, no diff

    # The play recap: the task counts as changed, not skipped.
    org.push_commits("github", non_empty)
    output = playbook(tmp_path / "recap.yml", """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Sync, with one clone held back
      gizzahub.bulk_clone.bulk_clone:
        owners: acme
        dest: "{dest}"
        api_url: "{api}"
      register: synced
    - name: Ansible's tests read it as its keys say
      ansible.builtin.assert:
        that:
          - synced is changed
          - synced is not skipped
          - synced is not failed
          - synced.held_back | map(attribute='full_path') | list == ['{dirty}']
""".format(dest=dest, api=org.github_api, dirty=dirty), GITHUB_TOKEN=SECRET)
    assert re.search(r"localhost\s*:\s*ok=2\s+changed=1\s+unreachable=0\s+failed=0\s+skipped=0", output), \
        output[-1500:]


PLAY = """\
- name: The forge set once for the whole play
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gizzahub.bulk_clone.forge:
      provider: github
      api_url: "{api}"
      token: "{{{{ lookup('env', 'MY_TOKEN') }}}}"
  tasks:
    - name: List with the module's name
      gizzahub.bulk_clone.org_repos_info:
        owners: acme
      register: listed
    - name: List with the old name (meta/runtime.yml redirects it)
      gizzahub.bulk_clone.org_repos:
        owners: acme
      register: old_name
    - name: Sync with the same defaults
      gizzahub.bulk_clone.bulk_clone:
        owners: acme
        dest: "{dest}"
      register: synced
    - name: Both modules got the token and the forge from module_defaults
      ansible.builtin.assert:
        that:
          - listed.count == {count}
          - old_name.count == {count}
          - old_name.repos | map(attribute='full_path') | list == listed.repos | map(attribute='full_path') | list
          - synced.counts.cloned == {count}
          - synced.stats.requests > 0
          - synced.stats.work_seconds > 0
          - synced.stats.peak_queue > 0
          - synced.stats.listing_seconds is not none
          - synced.slowest | length > 0

- name: Gitea without api_url, and a token from a file
  hosts: localhost
  gather_facts: false
  tasks:
    - name: The token from a file on the managed host (token_file)
      gizzahub.bulk_clone.org_repos_info:
        api_url: "{api}"
        owners: acme
        token_file: "{token_file}"
      register: from_file
    - name: A token and a token file at once
      gizzahub.bulk_clone.org_repos_info:
        api_url: "{api}"
        owners: acme
        token: "{{{{ lookup('env', 'MY_TOKEN') }}}}"
        token_file: "{token_file}"
      register: both
      ignore_errors: true
    - name: Ansible's own validation refuses it (required_if)
      gizzahub.bulk_clone.bulk_clone:
        provider: gitea
        owners: tea
        dest: "{dest}"
      register: no_url
      ignore_errors: true
    - name: The listing module too
      gizzahub.bulk_clone.org_repos_info:
        provider: gitea
        owners: tea
      register: no_url_info
      ignore_errors: true
    - name: Refused by argument validation, naming api_url
      ansible.builtin.assert:
        that:
          - no_url is failed
          - "no_url.msg == 'provider is gitea but all of the following are missing: api_url'"
          - no_url_info is failed
          - "no_url_info.msg == 'provider is gitea but all of the following are missing: api_url'"
          - from_file.count == {count}
          - both is failed
          - "'mutually exclusive: token|token_file' in both.msg"
"""


def test_module_defaults_group_old_name_and_required_if(org, tmp_path):
    dest = tmp_path / "src"
    private = [r for r in org.repos("github", "acme") if r["visibility"] != "public"]
    # Without the token from module_defaults the counts below would miss these.
    assert private, "the org needs private repositories, so that a missing token would show"
    token_file = tmp_path / "token"
    token_file.write_text(SECRET + "\n")
    playbook(tmp_path / "defaults.yml", PLAY.format(api=org.github_api, dest=dest, count=len(heads(org)),
                                                    token_file=token_file), MY_TOKEN=SECRET)
    assert sorted(repo_heads(dest)) == sorted(heads(org))
