# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Credentials stay with the forge, at the git layer (issue 10, points 1 and 2).

Real git driven by GitRunner against the local forge, which redirects git
requests (fault git_redirect) or lists clone URLs on another host (fault
foreign_clone_url) pointing at a CaptureServer: a stranger's server that
records every byte it receives and answers 401 with a Basic challenge, so
that git would offer anything it had. The machine's git config has a
credential helper that answers for every host, as CI setups often do.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import gitlab
import pytest
import requests
from github import Auth, Github

from bulk_clone_engine.gitrunner import PERMANENT, GitError, GitRunner, url_host, withheld_note
from bulk_clone_support import git
from tests.forge.capture import CaptureServer, credential_like

TOKEN = "forge-token"
HELPER_SECRET = "helper-Secret-Password-9876"
SECRETS = (TOKEN, HELPER_SECRET, base64.b64encode(("x-access-token:" + TOKEN).encode()).decode())


@pytest.fixture
def machine_helper(hermetic_git, tmp_path):
    helper = tmp_path / "helper.sh"
    helper.write_text("#!/bin/sh\necho username=helper-user\necho password=%s\n" % HELPER_SECRET)
    helper.chmod(0o755)
    with open(hermetic_git, "a") as cfg:
        cfg.write("[credential]\n\thelper = %s\n" % helper)
    return helper


@pytest.fixture
def capture():
    with CaptureServer() as server:
        yield server


def runner_for(forge, **kw) -> GitRunner:
    kw.setdefault("timeout", 120)
    return GitRunner(token=TOKEN, origin=forge.url, backoff_base=0.01, backoff_max=0.05, **kw)


def pick(forge, private, service="github", owner="acme"):
    return next(r for r in forge.repos(service, owner)
                if r["private"] == private and not r["empty"] and not r["disabled"] and r["visibility"] != "internal")


def head_of(path: Path) -> str:
    return git("rev-parse", "HEAD", cwd=path)


def assert_nothing_credential_like(capture):
    leaks = {r.request_line: credential_like(r, *SECRETS) for r in capture.requests}
    assert not any(leaks.values()), leaks


# -- the faults themselves ----------------------------------------------------------
def test_git_redirect_fault_answers_info_refs_and_posts(forge, capture):
    repo = pick(forge, private=True)
    forge.inject({"kind": "git_redirect", "status": 307, "location": capture.url, "path": repo["full_path"],
                  "times": 2})
    refs = requests.get(repo["clone_url"] + "/info/refs?service=git-upload-pack", allow_redirects=False, timeout=30)
    post = requests.post(repo["clone_url"] + "/git-upload-pack", data=b"0000", allow_redirects=False, timeout=30)
    assert refs.status_code == post.status_code == 307                    # before any auth check
    assert refs.headers["Location"] == capture.url + "/%s.git/info/refs?service=git-upload-pack" % repo["full_path"]
    assert post.headers["Location"] == capture.url + "/%s.git/git-upload-pack" % repo["full_path"]
    again = requests.get(repo["clone_url"] + "/info/refs?service=git-upload-pack", allow_redirects=False, timeout=30)
    assert again.status_code == 401                                       # times=2 spent: the forge again
    assert capture.requests == []
    with pytest.raises(ValueError, match="location"):
        forge.inject({"kind": "git_redirect"})


# -- point 2: a redirect never carries credentials --------------------------------
@pytest.mark.parametrize("status", [301, 302, 307])
@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
@pytest.mark.parametrize("command", ["clone", "fetch", "ls-remote"])
def test_redirect_to_another_origin_carries_nothing_and_fails_naming_it(forge, tmp_path, capture, machine_helper,
                                                                        command, private, status):
    repo = pick(forge, private)
    runner = runner_for(forge, tries=3)
    cwd = None
    if command == "fetch":
        cwd = tmp_path / "existing"
        runner.run(["clone", "--", repo["clone_url"], str(cwd)])
        args = ["fetch", "--prune", "origin"]
    elif command == "clone":
        args = ["clone", "--", repo["clone_url"], str(tmp_path / "new")]
    else:
        args = ["ls-remote", repo["clone_url"]]
    forge.inject({"kind": "git_redirect", "status": status, "location": capture.url, "path": repo["full_path"],
                  "times": -1})

    with pytest.raises(GitError) as info:
        runner.run(args, cwd=cwd, retry=True)

    assert_nothing_credential_like(capture)
    assert capture.requests == []              # git did not even follow: see docs/forge-wire.md
    message = str(info.value)
    assert "redirected git to another host, %s (HTTP %d)" % (capture.host, status) in message
    assert info.value.failure.kind == PERMANENT and info.value.tries == 1
    assert TOKEN not in message
    if command == "clone":
        assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("status", [302, 307])
def test_redirect_of_the_pack_request_alone_fails_the_same_way(forge, tmp_path, capture, machine_helper, status):
    # info/refs answers normally; only the POSTs (ls-refs, fetch) are redirected.
    repo = pick(forge, private=True)
    forge.inject({"kind": "git_redirect", "status": status, "location": capture.url,
                  "path": repo["full_path"] + r"\.git/git-upload-pack$", "times": -1})
    with pytest.raises(GitError) as info:
        runner_for(forge).run(["clone", "--", repo["clone_url"], str(tmp_path / "new")])
    assert_nothing_credential_like(capture)
    assert "redirected git to another host, %s (HTTP %d)" % (capture.host, status) in str(info.value)
    assert info.value.failure.kind == PERMANENT


def test_redirect_target_userinfo_is_never_shown(forge, tmp_path, capture):
    repo = pick(forge, private=False)
    location = capture.url.replace("http://", "http://someone:hunter2-pass@")
    forge.inject({"kind": "git_redirect", "location": location, "path": repo["full_path"], "times": -1})
    with pytest.raises(GitError) as info:
        runner_for(forge).run(["ls-remote", repo["clone_url"]])
    assert "another host, %s (HTTP 302)" % capture.host in str(info.value)
    assert "hunter2" not in repr(info.value.result) and "someone" not in str(info.value)


def test_redirect_on_the_same_origin_is_not_followed_either(forge, tmp_path):
    # git cannot be told "follow only same-origin redirects": it is all, the
    # first request, or none. We choose none and say where it pointed.
    repo, other = [r for r in forge.repos("github", "acme") if not r["empty"] and not r["disabled"]][:2]
    forge.inject({"kind": "git_redirect", "status": 301, "location": other["clone_url"] + "/info/refs",
                  "keep_path": False, "path": repo["full_path"], "times": -1})
    with pytest.raises(GitError) as info:
        runner_for(forge).run(["ls-remote", repo["clone_url"]])
    assert ("redirected git to /%s.git/info/refs on the same host (HTTP 301)" % other["full_path"]
            in str(info.value))
    assert info.value.failure.kind == PERMANENT


def test_the_token_still_authenticates_the_first_request_to_the_forge(forge, tmp_path, machine_helper):
    repo = pick(forge, private=True)
    denied = GitRunner(timeout=120).run(["clone", "--", repo["clone_url"], str(tmp_path / "anon")], check=False)
    assert not denied.ok                                      # private: the token is what opens it
    forge.reset_counters()
    res = runner_for(forge).run(["clone", "--", repo["clone_url"], str(tmp_path / "c")])
    assert res.ok and head_of(tmp_path / "c") == repo["head"]
    counts = forge.counters()
    assert counts.get("status:401", 0) == 0                   # pre-emptive: no 401 round trip
    assert counts["git:info-refs"] == 1 and counts["git:upload-pack"] == 2
    res = runner_for(forge).run(["fetch", "--prune", "origin"], cwd=tmp_path / "c")
    assert res.ok and res.withheld_from == ()


# -- point 1 at the runner: a clone URL on another host gets nothing ----------------
def test_foreign_clone_url_fault_rewrites_every_listing_shape(forge):
    base = "http://elsewhere.invalid:8080"
    gh_repo = pick(forge, private=False)
    gl_repo = pick(forge, private=False, service="gitlab", owner="platform")
    tea_repo = pick(forge, private=False, service="gitea", owner="tools")
    for service, full_path in (("github", gh_repo["full_path"]), ("gitlab", gl_repo["full_path"]),
                               ("gitea", tea_repo["full_path"])):
        forge.inject({"kind": "foreign_clone_url", "service": service, "base": base, "repos": [full_path],
                      "times": -1})

    listed = {r.full_name: r.clone_url for r in Github(auth=Auth.Token(TOKEN), base_url=forge.github_api)
              .get_organization("acme").get_repos()}
    assert listed[gh_repo["full_path"]] == base + "/%s.git" % gh_repo["full_path"]
    assert all(url.startswith(forge.url) for name, url in listed.items() if name != gh_repo["full_path"])

    gl = gitlab.Gitlab(forge.gitlab_url, private_token=TOKEN)
    projects = {p.path_with_namespace: p.http_url_to_repo
                for p in gl.groups.get("platform", lazy=True).projects.list(iterator=True, include_subgroups=True)}
    assert projects[gl_repo["full_path"]] == base + "/gitlab/%s.git" % gl_repo["full_path"]
    assert sum(url.startswith(base) for url in projects.values()) == 1
    single = gl.projects.get(gl_repo["full_path"])
    assert single.http_url_to_repo.startswith(base)

    rows = requests.get(forge.gitea_api + "/orgs/tools/repos", params={"limit": 50},
                        headers={"Authorization": "token " + TOKEN}, timeout=30).json()
    by_name = {r["full_name"]: r["clone_url"] for r in rows}
    assert by_name[tea_repo["full_path"]] == base + "/gitea/%s.git" % tea_repo["full_path"]
    assert sum(url.startswith(base) for url in by_name.values()) == 1

    query = '{ organization(login: "acme") { repositories(first: 100) { nodes { nameWithOwner url } } } }'
    nodes = requests.post(forge.github_graphql, json={"query": query}, timeout=30,
                          headers={"Authorization": "bearer " + TOKEN}).json()["data"]["organization"][
        "repositories"]["nodes"]
    urls = {n["nameWithOwner"]: n["url"] for n in nodes}
    assert urls[gh_repo["full_path"]] == base + "/" + gh_repo["full_path"]


def test_foreign_clone_url_without_repos_rewrites_all_and_needs_a_base(forge):
    with pytest.raises(ValueError, match="base"):
        forge.inject({"kind": "foreign_clone_url", "service": "github"})
    forge.inject({"kind": "foreign_clone_url", "service": "github", "base": "https://x.invalid", "times": -1})
    rows = requests.get(forge.github_api + "/orgs/acme/repos", headers={"Authorization": "token " + TOKEN},
                        timeout=30).json()
    assert rows and all(r["clone_url"].startswith("https://x.invalid/acme/") for r in rows)
    assert all(r["html_url"].startswith(forge.url) for r in rows)          # only the clone URL moves


@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
def test_a_listed_clone_url_on_another_host_gets_no_credentials(forge, tmp_path, capture, machine_helper, private):
    repo = pick(forge, private)
    forge.inject({"kind": "foreign_clone_url", "service": "github", "base": capture.url,
                  "repos": [repo["full_path"]], "times": -1})
    listed = requests.get(forge.github_api + "/repos/" + repo["full_path"],
                          headers={"Authorization": "token " + TOKEN}, timeout=30).json()["clone_url"]
    assert listed.startswith(capture.url)
    runner = runner_for(forge)
    assert runner.withholds(listed)
    with pytest.raises(GitError) as info:
        runner.run(["clone", "--", listed, str(tmp_path / "c")], retry=True)
    assert capture.requests                                    # git did go there, and offered nothing
    assert_nothing_credential_like(capture)
    assert withheld_note(listed) in str(info.value)
    assert info.value.withheld_from == (url_host(listed),) and info.value.failure.kind == PERMANENT


def test_a_public_repo_listed_on_another_origin_is_cloned_without_credentials(forge, tmp_path):
    # Same server under another name: a different origin as far as credentials go.
    repo = pick(forge, private=False)
    other_origin = "http://localhost:%d" % forge.port
    forge.inject({"kind": "foreign_clone_url", "service": "github", "base": other_origin,
                  "repos": [repo["full_path"]], "times": -1})
    listed = requests.get(forge.github_api + "/repos/" + repo["full_path"],
                          headers={"Authorization": "token " + TOKEN}, timeout=30).json()["clone_url"]
    res = runner_for(forge).run(["clone", "--", listed, str(tmp_path / "c")])
    assert res.ok and res.withheld_from == ("localhost:%d" % forge.port,)
    assert head_of(tmp_path / "c") == repo["head"]
    private = pick(forge, private=True)
    with pytest.raises(GitError) as info:
        runner_for(forge).run(["ls-remote", private["clone_url"].replace(forge.url, other_origin)])
    assert info.value.failure.reason.startswith("authentication failed")
    assert "remote URL on localhost:%d, not the forge's; credentials withheld" % forge.port in str(info.value)
    assert os.path.isdir(tmp_path / "c" / ".git")
