# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every injected fault is observable with the real clients."""

from __future__ import annotations

import email.utils
import os
import subprocess
import time

import gitlab
import pytest
import requests
from github import Auth, Github, GithubException, RateLimitExceededException

TOKEN = "forge-token"


def gh(forge, retry=None, per_page=100):
    return Github(auth=Auth.Token(TOKEN), base_url=forge.github_api, per_page=per_page,
                  seconds_between_requests=0, seconds_between_writes=0, retry=retry)


def get(url, **params):
    return requests.get(url, params=params, headers={"Authorization": "token " + TOKEN, "PRIVATE-TOKEN": TOKEN},
                        timeout=30)


def git(*args, check=False, env=None):
    full = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
                **(env or {}))
    proc = subprocess.run(["git"] + list(args), env=full, capture_output=True, text=True, timeout=120, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return proc


def with_token(url):
    return url.replace("http://", "http://x-access-token:%s@" % TOKEN)


# -- schema ------------------------------------------------------------------
def test_unknown_kind_and_wrong_service_are_refused(forge):
    with pytest.raises(ValueError):
        forge.inject({"kind": "explode"})
    with pytest.raises(ValueError):
        forge.inject({"kind": "reset_pack", "service": "github"})


def test_after_times_and_path(forge):
    forge.inject({"kind": "status", "service": "github", "status": 503, "path": r"/orgs/acme$", "after": 2,
                  "times": 2})
    codes = [get(forge.github_api + "/orgs/acme").status_code for _i in range(5)]
    assert codes == [200, 503, 503, 200, 200]
    assert get(forge.github_api + "/orgs/one").status_code == 200        # other paths untouched
    forge.clear_faults()
    forge.inject({"kind": "status", "service": "gitea", "status": 500, "times": -1})
    assert [get(forge.gitea_api + "/version").status_code for _i in range(3)] == [500, 500, 500]
    assert forge.list_faults()[0]["fired"] == 3


# -- GitHub ------------------------------------------------------------------
def test_secondary_limit_seen_by_pygithub(forge):
    forge.inject({"kind": "secondary", "service": "github", "path": "/orgs/acme/repos"})
    with pytest.raises(GithubException) as err:
        list(gh(forge).get_organization("acme").get_repos())
    assert err.value.status == 403
    assert err.value.data["message"].startswith("You have exceeded a secondary rate limit")
    assert err.value.data["documentation_url"].endswith("#about-secondary-rate-limits")
    assert int(err.value.headers["x-ratelimit-remaining"]) > 0


def test_secondary_429_with_retry_after_is_retried_by_pygithub(forge):
    from github.GithubRetry import GithubRetry
    forge.inject({"kind": "secondary", "service": "github", "status": 429, "retry_after": 1,
                  "path": "/orgs/acme$"})
    raw = get(forge.github_api + "/orgs/acme")
    assert raw.status_code == 429 and raw.headers["Retry-After"] == "1"
    forge.inject({"kind": "secondary", "service": "github", "status": 429, "retry_after": 1,
                  "path": "/orgs/acme$"})
    org = gh(forge, retry=GithubRetry(total=3)).get_organization("acme")
    assert org.login == "acme"
    assert forge.counters()["status:429"] == 2


@pytest.mark.parametrize("status", [403, 429])
def test_primary_exhaustion_stays_until_reset(forge, status):
    forge.inject({"kind": "primary", "service": "github", "status": status, "reset_in": 2, "path": "/orgs/acme"})
    first = get(forge.github_api + "/orgs/acme")
    assert first.status_code == status and first.headers["X-RateLimit-Remaining"] == "0"
    assert first.json()["message"] == "API rate limit exceeded for user ID 1."
    again = get(forge.github_api + "/orgs/one")                # no fault here: the budget itself is empty
    assert again.status_code == status
    if status == 403:
        with pytest.raises(RateLimitExceededException):
            gh(forge).get_organization("one")
    time.sleep(max(0.0, int(first.headers["X-RateLimit-Reset"]) - time.time()) + 0.2)
    assert get(forge.github_api + "/orgs/one").status_code == 200


def test_5xx_on_page_n(forge):
    forge.inject({"kind": "status", "service": "github", "status": 502, "path": r"repos\?.*page=2",
                  "body": "<html>Bad gateway</html>"})
    with pytest.raises(GithubException) as err:
        list(gh(forge).get_organization("acme").get_repos())
    assert err.value.status == 502
    assert forge.counters()["api:github:list"] == 2


def test_truncated_json(forge):
    forge.inject({"kind": "truncate", "service": "github", "path": "/orgs/acme/repos"})
    resp = get(forge.github_api + "/orgs/acme/repos")
    assert resp.status_code == 200 and int(resp.headers["Content-Length"]) == len(resp.content)
    with pytest.raises(ValueError):
        resp.json()
    forge.inject({"kind": "truncate", "service": "gitlab"})
    with pytest.raises(ValueError):
        get(forge.gitlab_url + "/api/v4/groups/platform/projects").json()


def test_slow_answer_trips_a_client_timeout(forge):
    forge.inject({"kind": "slow", "service": "gitea", "seconds": 3})
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(forge.gitea_api + "/version", timeout=0.5)
    assert get(forge.gitea_api + "/version").status_code == 200          # only once


def test_graphql_rate_limited(forge):
    forge.inject({"kind": "graphql_rate_limited", "reset_in": 30})
    query = {"query": "{ viewer { login } }"}
    headers = {"Authorization": "bearer " + TOKEN}
    first = requests.post(forge.github_graphql, json=query, headers=headers, timeout=30)
    assert first.status_code == 200 and first.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert first.headers["X-RateLimit-Remaining"] == "0" and "data" not in first.json()
    second = requests.post(forge.github_graphql, json=query, headers=headers, timeout=30)
    assert second.json()["errors"][0]["type"] == "RATE_LIMITED"          # the budget really is empty


def test_mutation_between_pages_makes_offset_gaps(fresh_forge):
    forge = fresh_forge(["github:acme:250"])
    truth = forge.repos("github", "acme")
    newest_first = sorted(truth, key=lambda r: r["id"], reverse=True)    # sort=created desc
    doomed = [r["full_path"] for r in newest_first[:10]]                 # all on page 1
    forge.inject({"kind": "mutate", "service": "github", "path": r"repos\?.*page=2",
                  "mutation": {"op": "delete", "full_paths": doomed}})
    seen = [r.full_name for r in gh(forge).get_organization("acme").get_repos()]
    survivors = {r["full_path"] for r in truth} - set(doomed)
    assert len(seen) == len(set(seen))
    assert len(survivors - set(seen)) == 10                              # shifted past: skipped by offset paging
    assert {r["full_path"] for r in forge.repos("github", "acme")} == survivors


def test_mutation_add_during_gitea_listing_lands_on_the_last_page(fresh_forge):
    forge = fresh_forge(["gitea:tea:60"])
    forge.inject({"kind": "mutate", "service": "gitea", "path": "page=2", "op": "add", "owner": "tea", "n": 5})
    rows = []
    url = forge.gitea_api + "/orgs/tea/repos?limit=50"
    while url:
        resp = get(url)
        rows += [r["id"] for r in resp.json()]
        url = resp.links.get("next", {}).get("url")
    # Gitea orders by id, so repos added mid-listing show up on the last page.
    assert rows == [r["id"] for r in forge.repos("gitea", "tea")] and len(rows) == 65


# -- GitLab ------------------------------------------------------------------
def test_gitlab_429_retry_after_obeyed_by_python_gitlab(forge):
    forge.inject({"kind": "gitlab_429", "retry_after": 1, "path": "/groups/platform$"})
    group = gitlab.Gitlab(forge.gitlab_url, private_token=TOKEN).groups.get("platform")
    assert group.full_path == "platform"
    assert forge.counters()["status:429"] == 1 and forge.counters()["api:gitlab"] == 2


def test_gitlab_429_raises_when_not_obeyed(forge):
    forge.inject({"kind": "gitlab_429", "retry_after": 1})
    gl = gitlab.Gitlab(forge.gitlab_url, private_token=TOKEN)
    with pytest.raises(gitlab.exceptions.GitlabListError) as err:
        gl.groups.list(obey_rate_limit=False)
    assert err.value.response_code == 429


def test_gitlab_429_per_endpoint_form_and_http_date(forge):
    forge.inject({"kind": "gitlab_429", "form": "endpoint", "times": 2})
    first = get(forge.gitlab_url + "/api/v4/groups/platform")
    assert first.status_code == 429 and not any(k.lower().startswith("ratelimit") for k in first.headers)
    assert first.json() == {"message": {"error": "This endpoint has been requested too many times. Try again later."}}
    # python-gitlab backs off (0.1 s, 0.2 s) without headers and gets through.
    assert gitlab.Gitlab(forge.gitlab_url, private_token=TOKEN).groups.get("platform").id
    forge.inject({"kind": "gitlab_429", "retry_after_date": 2})
    dated = get(forge.gitlab_url + "/api/v4/groups/platform")
    when = email.utils.parsedate_to_datetime(dated.headers["Retry-After"])
    assert dated.status_code == 429 and when.timestamp() > time.time()
    assert dated.headers["RateLimit-ResetTime"] == dated.headers["Retry-After"]


def test_gitlab_502_on_page_n_with_transient_retries(forge):
    forge.inject({"kind": "status", "service": "gitlab", "status": 502, "path": "page=2", "body": "Bad Gateway"})
    group = gitlab.Gitlab(forge.gitlab_url, private_token=TOKEN, per_page=50, retry_transient_errors=True)
    projects = list(group.groups.get("platform", lazy=True).projects.list(iterator=True, include_subgroups=True))
    assert len(projects) == 120 and forge.counters()["status:502"] == 1


# -- git ---------------------------------------------------------------------
def _clone_target(forge):
    return next(r for r in forge.repos("github", "acme") if not r["empty"] and not r["disabled"])


def test_reset_mid_pack_then_success(forge, tmp_path):
    repo = _clone_target(forge)
    forge.inject({"kind": "reset_pack", "path": repo["full_path"]})
    failed = git("clone", "-q", with_token(repo["clone_url"]), str(tmp_path / "a"))
    assert failed.returncode != 0 and failed.stderr.strip()
    assert not (tmp_path / "a").exists()                                # git cleaned up its half clone
    git("clone", "-q", with_token(repo["clone_url"]), str(tmp_path / "b"), check=True)
    assert forge.list_faults()[0]["fired"] == 1


def test_stalled_pack_hits_low_speed_limit(forge, tmp_path):
    repo = _clone_target(forge)
    forge.inject({"kind": "stall_pack", "path": repo["full_path"], "seconds": 20})
    stalled = git("-c", "http.lowSpeedLimit=1000", "-c", "http.lowSpeedTime=1", "clone", "-q",
                  with_token(repo["clone_url"]), str(tmp_path / "s"))
    assert stalled.returncode != 0
    git("clone", "-q", with_token(repo["clone_url"]), str(tmp_path / "ok"), check=True)


@pytest.mark.parametrize("status", [404, 403, 401])
def test_git_status_faults(forge, tmp_path, status):
    repo = _clone_target(forge)
    forge.inject({"kind": "git_status", "status": status, "path": repo["full_path"], "times": 2})
    raw = requests.get(repo["clone_url"] + "/info/refs?service=git-upload-pack",
                       headers={"Authorization": "Bearer " + TOKEN}, timeout=30)
    assert raw.status_code == status and "WWW-Authenticate" not in raw.headers
    failed = git("clone", "-q", with_token(repo["clone_url"]), str(tmp_path / "x"))
    assert failed.returncode != 0


def test_git_5xx_and_mutation_before_clone(fresh_forge, tmp_path):
    forge = fresh_forge(["github:acme:4"])
    repo = _clone_target(forge)
    forge.inject({"kind": "status", "service": "git", "status": 500, "path": "info/refs"})
    assert git("clone", "-q", with_token(repo["clone_url"]), str(tmp_path / "a")).returncode != 0
    forge.inject({"kind": "mutate", "service": "git", "path": "info/refs",
                  "mutation": {"op": "push", "service": "github", "full_paths": [repo["full_path"]]}})
    git("clone", "-q", with_token(repo["clone_url"]), str(tmp_path / "b"), check=True)
    head = git("-C", str(tmp_path / "b"), "rev-parse", "HEAD").stdout.strip()
    pushed = next(r for r in forge.repos("github", "acme") if r["id"] == repo["id"])
    assert head == pushed["head"] != repo["head"]                       # the push landed before the answer


# -- payload shape faults -----------------------------------------------------
def test_drop_field_and_strip_link(forge):
    forge.inject({"kind": "drop_field", "service": "github", "field": "archived", "path": "/orgs/acme/repos"})
    rows = get(forge.github_api + "/orgs/acme/repos").json()
    assert rows and all("archived" not in r for r in rows) and all("fork" in r for r in rows)
    forge.inject({"kind": "strip_link", "service": "github", "rels": ["last"], "path": "/orgs/acme/repos"})
    link = get(forge.github_api + "/orgs/acme/repos").headers["Link"]
    assert 'rel="next"' in link and 'rel="last"' not in link
    forge.inject({"kind": "strip_link", "service": "gitlab", "path": "/groups/platform/projects"})
    resp = get(forge.gitlab_url + "/api/v4/groups/platform/projects", include_subgroups="true")
    assert "X-Total-Pages" not in resp.headers and 'rel="last"' not in resp.headers["Link"]
    forge.inject({"kind": "strip_link", "service": "gitea", "rels": ["next"], "path": "/orgs/tools/repos"})
    gitea_link = get(forge.gitea_api + "/orgs/tools/repos").headers["Link"]
    assert gitea_link.count("<") == 1 and gitea_link.endswith('rel="last"')
