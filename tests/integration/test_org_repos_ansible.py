# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3 acceptance: org_repos exercised through Ansible itself, as users
run it: `ansible localhost -m gizzahub.bulk_clone.org_repos` and a playbook,
as subprocesses that find the collection through ANSIBLE_COLLECTIONS_PATH
(the Makefile links this checkout there).

Each Ansible start costs a few seconds, so every run checks several things.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Dict, List

from functools import partial

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
COLLECTIONS = os.path.join(ROOT, ".venv", "collections")
PLAYBOOK = os.path.join(ROOT, "tests", "integration", "ansible", "org_repos.yml")
# A token no repo name, URL or message would contain by chance, so finding it
# anywhere in Ansible's output is a leak.
SECRET = "tok-Zq81-do-not-print"

from ansible_support import ansible_env, run_module  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "gizzahub", "bulk_clone")),
                       reason="the collection is not linked into .venv/collections (run `make venv`)"),
]


@pytest.fixture(scope="module")
def aforge(tmp_path_factory):
    from tests.forge import Forge
    forge = Forge(specs=["github:acme:30", "gitlab:grp:25", "gitea:tea:40"],
                  root=str(tmp_path_factory.mktemp("forge-ansible")), tokens=(SECRET, "forge-token-2"))
    forge.start()
    yield forge
    forge.stop()


adhoc = partial(run_module, "org_repos")


def truth(forge, service: str, owner: str) -> List[Dict]:
    return [r for r in forge.repos(service, owner) if not r["disabled"]]


def test_adhoc_lists_with_verbose_output_and_no_token_in_it(aforge):
    args = "api_url=%s token=%s owners=acme fields=full_path,id,clone_url" % (aforge.github_api, SECRET)
    rc, result, output = adhoc(args, "-vvv")
    assert rc == 0, output
    assert result["changed"] is False
    expected = {(r["id"], r["full_path"]) for r in truth(aforge, "github", "acme")}
    assert {(r["id"], r["full_path"]) for r in result["repos"]} == expected
    assert result["count"] == len(expected)
    assert all(set(r) == {"full_path", "id", "clone_url"} for r in result["repos"])
    assert result["stats"]["requests"] >= 2 and result["stats"]["rate_limit"]["core"]["limit"] == 5000
    assert SECRET not in output
    assert "ansible [core" in output and "<127.0.0.1>" in output or "ESTABLISH LOCAL" in output  # really -vvv


def test_adhoc_check_mode_with_the_token_from_the_environment(aforge):
    """Check mode lists the same and changes nothing; the token comes from
    GITLAB_TOKEN, the variable GitLab's own tools read."""
    args = "provider=gitlab api_url=%s owners=grp owner_kind=group" % aforge.gitlab_url
    rc, result, output = adhoc(args, "--check", "-v", GITLAB_TOKEN=SECRET)
    assert rc == 0, output
    assert result["changed"] is False
    expected = {r["full_path"] for r in truth(aforge, "gitlab", "grp")}
    assert {r["full_path"] for r in result["repos"]} == expected
    assert any(r["full_path"].count("/") >= 2 for r in result["repos"])       # subgroups came along
    assert SECRET not in output


def test_adhoc_failures_name_what_to_change(aforge):
    # A wrong token: the forge's refusal, with the option to fix, and no token echoed.
    rc, result, output = adhoc("provider=gitea api_url=%s token=%s-wrong owners=tea" % (aforge.url, SECRET), "-vvv")
    assert rc != 0 and result["status"] == "FAILED"
    assert "rejected the token" in result["msg"] and "check `token`" in result["msg"]
    assert SECRET not in output
    # A bad shard fails in the engine's validation with the expected form.
    rc, result, output = adhoc("api_url=%s token=%s owners=acme shard=4/4" % (aforge.github_api, SECRET))
    assert rc != 0 and result["status"] == "FAILED"
    assert result["msg"].startswith("shard: '4/4' is not valid")
    assert "changed" not in result or result["changed"] is False


def test_playbook(aforge, tmp_path):
    out = tmp_path / "result.json"
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"forge_url": aforge.url, "token": SECRET, "out": str(out),
                                 "acme_count": len(truth(aforge, "github", "acme"))}))
    proc = subprocess.run(
        [os.path.join(VENV_BIN, "ansible-playbook"), PLAYBOOK, "-e", "@%s" % extra, "-v"],
        env=ansible_env(), capture_output=True, text=True, timeout=300, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert re.search(r"localhost\s+: ok=5\s+changed=1\s+unreachable=0\s+failed=0", output), output
    assert SECRET not in output
    data = json.loads(out.read_text())
    # Gitea: every repo that is not archived, with the three fields asked for.
    tea = truth(aforge, "gitea", "tea")
    assert {r["full_path"] for r in data["gitea"]["repos"]} == {r["full_path"] for r in tea if not r["archived"]}
    assert data["gitea"]["stats"]["excluded"] == {"archived": sum(1 for r in tea if r["archived"])}
    # GitHub GraphQL, two shards: disjoint, and together the whole org.
    shard_sets = [{r["full_path"] for r in shard["repos"]} for shard in data["shards"]]
    assert not shard_sets[0] & shard_sets[1]
    assert shard_sets[0] | shard_sets[1] == {r["full_path"] for r in truth(aforge, "github", "acme")}
    # GitLab topics_any.
    want = {r["full_path"] for r in truth(aforge, "gitlab", "grp") if "infra" in r["topics"]}
    assert want and {r["full_path"] for r in data["gitlab"]["repos"]} == want


def test_missing_client_library_fails_with_missing_required_lib(aforge, tmp_path):
    """A host without PyGithub. Rather than build a second virtualenv, a
    `github` package that raises ImportError is put first on the module's
    PYTHONPATH: the module sees exactly what a host without PyGithub shows it."""
    shadow = tmp_path / "shadow" / "github"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named github (simulated)')\n")
    rc, result, output = adhoc("api_url=%s token=%s owners=acme" % (aforge.github_api, SECRET), "-vvv",
                               PYTHONPATH=str(shadow.parent))
    assert rc != 0 and result["status"] == "FAILED"
    assert "Failed to import the required Python library (PyGithub)" in result["msg"]
    assert SECRET not in output
