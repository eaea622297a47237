# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real git against the forge: clones, partial clones, mirrors, fetches, pushes."""

from __future__ import annotations

import base64
import os
import subprocess

import pytest
import requests

TOKEN = "forge-token"


def git(*args, cwd=None, env=None, check=True):
    full_env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1",
                    GIT_CONFIG_GLOBAL=os.devnull, **(env or {}))
    proc = subprocess.run(["git"] + list(args), cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=120, check=False)
    if check and proc.returncode != 0:
        raise AssertionError("git %s failed: %s" % (" ".join(args), proc.stderr))
    return proc


def with_token(url, user="x-access-token"):
    return url.replace("http://", "http://%s:%s@" % (user, TOKEN))


def extraheader_env(token=TOKEN):
    value = "AUTHORIZATION: basic " + base64.b64encode(("x-access-token:" + token).encode()).decode()
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader", "GIT_CONFIG_VALUE_0": value}


def pick(forge, service, owner, **want):
    for repo in forge.repos(service, owner):
        if all(repo[k] == v for k, v in want.items()):
            return repo
    raise LookupError(want)


def head_of(path, ref="HEAD"):
    return git("rev-parse", ref, cwd=path).stdout.strip()


@pytest.mark.parametrize("service,owner", [("github", "acme"), ("gitlab", "platform"), ("gitea", "tools")])
def test_public_clone_without_auth_matches_truth(forge, tmp_path, service, owner):
    repo = pick(forge, service, owner, private=False, empty=False, disabled=False)
    git("clone", "-q", repo["clone_url"], str(tmp_path / "c"))
    assert head_of(tmp_path / "c") == repo["head"]
    assert git("symbolic-ref", "--short", "HEAD", cwd=tmp_path / "c").stdout.strip() == repo["default_branch"]
    counts = forge.git_requests_by_repo(service)[repo["full_path"]]
    assert counts["info-refs"] == 1 and counts["upload-pack"] == 2        # protocol v2: ls-refs + fetch


def test_private_repo_needs_the_token(forge, tmp_path):
    repo = pick(forge, "github", "acme", private=True, empty=False)
    denied = git("clone", "-q", repo["clone_url"], str(tmp_path / "no"), check=False)
    assert denied.returncode != 0
    raw = requests.get(repo["clone_url"] + "/info/refs?service=git-upload-pack", timeout=30)
    assert raw.status_code == 401 and raw.headers["WWW-Authenticate"] == 'Basic realm="forge"'
    bad = git("clone", "-q", repo["clone_url"].replace("http://", "http://x:wrong@"), str(tmp_path / "bad"),
              check=False)
    assert bad.returncode != 0
    git("clone", "-q", with_token(repo["clone_url"]), str(tmp_path / "ok"))
    assert head_of(tmp_path / "ok") == repo["head"]
    bearer = requests.get(repo["clone_url"] + "/info/refs?service=git-upload-pack", timeout=30,
                          headers={"Authorization": "Bearer " + TOKEN})
    assert bearer.status_code == 200 and b"git-upload-pack" in bearer.content


def test_extraheader_authenticates_the_first_request(forge, tmp_path):
    repo = pick(forge, "gitlab", "platform", visibility="internal", empty=False)
    git("clone", "-q", repo["clone_url"], str(tmp_path / "c"), env=extraheader_env())
    assert head_of(tmp_path / "c") == repo["head"]
    assert forge.counters().get("status:401", 0) == 0


@pytest.mark.parametrize("user", ["oauth2", "x-access-token", TOKEN])
def test_token_as_basic_user_or_password(forge, tmp_path, user):
    repo = pick(forge, "gitea", "tools", private=True, empty=False)
    url = repo["clone_url"].replace("http://", "http://%s:%s@" % (user, TOKEN if user != TOKEN else "x"))
    git("clone", "-q", url, str(tmp_path / "c"))
    assert head_of(tmp_path / "c") == repo["head"]


def test_partial_clone_fetches_blobs_lazily(forge, tmp_path):
    repo = pick(forge, "github", "acme", private=True, empty=False, disabled=False)
    dest = tmp_path / "p"
    git("-c", "protocol.version=2", "clone", "-q", "--no-checkout", "--filter=blob:none",
        with_token(repo["clone_url"]), str(dest))
    before = forge.git_requests_by_repo("github")[repo["full_path"]]["upload-pack"]
    assert git("config", "remote.origin.promisor", cwd=dest).stdout.strip() == "true"
    missing = git("rev-list", "--objects", "--missing=print", "HEAD", cwd=dest).stdout
    assert any(line.startswith("?") for line in missing.splitlines())    # blobs really were left out
    git("checkout", "-q", repo["default_branch"], cwd=dest)
    after = forge.git_requests_by_repo("github")[repo["full_path"]]["upload-pack"]
    assert after > before                                                # the lazy fetch went to the forge
    assert (dest / "README.md").read_text().startswith("# " + repo["full_path"])


def test_mirror_clone_has_every_ref(forge, tmp_path):
    repo = next(r for r in forge.repos("github", "acme") if not r["empty"] and not r["private"]
                and not r["disabled"] and r["name"].endswith("-0"))
    git("clone", "-q", "--mirror", repo["clone_url"], str(tmp_path / "m.git"))
    refs = git("for-each-ref", "--format=%(refname)", cwd=tmp_path / "m.git").stdout.split()
    assert "refs/heads/" + repo["default_branch"] in refs
    assert "refs/tags/v1.0" in refs and any(r.startswith("refs/heads/feature/") for r in refs)
    assert head_of(tmp_path / "m.git") == repo["head"]


def test_empty_repo_clones_as_empty(forge, tmp_path):
    repo = pick(forge, "github", "acme", empty=True, private=False)
    proc = git("clone", with_token(repo["clone_url"]), str(tmp_path / "e"))
    assert "empty repository" in proc.stderr
    assert git("rev-parse", "--verify", "-q", "HEAD", cwd=tmp_path / "e", check=False).returncode != 0


def test_disabled_repo_is_403(forge, tmp_path):
    repo = pick(forge, "github", "acme", disabled=True)
    raw = requests.get(repo["clone_url"] + "/info/refs?service=git-upload-pack", timeout=30,
                       headers={"Authorization": "token " + TOKEN})
    assert raw.status_code == 403
    assert git("clone", "-q", with_token(repo["clone_url"]), str(tmp_path / "d"), check=False).returncode != 0


def test_unknown_repo_is_404(forge):
    raw = requests.get(forge.url + "/acme/nope.git/info/refs?service=git-upload-pack", timeout=30)
    assert raw.status_code == 404


def test_fetch_after_push_commits(fresh_forge, tmp_path):
    forge = fresh_forge(["github:acme:6", "gitlab:grp:6:flat=1", "gitea:tea:6"], activity_granularity=0)
    for service, owner in (("github", "acme"), ("gitlab", "grp"), ("gitea", "tea")):
        repo = pick(forge, service, owner, empty=False, private=False, archived=False)
        dest = tmp_path / service
        git("clone", "-q", repo["clone_url"], str(dest))
        assert forge.push_commits(service, [repo["full_path"]]) == [repo["full_path"]]
        moved = pick(forge, service, owner, id=repo["id"])
        assert moved["marker"] != repo["marker"] and moved["head"] != repo["head"]
        git("pull", "-q", "--ff-only", cwd=dest)
        assert head_of(dest) == moved["head"]
        assert git("rev-parse", "HEAD~1", cwd=dest).stdout.strip() == repo["head"]
        assert (dest / "CHANGES.md").exists()


def test_push_commits_on_empty_repo_and_by_count(fresh_forge, tmp_path):
    forge = fresh_forge(["github:acme:10"])
    empty = pick(forge, "github", "acme", empty=True)
    forge.push_commits("github", [empty["full_path"]])
    now = pick(forge, "github", "acme", id=empty["id"])
    assert not now["empty"] and now["head"]
    git("clone", "-q", with_token(now["clone_url"]), str(tmp_path / "e"))
    assert head_of(tmp_path / "e") == now["head"]
    pushed = forge.push_commits("github", count=3)
    assert len(pushed) == 3 and len(set(pushed)) == 3


def test_gitlab_marker_is_coarse(fresh_forge):
    forge = fresh_forge(["gitlab:grp:3:flat=1"])                  # default granularity: an hour
    repo = pick(forge, "gitlab", "grp", empty=False)
    forge.push_commits("gitlab", [repo["full_path"]])
    once = pick(forge, "gitlab", "grp", id=repo["id"])
    assert once["marker"] != repo["marker"]                       # old activity was long ago
    forge.push_commits("gitlab", [repo["full_path"]])
    twice = pick(forge, "gitlab", "grp", id=repo["id"])
    assert twice["marker"] == once["marker"] and twice["head"] != once["head"]


@pytest.mark.parametrize("service", ["github", "gitlab", "gitea"])
def test_push_to_create_on_mirror_target(fresh_forge, tmp_path, service):
    forge = fresh_forge(["github:acme:2", "gitlab:grp:2:flat=1", "gitea:tea:2"])
    owner = {"github": "acme", "gitlab": "grp", "gitea": "tea"}[service]
    src = pick(forge, service, owner, empty=False)
    git("clone", "-q", "--mirror", with_token(src["clone_url"]), str(tmp_path / "m.git"))
    prefix = {"github": "", "gitlab": "/gitlab", "gitea": "/gitea"}[service]
    name = "mirror-target/" + ("acme/copy" if service == "gitlab" else "copy")
    target = "%s%s/%s.git" % (forge.url, prefix, name)
    denied = git("push", "-q", "--mirror", target, cwd=tmp_path / "m.git", check=False)
    assert denied.returncode != 0                                 # no token, no push
    git("push", "-q", "--mirror", with_token(target), cwd=tmp_path / "m.git")
    created = {r["full_path"]: r for r in forge.repos(service, "mirror-target")}[name]
    assert created["head"] == src["head"] and not created["empty"]
    git("clone", "-q", with_token(target), str(tmp_path / "back"))
    assert head_of(tmp_path / "back") == src["head"]
    assert forge.counters()["git:receive-pack"] >= 1
    # a second push of a new commit moves the marker and the head
    forge.push_commits(service, [name])
    git("fetch", "-q", cwd=tmp_path / "back")
    assert head_of(tmp_path / "back", "origin/HEAD") == pick(forge, service, "mirror-target", id=created["id"])["head"]


def test_push_to_ordinary_repo_is_refused(fresh_forge, tmp_path):
    forge = fresh_forge(["github:acme:3"])
    repo = pick(forge, "github", "acme", empty=False)
    git("clone", "-q", with_token(repo["clone_url"]), str(tmp_path / "c"))
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x",
        cwd=tmp_path / "c")
    refused = git("push", "-q", "origin", "HEAD", cwd=tmp_path / "c", check=False)
    assert refused.returncode != 0 and "403" in refused.stderr


def test_big_repo_carries_a_large_incompressible_blob(fresh_forge, tmp_path):
    forge = fresh_forge(["gitea:tea:4:big=1"])
    big = [r for r in forge.repos("gitea", "tea") if r["big"]]
    assert len(big) == 1
    git("clone", "-q", "--bare", with_token(big[0]["clone_url"]), str(tmp_path / "b.git"))
    pack_bytes = sum(p.stat().st_size for p in (tmp_path / "b.git" / "objects" / "pack").glob("*.pack"))
    assert pack_bytes > 3 * 1024 * 1024
    # A push that big goes out chunked; the forge de-chunks it for http-backend.
    target = forge.url + "/gitea/mirror-target/big-copy.git"
    git("push", "-q", "--mirror", with_token(target), cwd=tmp_path / "b.git")
    copy = {r["full_path"]: r for r in forge.repos("gitea", "mirror-target")}["mirror-target/big-copy"]
    assert copy["head"] == big[0]["head"]


def test_gzip_request_body_and_protocol_v2(forge):
    import gzip
    repo = pick(forge, "github", "acme", private=False, empty=False, disabled=False)
    body = b"0014command=ls-refs\n" + b"0001" + b"0009peel\n" + b"0000"
    resp = requests.post(repo["clone_url"] + "/git-upload-pack", data=gzip.compress(body), timeout=30,
                         headers={"Content-Type": "application/x-git-upload-pack-request",
                                  "Content-Encoding": "gzip", "Git-Protocol": "version=2"})
    assert resp.status_code == 200
    assert ("%s refs/heads/%s" % (repo["head"], repo["default_branch"])).encode() in resp.content
    caps = requests.get(repo["clone_url"] + "/info/refs?service=git-upload-pack", timeout=30,
                        headers={"Git-Protocol": "version=2"})
    assert b"version 2" in caps.content and b"filter" in caps.content


def test_same_spec_gives_same_commits(fresh_forge):
    first = fresh_forge(["github:acme:8", "gitlab:grp:8"])
    second = fresh_forge(["github:acme:8", "gitlab:grp:8"])
    for service, owner in (("github", "acme"), ("gitlab", "grp")):
        a = [(r["full_path"], r["head"], r["marker"]) for r in first.repos(service, owner)]
        b = [(r["full_path"], r["head"], r["marker"]) for r in second.repos(service, owner)]
        assert a == b


def test_renamed_repo_keeps_its_directory(fresh_forge, tmp_path):
    forge = fresh_forge(["github:acme:3"])
    repo = pick(forge, "github", "acme", empty=False)
    git("clone", "-q", with_token(repo["clone_url"]), str(tmp_path / "a"))
    new_path = forge.rename_repo("github", repo["full_path"], "new-name")
    git("clone", "-q", with_token("%s/%s.git" % (forge.url, new_path)), str(tmp_path / "b"))
    assert head_of(tmp_path / "b") == repo["head"]
