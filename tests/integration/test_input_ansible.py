# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 10, points 3, 4, 14 and 16, through Ansible as users run it
(`ansible -m` and `ansible-playbook`, at -vvv, against the local forge): a
token with a trailing newline works; one with a control character, credentials
in api_url, a path_template that could leave dest, timeout 0, a negative
max_failures and a dest under a file fail before any API request, naming the
option; and the token is in no form in the output or the results, even when
the forge echoes it back in an error. The token that comes from the
environment (GITHUB_TOKEN) is the interesting one: Ansible's no_log knows
nothing of it, so only the module's own redaction stands between it and the
output."""

from __future__ import annotations

import base64
import json
import subprocess

from functools import partial

import pytest

from ansible_support import COLLECTIONS, VENV_BIN, ansible_env, run_module
from bulk_clone_support import repo_heads
from secret_forms import leaks

TOKEN = "ghp_AnsibleInput0123456789abcdefQ"
CONTROL = TOKEN[:15] + "\n" + TOKEN[15:]
BELL = TOKEN[:15] + "\x07" + TOKEN[15:]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (COLLECTIONS / "ansible_collections" / "gizzahub" / "bulk_clone").is_dir(),
                       reason="the collection is not linked into .venv/collections (run `make venv`)"),
]


@pytest.fixture
def org(fresh_forge, hermetic_git):
    return fresh_forge(["github:acme:5"], tokens=(TOKEN,))


def api_requests(forge) -> int:
    return sum(v for k, v in forge.counters().items() if k.startswith("api:") and not k.endswith(":list"))


adhoc = partial(run_module, "bulk_clone", verbose=True)


def test_adhoc_token_from_the_environment_with_a_trailing_newline_works(org, tmp_path):
    dest = tmp_path / "src"
    rc, result, output = adhoc("owners=acme dest=%s api_url=%s" % (dest, org.github_api), GITHUB_TOKEN=TOKEN + "\n")
    assert rc == 0 and result["status"] == "CHANGED", output[-3000:]
    truth = {r["full_path"]: r["head"] for r in org.repos("github", "acme")}
    assert any(r["private"] for r in org.repos("github", "acme"))
    assert result["counts"]["cloned"] == len(truth) and repo_heads(dest) == truth
    assert leaks(TOKEN, [output]) == []


def test_adhoc_control_character_in_the_environment_token_is_refused_before_any_request(org, tmp_path):
    rc, result, output = adhoc("owners=acme dest=%s api_url=%s" % (tmp_path / "src", org.github_api),
                               GITHUB_TOKEN=CONTROL)
    assert rc != 0 and result["status"] == "FAILED", output[-3000:]
    assert result["msg"].startswith("token (from the environment variable GITHUB_TOKEN) contains a control character")
    assert api_requests(org) == 0 and not (tmp_path / "src").exists()
    assert leaks(CONTROL, [output]) == []


PLAYBOOK = """\
- hosts: localhost
  gather_facts: false
  vars:
    forge: &forge
      api_url: {api}
      owners: acme
  tasks:
    - name: A token with a control character inside
      gizzahub.bulk_clone.bulk_clone: {{<<: *forge, dest: {dest}, token: {bell}}}
      register: control
      ignore_errors: true
    - name: Credentials inside api_url
      gizzahub.bulk_clone.org_repos: {{owners: acme, api_url: {creds_url}}}
      register: creds
      ignore_errors: true
    - name: A path_template that would leave dest
      gizzahub.bulk_clone.bulk_clone: {{<<: *forge, dest: {dest}, path_template: "../{{name}}"}}
      register: template
      ignore_errors: true
    - name: timeout 0
      gizzahub.bulk_clone.bulk_clone: {{<<: *forge, dest: {dest}, timeout: 0}}
      register: timeout
      ignore_errors: true
    - name: A negative max_failures
      gizzahub.bulk_clone.bulk_clone: {{<<: *forge, dest: {dest}, max_failures: -2}}
      register: max_failures
      ignore_errors: true
    - name: dest under a file
      gizzahub.bulk_clone.bulk_clone: {{<<: *forge, dest: {under_file}}}
      register: under_file
      ignore_errors: true
    - name: What the forge has counted so far (control calls are not counted)
      ansible.builtin.uri: {{url: "{control}/counters", method: POST, body_format: json, body: {{}}}}
      register: counted
    - name: A forge that echoes the credentials in an error (the token from GITHUB_TOKEN)
      gizzahub.bulk_clone.org_repos: {{api_url: {api}, owners: echo-org}}
      register: echo_listing
      ignore_errors: true
    - name: The same through bulk_clone
      gizzahub.bulk_clone.bulk_clone: {{api_url: {api}, owners: echo-org, dest: {echo_dest}}}
      register: echo_sync
      ignore_errors: true
    - name: A token pasted with a trailing newline
      gizzahub.bulk_clone.org_repos: {{<<: *forge, token: {newline}}}
      register: newline
    - name: Keep the results for the test
      ansible.builtin.copy:
        dest: {results}
        content: "{{{{ dict(control=control, creds=creds, template=template, timeout=timeout,
                   max_failures=max_failures, under_file=under_file, counted=counted.json.result,
                   echo_listing=echo_listing, echo_sync=echo_sync, newline=newline) | to_json }}}}"
"""


def test_playbook_refuses_bad_input_before_any_request_and_never_shows_the_token(org, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    basic = base64.b64encode(("x-access-token:" + TOKEN).encode()).decode()
    org.inject({"kind": "status", "service": "github", "status": 422, "path": "^/api/v3/(orgs|users)/echo-org",
                "times": -1, "body": {"message": "got token %s and Basic %s (%r)" % (TOKEN, basic, TOKEN + "\n")}})
    results = tmp_path / "results.json"
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK.format(
        api=json.dumps(org.github_api), dest=json.dumps(str(tmp_path / "src")), bell=json.dumps(BELL),
        creds_url=json.dumps(org.github_api.replace("http://", "http://alice:%s@" % TOKEN)),
        under_file=json.dumps(str(blocker / "src")), echo_dest=json.dumps(str(tmp_path / "echo")), control=org.url + "/_forge",
        newline=json.dumps(TOKEN + "\n"), results=json.dumps(str(results))))
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-vvv", str(playbook)],
                          env=ansible_env(GITHUB_TOKEN=TOKEN), capture_output=True, text=True, timeout=600, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    got = json.loads(results.read_text())

    for name in ("control", "creds", "template", "timeout", "max_failures", "under_file", "echo_listing", "echo_sync"):
        assert got[name]["failed"] is True, (name, got[name])
    assert got["control"]["msg"].startswith("token contains a control character or a line break inside it")
    assert got["creds"]["msg"].startswith("api_url must not carry credentials in the URL (http://***@127.0.0.1:")
    assert "the token option (or the BULK_CLONE_TOKEN environment variable)" in got["creds"]["msg"]
    assert got["template"]["msg"].startswith("path_template '../{name}' has a '..' folder and would leave dest")
    assert got["timeout"]["msg"].startswith("timeout must be more than 0 seconds")
    assert got["max_failures"]["msg"].startswith("max_failures must be -1 (never fail), 0 or more, not -2")
    assert got["under_file"]["msg"] == "dest's parent %s is a file, not a folder: choose another dest" % blocker
    assert sum(v for k, v in got["counted"].items() if k.startswith("api:")) == 0     # all refused up front
    assert not (tmp_path / "src").exists()
    for name in ("echo_listing", "echo_sync"):
        assert "GitHub answered 422" in got[name]["msg"] and "***" in got[name]["msg"], got[name]
    assert got["newline"]["count"] == len(org.repos("github", "acme")) - sum(
        1 for r in org.repos("github", "acme") if r["disabled"])
    assert any(r["visibility"] == "private" for r in got["newline"]["repos"])

    # In no form anywhere: the output at -vvv and every registered result.
    text = results.read_text()
    assert leaks(TOKEN, [output, text]) == [] and leaks(BELL, [output, text]) == []
    assert "alice" not in output and "alice" not in text
