# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 14 points 5, 6 and 7 at every door: the console (`bulk-clone list`
and a sync), the Action (its inputs reach the console as BULK_CLONE_*
variables, exactly as action.yml passes them), and Ansible (org_repos_info,
bulk_clone and the workspace role in one real playbook), against one local
forge: starred repositories, a whole GitLab instance, shared projects,
pushed_within, min_stars and glob: patterns.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_support import COLLECTIONS, VENV_BIN, ansible_env

from test_console_doors import console

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "forge-token"


@pytest.fixture(scope="module")
def doors(tmp_path_factory):
    from tests.forge import Forge
    forge = Forge(specs=["github:acme:12", "github-user:alice:3:starred=6", "gitlab:grp:6:flat=1,shared=2",
                         "gitlab-user:bob:2:starred=4", "gitea:tea:12"],
                  root=str(tmp_path_factory.mktemp("forge-doors")), tokens=(TOKEN,))
    forge.start()
    forge.pushed = set(forge.push_commits("gitea", [r["full_path"] for r in forge.repos("gitea", "tea")  # type: ignore
                                                    if not r["empty"]][:2]))
    yield forge
    forge.stop()


def _truths(forge):
    with forge.state.lock:
        instance = {r.full_path for r in forge.state.repos["gitlab"].values()}
        tea_stars = {r.full_path: r.index % 50 for r in forge.state.repos["gitea"].values() if r.namespace == "tea"}
    grp_own = {r["full_path"] for r in forge.repos("gitlab", "grp")}
    shared = {forge.state.repos["gitlab"][i].full_path for i in forge.state.owner("gitlab", "grp").shared}
    return {
        "starred": {r["full_path"] for r in forge.starred("github", "alice")},
        "gl_starred": {r["full_path"] for r in forge.starred("gitlab", "bob")},
        "instance": instance,
        "with_shared": grp_own | shared,
        # pushed lately, with at least 1 star, matching the glob
        "filtered": {p for p in forge.pushed if tea_stars[p] >= 1},
    }


def _jsonl(proc):
    assert proc.returncode == 0, proc.stderr
    return {json.loads(line)["full_path"] for line in proc.stdout.splitlines()}


def test_console_list_and_sync(doors, tmp_path, hermetic_git):
    truth = _truths(doors)
    env = {"BULK_CLONE_TOKEN": TOKEN}
    jsonl = ["--format", "jsonl", "--fields", "full_path,owner,pushed_at,stars"]
    assert _jsonl(console(["list", "--api-url", doors.github_api, "--owner-kind", "starred", "--owners", "alice"]
                          + jsonl, env)) == truth["starred"]
    gitlab = ["--provider", "gitlab", "--api-url", doors.gitlab_url]
    assert _jsonl(console(["list"] + gitlab + ["--owner-kind", "starred", "--owners", "bob"] + jsonl, env)) \
        == truth["gl_starred"]
    assert _jsonl(console(["list"] + gitlab + ["--owner-kind", "all"] + jsonl, env)) == truth["instance"]
    assert _jsonl(console(["list"] + gitlab + ["--owners", "grp", "--with-shared"] + jsonl, env)) == truth["with_shared"]
    glob = "glob:tea/*"
    assert _jsonl(console(["list", "--provider", "gitea", "--api-url", doors.url, "--owners", "tea",
                           "--pushed-within", "1d", "--min-stars", "1", "--include", glob] + jsonl, env)) \
        == truth["filtered"]
    # A sync of the token's own stars (forge-admin starred nothing here) and of alice's.
    dest = tmp_path / "stars"
    proc = console(["--api-url", doors.github_api, "--owner-kind", "starred", "--owners", "alice", "--path", str(dest),
                    "--no-summary"], env)
    assert proc.returncode == 0, proc.stderr
    assert all((dest / p).is_dir() for p in truth["starred"])


def test_the_action_inputs_reach_the_console(doors, tmp_path, hermetic_git):
    truth = _truths(doors)
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    env_of_step = {}
    for step in action["runs"]["steps"]:
        env_of_step.update(step.get("env") or {})
    for name in ("owner-kind", "with-shared", "pushed-within", "min-stars", "include"):
        assert name in action["inputs"]
        assert env_of_step["BULK_CLONE_" + name.upper().replace("-", "_")] == "${{ inputs.%s }}" % name
    # The Action's inputs as the runner hands them over (empty inputs are empty strings).
    base = {"BULK_CLONE_TOKEN": TOKEN, "BULK_CLONE_PROVIDER": "gitlab", "BULK_CLONE_API_URL": doors.gitlab_url,
            "BULK_CLONE_WITH_SHARED": "false", "BULK_CLONE_PUSHED_WITHIN": "", "BULK_CLONE_MIN_STARS": "",
            "BULK_CLONE_STRATEGY": "mirror", "BULK_CLONE_SUMMARY": "false"}
    instance = dict(base, BULK_CLONE_OWNER_KIND="all", BULK_CLONE_DEST=str(tmp_path / "instance"))
    proc = console([], instance)
    assert proc.returncode == 0, proc.stderr
    assert {p.parent.relative_to(tmp_path / "instance").as_posix()
            for p in (tmp_path / "instance").glob("*/*/HEAD")} == truth["instance"]       # bare mirrors
    shared = dict(base, BULK_CLONE_OWNERS="grp", BULK_CLONE_WITH_SHARED="true", BULK_CLONE_DEST=str(tmp_path / "sh"))
    assert _jsonl(console(["list", "--format", "jsonl"], shared)) == truth["with_shared"]
    filtered = dict(base, BULK_CLONE_PROVIDER="gitea", BULK_CLONE_API_URL=doors.url, BULK_CLONE_OWNERS="tea",
                    BULK_CLONE_PUSHED_WITHIN="1d", BULK_CLONE_MIN_STARS="1", BULK_CLONE_INCLUDE="glob:tea/*\n^zzz$")
    assert _jsonl(console(["list", "--format", "jsonl"], filtered)) == truth["filtered"]
    starred = dict(base, BULK_CLONE_PROVIDER="github", BULK_CLONE_API_URL=doors.github_api,
                   BULK_CLONE_OWNER_KIND="starred", BULK_CLONE_OWNERS="alice")
    assert _jsonl(console(["list", "--format", "jsonl"], starred)) == truth["starred"]


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: starred, org_repos_info
      gizzahub.bulk_clone.org_repos_info: {api_url: "%(github)s", token: "%(token)s", owner_kind: starred,
                                          owners: [alice], fields: [full_path]}
      register: starred
    - name: a whole GitLab instance
      gizzahub.bulk_clone.org_repos_info: {provider: gitlab, api_url: "%(gitlab)s", token: "%(token)s",
                                          owner_kind: all, fields: [full_path]}
      register: instance
    - name: a group with its shared projects
      gizzahub.bulk_clone.org_repos_info: {provider: gitlab, api_url: "%(gitlab)s", token: "%(token)s",
                                          owners: [grp], with_shared: true}
      register: shared
    - name: activity, stars and globs
      gizzahub.bulk_clone.org_repos_info: {provider: gitea, api_url: "%(gitea)s", token: "%(token)s", owners: [tea],
                                          pushed_within: 1d, min_stars: 1, include: ["glob:tea/*"]}
      register: filtered
    - name: the module syncs alice's stars, the filters applied
      gizzahub.bulk_clone.bulk_clone: {api_url: "%(github)s", token: "%(token)s", owner_kind: starred,
                                      owners: [alice], dest: "%(dest)s/module", min_stars: 0,
                                      include: ["glob:**"], return_repos: all}
      register: module
    - name: the role, one item per feature
      ansible.builtin.include_role:
        name: gizzahub.bulk_clone.workspace
      vars:
        workspace_root: "%(dest)s/role"
        workspace_install_git: false
        workspace_install_python_libraries: false
        workspace_python: "%(python)s"
        workspace_token: "%(token)s"
        workspace_path_template: "{owner}/{name}"
        workspace_orgs:
          - {api_url: "%(github)s", owner_kind: starred, owners: [alice]}
          - {provider: gitlab, api_url: "%(gitlab)s", owners: [grp], with_shared: true}
          - {provider: gitlab, api_url: "%(gitlab)s", owner_kind: all, include: ["glob:bob/*"]}
          - {provider: gitea, api_url: "%(gitea)s", owners: [tea], pushed_within: 1d, min_stars: 1,
             include: ["glob:tea/*"]}
    - name: write what each door returned
      ansible.builtin.copy:
        dest: "%(dest)s/out.json"
        mode: "0600"
        content: >-
          {{ {'starred': starred.repos | map(attribute='full_path') | list,
              'instance': instance.repos | map(attribute='full_path') | list,
              'shared': shared.repos | map(attribute='full_path') | list,
              'filtered': filtered.repos | map(attribute='full_path') | list,
              'module': module.repos | map(attribute='full_path') | list,
              'role': workspace_clone.results | map(attribute='repos') | list} | to_json }}
"""


@pytest.mark.slow
@pytest.mark.skipif(not (COLLECTIONS / "ansible_collections" / "gizzahub" / "bulk_clone").is_dir(),
                    reason="the collection is not linked into .venv/collections (run `make venv`)")
def test_ansible_modules_and_the_role(doors, tmp_path, hermetic_git):
    truth = _truths(doors)
    play = tmp_path / "play.yml"
    play.write_text(PLAYBOOK % dict(github=doors.github_api, gitlab=doors.gitlab_url, gitea=doors.url, token=TOKEN,
                                    dest=str(tmp_path), python=sys.executable))
    proc = subprocess.run([os.path.join(str(VENV_BIN), "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           str(play)], env=ansible_env(HOME=os.environ["HOME"]), capture_output=True, text=True, check=False,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    out = json.loads((tmp_path / "out.json").read_text())
    assert set(out["starred"]) == truth["starred"]
    assert set(out["instance"]) == truth["instance"]
    assert set(out["shared"]) == truth["with_shared"]
    assert set(out["filtered"]) == truth["filtered"]
    assert set(out["module"]) == truth["starred"]
    assert all((tmp_path / "module" / p).is_dir() for p in truth["starred"])
    role = [{r["full_path"] for r in repos} for repos in out["role"]]
    assert role == [truth["starred"], truth["with_shared"], {p for p in truth["instance"] if p.startswith("bob/")},
                    truth["filtered"]]
    assert all((tmp_path / "role" / p).is_dir() for p in truth["starred"] | truth["with_shared"])
