# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The local forge speaks Bitbucket Cloud 2.0 and Data Center 1.0 the way the
published docs say (see tests/forge/bitbucket_api.py and
bitbucket_server_api.py for the sources): paging, objects, errors, the
credentials each accepts (for REST and for real git), the rolling-hour
limit and its headers."""

from __future__ import annotations

import base64
import os
import subprocess
from urllib.parse import quote

import pytest
import requests


TOKEN = "forge-token"
API_TOKEN = "ATATT-forge-api-token"
APP_PASSWORD = "app-password-2019"
EMAIL = "forge-admin@forge.test"


@pytest.fixture(scope="module")
def bb(module_forge):
    return module_forge("forge-bb-wire", ["bitbucket:acme:25:projects=3", "bitbucket:empty-ws:0",
                                          "bitbucket-server:PRJ:30", "bitbucket-server-user:alice:2"],
                        tokens=(TOKEN, "forge-token-2"), bitbucket_api_tokens=[API_TOKEN],
                        bitbucket_app_passwords=[APP_PASSWORD], bitbucket_server_max_limit=27)


def basic(user, secret):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, secret)).encode()).decode()}


def bearer(token=TOKEN):
    return {"Authorization": "Bearer " + token}


def cloud(bb, path, headers=None, **params):
    return requests.get(bb.bitbucket_api + path, params=params, headers=headers if headers is not None else bearer(),
                        timeout=30)


def server(bb, path, headers=None, **params):
    return requests.get(bb.bitbucket_server_url + "/rest/api/1.0" + path, params=params,
                        headers=headers if headers is not None else bearer(), timeout=30)


# -- Cloud: paging and objects ---------------------------------------------------------

def test_cloud_pages_follow_next_until_it_is_gone(bb):
    first = cloud(bb, "/repositories/acme", pagelen=10).json()
    assert first["pagelen"] == 10 and first["size"] == 25 and first["page"] == 1 and len(first["values"]) == 10
    assert "previous" not in first
    assert first["next"] == bb.bitbucket_api + "/repositories/acme?pagelen=10&page=2"   # absolute, params kept
    seen, url, pages = [], bb.bitbucket_api + "/repositories/acme?pagelen=10", 0
    while url:
        page = requests.get(url, headers=bearer(), timeout=30).json()
        seen += [v["full_name"] for v in page["values"]]
        url, pages = page.get("next"), pages + 1
    assert pages == 3 and sorted(seen) == sorted(r["full_path"] for r in bb.repos("bitbucket", "acme"))
    last = cloud(bb, "/repositories/acme", pagelen=10, page=3).json()
    assert last["previous"].endswith("page=2") and len(last["values"]) == 5


def test_cloud_pagelen_defaults_to_10_and_is_capped_at_100(bb):
    assert cloud(bb, "/repositories/acme").json()["pagelen"] == 10
    assert cloud(bb, "/repositories/acme", pagelen=500).json()["pagelen"] == 100
    empty = cloud(bb, "/repositories/empty-ws").json()
    assert empty["values"] == [] and empty["size"] == 0 and "next" not in empty


def test_cloud_repository_object(bb):
    truth = {r["full_path"]: r for r in bb.repos("bitbucket", "acme")}
    for repo in cloud(bb, "/repositories/acme", pagelen=100).json()["values"]:
        want = truth[repo["full_name"]]
        assert repo["type"] == "repository" and repo["uuid"] == want["uuid"]
        assert repo["uuid"].startswith("{") and repo["uuid"].endswith("}")
        assert repo["slug"] == want["name"] == repo["slug"].lower()
        assert repo["is_private"] is want["private"] and repo["scm"] == "git"
        assert repo["updated_on"] == want["marker"] and repo["updated_on"].endswith("+00:00")
        assert repo["project"]["key"] == want["project"] and repo["project"]["type"] == "project"
        assert ("parent" in repo) is want["fork"]
        if want["empty"]:
            assert repo["mainbranch"] is None
        else:
            assert repo["mainbranch"] == {"type": "branch", "name": want["default_branch"]}
        clone = {link["name"]: link["href"] for link in repo["links"]["clone"]}
        # Authenticated: the caller's user name sits in the https clone link.
        assert clone["https"] == want["clone_url"].replace("http://", "http://forge-admin@")
        assert clone["ssh"].startswith("git@") and clone["ssh"].endswith(":%s.git" % repo["full_name"])
        for absent in ("archived", "topics", "id"):      # Cloud has none of these
            assert absent not in repo
    assert {r["project"] for r in truth.values()} == {"PRJ0", "PRJ1", "PRJ2"}


def test_cloud_anonymous_sees_public_repos_without_user_in_links(bb):
    values = cloud(bb, "/repositories/acme", headers={}, pagelen=100).json()["values"]
    public = {r["full_path"] for r in bb.repos("bitbucket", "acme") if not r["private"]}
    assert {v["full_name"] for v in values} == public
    assert all("@" not in link["href"] for v in values for link in v["links"]["clone"] if link["name"] == "https")


def test_cloud_errors(bb):
    missing = cloud(bb, "/repositories/no-such-ws")
    assert missing.status_code == 404
    assert missing.json() == {"type": "error", "error": {"message": "No workspace with identifier 'no-such-ws'."}}
    assert cloud(bb, "/repositories/acme", q='name ~ "api"').status_code == 400


# -- Cloud: credentials -------------------------------------------------------------------

def test_cloud_rest_credentials(bb):
    assert cloud(bb, "/repositories/acme", headers=bearer()).status_code == 200                # access token
    assert cloud(bb, "/repositories/acme", headers=basic(EMAIL, API_TOKEN)).status_code == 200  # API token + email
    as_bearer = cloud(bb, "/repositories/acme", headers=bearer(API_TOKEN))                       # API token alone
    assert as_bearer.status_code == 401
    assert as_bearer.json()["error"]["message"] == "Token is invalid, expired, or not supported for this endpoint."
    wrong_user = cloud(bb, "/repositories/acme", headers=basic("forge-admin", API_TOKEN))       # username, not email
    assert wrong_user.status_code == 401 and wrong_user.headers["WWW-Authenticate"] == 'Basic realm="Bitbucket.org HTTP"'
    for headers in (basic("forge-admin", APP_PASSWORD), bearer(APP_PASSWORD)):                  # switched off
        assert cloud(bb, "/repositories/acme", headers=headers).status_code == 401


def git(*args, cwd=None):
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    return subprocess.run(["git"] + list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def with_user(url, user, secret):
    return url.replace("http://", "http://%s:%s@" % (quote(user, safe=""), quote(secret, safe="")))


def private(bb, service, owner):
    return next(r for r in bb.repos(service, owner) if r["private"] and not r["empty"])


@pytest.mark.parametrize("user,secret,ok", [
    ("x-token-auth", TOKEN, True),                       # access token
    ("x-bitbucket-api-token-auth", API_TOKEN, True),     # API token, fixed user
    ("forge-admin", API_TOKEN, True),                    # API token, Bitbucket user name
    (EMAIL, API_TOKEN, False),                           # the email is for REST only
    ("forge-admin", TOKEN, False),                       # an access token needs x-token-auth
    ("forge-admin", APP_PASSWORD, False),                # app passwords are off
], ids=["access-token", "api-token-fixed-user", "api-token-username", "email", "access-token-wrong-user",
        "app-password"])
def test_cloud_git_credentials(bb, tmp_path, user, secret, ok):
    repo = private(bb, "bitbucket", "acme")
    proc = git("clone", "-q", with_user(repo["clone_url"], user, secret), str(tmp_path / "c"))
    if ok:
        assert proc.returncode == 0, proc.stderr
        assert git("rev-parse", "HEAD", cwd=str(tmp_path / "c")).stdout.strip() == repo["head"]
    else:
        assert proc.returncode != 0
        assert "You may not have access to this repository" in proc.stderr


# -- Cloud: the rolling-hour limit --------------------------------------------------------

def test_cloud_rate_headers_for_access_tokens_only(bb):
    bb.set_rate_limit("bitbucket", limit=10, reset_in=3600)
    resp = cloud(bb, "/repositories/acme")
    assert resp.headers["X-RateLimit-Limit"] == "10" and resp.headers["X-RateLimit-Resource"] == "api"
    assert resp.headers["X-RateLimit-NearLimit"] == "false"
    for _i in range(7):
        resp = cloud(bb, "/repositories/acme")
    assert resp.headers["X-RateLimit-NearLimit"] == "false"         # 2 of 10 left: 20 %, not below
    resp = cloud(bb, "/repositories/acme")
    assert resp.headers["X-RateLimit-NearLimit"] == "true"          # 1 of 10 left
    user = cloud(bb, "/repositories/acme", headers=basic(EMAIL, API_TOKEN))
    assert user.status_code == 200 and not any(h.lower().startswith("x-ratelimit") for h in user.headers)


def test_cloud_429_past_the_limit_without_retry_after(bb):
    bb.set_rate_limit("bitbucket", limit=3, reset_in=3600)
    codes = [cloud(bb, "/repositories/acme").status_code for _i in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = cloud(bb, "/repositories/acme")
    assert refused.json()["error"]["message"] == "Rate limit for this resource has been exceeded"
    assert "Retry-After" not in refused.headers


def test_cloud_window_rolls(bb):
    """A request older than the window no longer counts (no reset time)."""
    import time
    bb.set_rate_limit("bitbucket", limit=2, reset_in=0.5)
    assert [cloud(bb, "/repositories/acme").status_code for _i in range(3)] == [200, 200, 429]
    deadline = time.monotonic() + 10
    while cloud(bb, "/repositories/acme").status_code == 429:
        assert time.monotonic() < deadline, "the rolling window never freed a request"
        time.sleep(0.1)


def test_bitbucket_429_fault(bb):
    bb.inject({"kind": "bitbucket_429", "times": 1})
    assert cloud(bb, "/repositories/acme").status_code == 429
    assert cloud(bb, "/repositories/acme").status_code == 200


# -- Data Center ----------------------------------------------------------------------------

def test_server_paging_start_limit_next_page_start(bb):
    first = server(bb, "/projects/PRJ/repos", limit=7).json()
    assert (first["size"], first["limit"], first["isLastPage"], first["start"], first["nextPageStart"]) == \
        (7, 7, False, 0, 7)
    names, start = [], 0
    while True:
        page = server(bb, "/projects/PRJ/repos", limit=7, start=start).json()
        names += [v["slug"] for v in page["values"]]
        if page["isLastPage"]:
            assert "nextPageStart" not in page
            break
        start = page["nextPageStart"]
    assert sorted(names) == sorted(r["name"] for r in bb.repos("bitbucket-server", "PRJ"))
    assert server(bb, "/projects/PRJ/repos").json()["limit"] == 25                 # the default
    assert server(bb, "/projects/PRJ/repos", limit=1000).json()["limit"] == 27      # the server's cap


def test_server_repository_object_and_personal_projects(bb):
    truth = {r["full_path"]: r for r in bb.repos("bitbucket-server", "PRJ")}
    values = server(bb, "/projects/PRJ/repos", limit=20).json()["values"]
    for repo in values:
        want = truth["PRJ/" + repo["slug"]]
        assert repo["id"] == want["id"] and repo["project"]["key"] == "PRJ"
        assert repo["public"] is not want["private"] and repo["archived"] is want["archived"]
        assert ("origin" in repo) is want["fork"]
        clone = {link["name"]: link["href"] for link in repo["links"]["clone"]}
        assert clone["http"] == want["clone_url"].replace("http://", "http://forge-admin@")
        assert "/scm/prj/" in clone["http"]                                   # key in lower case
        for absent in ("updated_on", "defaultBranch", "mainbranch"):
            assert absent not in repo
    personal = server(bb, "/projects/~alice/repos").json()["values"]
    assert {v["project"]["key"] for v in personal} == {"~alice"} and personal[0]["project"]["type"] == "PERSONAL"


def test_server_errors_and_credentials(bb):
    missing = server(bb, "/projects/NOPE/repos")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["exceptionName"] == "com.atlassian.bitbucket.project.NoSuchProjectException"
    assert missing.json()["errors"][0]["message"] == "Project NOPE does not exist."
    assert server(bb, "/projects/PRJ/repos", headers=basic("forge-admin", TOKEN)).status_code == 200
    refused = server(bb, "/projects/PRJ/repos", headers=basic("someone-else", TOKEN))
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["exceptionName"].endswith("IncorrectPasswordAuthenticationException")
    assert server(bb, "/application-properties").json()["displayName"] == "Bitbucket"


def test_server_git_takes_bearer_and_the_owners_basic(bb, tmp_path):
    repo = private(bb, "bitbucket-server", "PRJ")
    header = "http.extraHeader=Authorization: Bearer " + TOKEN
    proc = git("-c", header, "clone", "-q", repo["clone_url"], str(tmp_path / "bearer"))
    assert proc.returncode == 0, proc.stderr
    assert git("clone", "-q", with_user(repo["clone_url"], "forge-admin", TOKEN), str(tmp_path / "basic")).returncode == 0
    assert git("clone", "-q", with_user(repo["clone_url"], "mallory", TOKEN), str(tmp_path / "no")).returncode != 0
