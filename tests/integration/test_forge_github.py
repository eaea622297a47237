# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The local forge speaks GitHub REST the way PyGithub and raw clients expect."""

from __future__ import annotations

import json
import re
import time
import urllib.parse

import pytest
import requests
from github import Auth, Github, GithubException

from tests.forge import ForgeProcess

TOKEN = "forge-token"


def gh(forge, per_page=100, token=TOKEN):
    return Github(auth=Auth.Token(token) if token else None, base_url=forge.github_api, per_page=per_page,
                  seconds_between_requests=0, seconds_between_writes=0, retry=None)


def get(forge, path, token=TOKEN, **params):
    headers = {"Authorization": "token " + token} if token else {}
    return requests.get(forge.github_api + path, params=params, headers=headers, timeout=30)


def links(resp):
    out = {}
    for part in resp.headers.get("Link", "").split(", "):
        if part:
            url, rel = part.split("; ")
            out[rel[len('rel="'):-1]] = url[1:-1]
    return out


@pytest.mark.slow
def test_pygithub_lists_10000_repo_org_once_in_100_requests(big_github_forge):
    forge = big_github_forge
    forge.reset_counters()
    names = [r.full_name for r in gh(forge).get_organization("big").get_repos()]
    truth = {r["full_path"] for r in forge.repos("github", "big")}
    assert len(truth) == 10000
    assert len(names) == len(set(names)) == 10000
    assert set(names) == truth
    assert forge.counters()["api:github:list"] == 100


def test_link_header_exact_format_and_params_kept(forge):
    resp = get(forge, "/orgs/acme/repos", per_page=30, type="all")
    assert resp.status_code == 200 and len(resp.json()) == 30
    org_id = forge.owner_info("github", "acme")["id"]
    expected = ('<{base}/organizations/{id}/repos?per_page=30&type=all&page=2>; rel="next", '
                '<{base}/organizations/{id}/repos?per_page=30&type=all&page=9>; rel="last"').format(
                    base=forge.github_api, id=org_id)
    assert resp.headers["Link"] == expected
    middle = requests.get(links(resp)["next"], headers={"Authorization": "token " + TOKEN}, timeout=30)
    assert list(links(middle)) == ["prev", "next", "last", "first"]
    last = requests.get(links(resp)["last"], headers={"Authorization": "token " + TOKEN}, timeout=30)
    assert list(links(last)) == ["prev", "first"]
    assert len(last.json()) == 250 - 8 * 30


def test_link_uses_the_host_the_client_used(forge):
    base = forge.github_api.replace("127.0.0.1", "localhost")
    resp = requests.get(base + "/orgs/acme/repos", headers={"Authorization": "token " + TOKEN}, timeout=30)
    assert links(resp)["next"].startswith(base + "/organizations/")


def test_paging_edges(forge):
    assert "Link" not in get(forge, "/orgs/hundred/repos", per_page=100).headers
    assert len(get(forge, "/orgs/hundred/repos", per_page=100).json()) == 100
    two = get(forge, "/orgs/hundred-one/repos", per_page=100)
    assert links(two)["last"].endswith("page=2")
    assert get(forge, "/orgs/hundred-one/repos", per_page=500).headers["Link"] == two.headers["Link"].replace(
        "per_page=100", "per_page=500")
    assert len(get(forge, "/orgs/hundred-one/repos", per_page=500).json()) == 100
    past = get(forge, "/orgs/hundred/repos", per_page=100, page=7)
    assert past.status_code == 200 and past.json() == []
    assert get(forge, "/orgs/acme/repos", page=0).json() == get(forge, "/orgs/acme/repos", page=1).json()
    assert len(get(forge, "/orgs/acme/repos").json()) == 30          # default per_page
    assert get(forge, "/orgs/empty-org/repos").json() == []
    assert [r["name"] for r in get(forge, "/orgs/one/repos").json()] == [
        r["name"] for r in forge.repos("github", "one")]


def test_id_based_urls_list_the_same_repos(forge):
    org = forge.owner_info("github", "acme")
    user = forge.owner_info("github", "alice")
    assert get(forge, "/organizations/%d/repos" % org["id"], page=2).json() == \
        get(forge, "/orgs/acme/repos", page=2).json()
    assert get(forge, "/user/%d/repos" % user["id"]).json() == get(forge, "/users/alice/repos").json()
    assert links(get(forge, "/users/alice/repos", per_page=5))["next"].startswith(
        forge.github_api + "/user/%d/repos" % user["id"])


@pytest.mark.parametrize("sort,key,default_reverse", [
    ("full_name", lambda r: r["full_name"].lower(), False),
    ("created", lambda r: r["created_at"], True),
    ("pushed", lambda r: r["pushed_at"], True),
    ("updated", lambda r: r["updated_at"], True),
])
def test_sort_and_direction(forge, sort, key, default_reverse):
    rows = get(forge, "/orgs/acme/repos", per_page=100, sort=sort).json()
    assert [key(r) for r in rows] == sorted((key(r) for r in rows), reverse=default_reverse)
    flipped = get(forge, "/orgs/acme/repos", per_page=100, sort=sort,
                  direction="desc" if not default_reverse else "asc").json()
    assert [key(r) for r in flipped] == sorted((key(r) for r in flipped), reverse=not default_reverse)
    everything = []
    for page in (1, 2, 3):
        everything += get(forge, "/orgs/acme/repos", per_page=100, sort=sort, page=page).json()
    assert len({r["id"] for r in everything}) == 250


def test_repo_fields_match_ground_truth(forge):
    truth = {r["id"]: r for r in forge.repos("github", "acme")}
    rows = []
    for page in (1, 2, 3):
        rows += get(forge, "/orgs/acme/repos", per_page=100, page=page).json()
    assert {r["id"] for r in rows} == set(truth)
    for row in rows:
        t = truth[row["id"]]
        assert row["full_name"] == t["full_path"] and row["clone_url"] == t["clone_url"]
        assert row["pushed_at"] == t["marker"] and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", row["pushed_at"])
        assert (row["private"], row["archived"], row["fork"], row["disabled"]) == (
            t["private"], t["archived"], t["fork"], t["disabled"])
        assert row["visibility"] == ("private" if t["private"] else "public")
        assert row["default_branch"] == t["default_branch"] and row["topics"] == t["topics"]
        assert row["owner"]["login"] == "acme" and row["owner"]["type"] == "Organization"
        assert row["size"] == 0 if t["empty"] else row["size"] > 0
    assert {r["language"] for r in rows} >= {None, "Python", "Go"}
    assert {r["default_branch"] for r in rows} == {"main", "master", "develop", "trunk"}
    assert any(r["archived"] for r in rows) and any(r["fork"] for r in rows) and any(r["disabled"] for r in rows)
    assert any(t["empty"] for t in truth.values()) and any(r["private"] for r in rows)


def test_type_filter_and_anonymous_sees_public_only(forge):
    truth = forge.repos("github", "acme")
    public = {r["id"] for r in truth if not r["private"]}
    seen = set()
    for page in (1, 2, 3):
        seen |= {r["id"] for r in get(forge, "/orgs/acme/repos", token=None, per_page=100, page=page).json()}
    assert seen == public
    forks = get(forge, "/orgs/acme/repos", per_page=100, type="forks").json()
    assert forks and all(r["fork"] for r in forks)
    private = get(forge, "/orgs/acme/repos", per_page=100, type="private").json()
    assert private and all(r["private"] for r in private)


def test_orgs_users_and_user(forge):
    truth = forge.repos("github", "acme")
    admin = get(forge, "/orgs/acme").json()
    assert admin["public_repos"] == sum(1 for r in truth if not r["private"])
    assert admin["total_private_repos"] == sum(1 for r in truth if r["private"])
    other = get(forge, "/orgs/acme", token="forge-token-2").json()
    assert "total_private_repos" not in other and other["public_repos"] == admin["public_repos"]
    assert get(forge, "/users/alice").json()["type"] == "User"
    assert get(forge, "/users/acme").json()["type"] == "Organization"
    assert get(forge, "/orgs/alice").status_code == 404
    assert get(forge, "/user").json()["login"] == "forge-admin"
    assert get(forge, "/user", token="forge-token-2").json()["login"] == "forge-user-1"
    assert get(forge, "/user", token=None).status_code == 401


def test_errors_not_found_and_bad_credentials(forge):
    missing = get(forge, "/orgs/no-such-org/repos")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Not Found" and "documentation_url" in missing.json()
    bad = get(forge, "/orgs/acme/repos", token="wrong")
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"
    with pytest.raises(GithubException) as err:
        gh(forge).get_organization("no-such-org")
    assert err.value.status == 404


def test_auth_header_forms(forge):
    for header in ("token " + TOKEN, "Bearer " + TOKEN, "Basic " + __import__("base64").b64encode(
            b"someone:" + TOKEN.encode()).decode()):
        resp = requests.get(forge.github_api + "/user", headers={"Authorization": header}, timeout=30)
        assert resp.json()["login"] == "forge-admin", header


def test_user_repos_affiliation_visibility_and_type_conflict(forge):
    owned = get(forge, "/user/repos", affiliation="owner", per_page=100).json()
    truth = {r["full_path"] for r in forge.repos("github", "forge-admin")}
    assert {r["full_name"] for r in owned} == truth and truth
    conflict = get(forge, "/user/repos", type="owner", visibility="all")
    assert conflict.status_code == 422
    mine = get(forge, "/user/repos", visibility="private", affiliation="owner,organization_member", per_page=20)
    assert all(r["private"] for r in mine.json())
    assert "last" in links(mine)
    assert [r.full_name for r in gh(forge).get_user().get_repos(affiliation="owner")] == sorted(
        truth, key=str.lower)


def test_rate_limit_headers_decrement_and_304_is_free(forge):
    first = get(forge, "/orgs/acme")
    remaining = int(first.headers["X-RateLimit-Remaining"])
    assert first.headers["X-RateLimit-Limit"] == "5000" and first.headers["X-RateLimit-Resource"] == "core"
    assert int(first.headers["X-RateLimit-Used"]) == 5000 - remaining
    again = requests.get(forge.github_api + "/orgs/acme", timeout=30,
                         headers={"Authorization": "token " + TOKEN, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert int(again.headers["X-RateLimit-Remaining"]) == remaining
    third = get(forge, "/orgs/acme")
    assert int(third.headers["X-RateLimit-Remaining"]) == remaining - 1
    other = get(forge, "/orgs/acme", token="forge-token-2")
    assert int(other.headers["X-RateLimit-Remaining"]) == 4999          # budgets are per token
    anon = get(forge, "/orgs/acme", token=None)
    assert anon.headers["X-RateLimit-Limit"] == "60"


def test_budget_runs_out_and_resets(forge):
    forge.set_rate_limit("github", limit=3, reset_in=1)
    codes = [get(forge, "/orgs/one").status_code for _i in range(4)]
    assert codes == [200, 200, 200, 403]
    out = get(forge, "/orgs/one")
    assert out.json()["message"].startswith("API rate limit exceeded for user ID")
    assert out.headers["X-RateLimit-Remaining"] == "0"
    time.sleep(max(0.0, int(out.headers["X-RateLimit-Reset"]) - time.time()) + 0.2)
    back = get(forge, "/orgs/one")
    assert back.status_code == 200 and back.headers["X-RateLimit-Remaining"] == "2"


def test_rate_limit_endpoint_with_pygithub(forge):
    get(forge, "/orgs/one")
    limits = gh(forge).get_rate_limit()
    assert limits.resources.core.limit == 5000 and limits.resources.core.remaining == 4999


def test_single_repo_and_301_after_rename(fresh_forge):
    forge = fresh_forge(["github:acme:5"])
    old = forge.repos("github", "acme")[0]
    assert get(forge, "/repos/" + old["full_path"]).json()["id"] == old["id"]
    forge.rename_repo("github", old["full_path"], "renamed")
    moved = requests.get(forge.github_api + "/repos/" + old["full_path"], allow_redirects=False, timeout=30,
                         headers={"Authorization": "token " + TOKEN})
    assert moved.status_code == 301
    assert moved.headers["Location"] == forge.github_api + "/repositories/%d" % old["id"]
    assert gh(forge).get_repo(old["full_path"]).full_name == "acme/renamed"
    assert get(forge, "/repos/acme/never-was").status_code == 404


def test_github_app_installation_flow(fresh_forge):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from github.GithubIntegration import GithubIntegration
    forge = fresh_forge(["github:acme:30", "github:other:12"], app_id="4242", app_token_lifetime=120)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    app_auth = Auth.AppAuth(4242, pem)
    # PyGithub's own path: the installation fetches its token from
    # POST /app/installations/77/access_tokens, then lists with it.
    integration = GithubIntegration(auth=app_auth, base_url=forge.github_api, per_page=10,
                                    seconds_between_requests=0)
    names = [r.full_name for r in integration.get_app_installation(77).get_repos()]
    everything = {r["full_path"] for svc_owner in ("acme", "other", "forge-admin")
                  for r in forge.repos("github", svc_owner)}
    assert len(names) == len(set(names)) == 45 and set(names) == everything
    assert forge.counters()["api:github:list"] == 5
    # The token is short-lived as configured, and valid on the wire.
    access = integration.get_access_token(77)
    assert access.expires_at.timestamp() - time.time() == pytest.approx(120, abs=5)
    resp = get(forge, "/installation/repositories", token=access.token, per_page=100)
    assert resp.json()["total_count"] == 45 and len(resp.json()["repositories"]) == 45
    assert get(forge, "/installation/repositories").status_code == 403          # a user token
    with pytest.raises(GithubException) as err:                               # wrong app id
        GithubIntegration(auth=Auth.AppAuth(999, pem), base_url=forge.github_api).get_access_token(77)
    assert err.value.status == 401
    not_jwt = requests.post(forge.github_api + "/app/installations/77/access_tokens",
                            headers={"Authorization": "Bearer not-a-jwt"}, timeout=30)
    assert not_jwt.status_code == 401


def test_cli_process_serves_and_stops_cleanly(tmp_path):
    with ForgeProcess(["github:acme:7", "gitea:tools:3"], root=str(tmp_path / "r"), tokens=("t1",)) as proc:
        assert proc.url.startswith("http://127.0.0.1:")
        names = [r.name for r in gh(proc, token="t1").get_organization("acme").get_repos()]
        assert len(names) == 7
        assert proc.counters()["api:github:list"] == 1
        assert len(proc.repos("github", "acme")) == 7
        pid = proc.pid
        fault = proc.inject({"kind": "status", "service": "github", "status": 502})
        assert fault and get(proc, "/orgs/acme", token="t1").status_code == 502
    import psutil
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_main_prints_one_json_line(tmp_path):
    import subprocess
    import sys
    from tests.forge.process import REPO_ROOT
    proc = subprocess.Popen([sys.executable, "-m", "tests.forge", "--spec", "github:acme:2", "--root",
                             str(tmp_path / "x"), "--token", "abc"], cwd=REPO_ROOT, stdout=subprocess.PIPE)
    try:
        info = json.loads(proc.stdout.readline())
        assert set(info) >= {"url", "github_api", "gitlab_url", "gitea_api", "root", "tokens"}
        assert info["tokens"] == ["abc"] and info["github_api"] == info["url"] + "/api/v3"
        assert urllib.parse.urlsplit(info["url"]).hostname == "127.0.0.1"
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
        proc.stdout.close()


# -- GraphQL -----------------------------------------------------------------
LIST_QUERY = """
query($org: String!, $cursor: String, $order: RepositoryOrder) {
  organization(login: $org) {
    repositories(first: 100, after: $cursor, orderBy: $order) {
      totalCount
      pageInfo { hasNextPage endCursor startCursor hasPreviousPage }
      nodes { databaseId name nameWithOwner url sshUrl isArchived isFork isDisabled isEmpty isPrivate
              visibility pushedAt updatedAt diskUsage defaultBranchRef { name } }
    }
  }
  rateLimit { cost limit remaining used resetAt nodeCount }
}"""


def gql(forge, query, token=TOKEN, **variables):
    headers = {"Authorization": "bearer " + token} if token else {}
    return requests.post(forge.github_graphql, json={"query": query, "variables": variables}, headers=headers,
                         timeout=30)


def gql_walk(forge, org, order=None, between_pages=None):
    cursor, nodes, pages = None, [], 0
    while True:
        resp = gql(forge, LIST_QUERY, org=org, cursor=cursor, order=order)
        assert resp.status_code == 200 and "errors" not in resp.json(), resp.text
        conn = resp.json()["data"]["organization"]["repositories"]
        nodes += conn["nodes"]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes, pages, resp
        cursor = conn["pageInfo"]["endCursor"]
        if between_pages:
            between_pages(pages)


def test_graphql_lists_every_repo_with_keyset_cursors(forge):
    nodes, pages, last = gql_walk(forge, "acme")
    truth = {r["id"]: r for r in forge.repos("github", "acme")}
    assert pages == 3 and len(nodes) == 250 and {n["databaseId"] for n in nodes} == set(truth)
    for node in nodes:
        t = truth[node["databaseId"]]
        assert node["nameWithOwner"] == t["full_path"] and node["pushedAt"] == t["marker"]
        assert node["isEmpty"] == t["empty"] and node["isPrivate"] == t["private"]
        assert node["visibility"] == ("PRIVATE" if t["private"] else "PUBLIC")
        assert node["defaultBranchRef"] == (None if t["empty"] else {"name": t["default_branch"]})
    rate = last.json()["data"]["rateLimit"]
    assert rate["cost"] == 1 and rate["nodeCount"] == 100 and rate["used"] == 3
    assert rate["remaining"] == 4997 and rate["resetAt"].endswith("Z")
    assert last.headers["X-RateLimit-Resource"] == "graphql" and last.headers["X-RateLimit-Remaining"] == "4997"
    assert forge.counters()["api:github:graphql"] == 3


def test_graphql_cursor_is_opaque_base64(forge):
    resp = gql(forge, LIST_QUERY, org="hundred-one")
    cursor = resp.json()["data"]["organization"]["repositories"]["pageInfo"]["endCursor"]
    import base64
    assert base64.b64decode(cursor)                                 # valid base64
    bad = gql(forge, LIST_QUERY, org="hundred-one", cursor="not-a-cursor!")
    assert "errors" in bad.json() and "cursor" in bad.json()["errors"][0]["message"]


def test_graphql_order_and_last_before(forge):
    nodes, _pages, _resp = gql_walk(forge, "acme", order={"field": "NAME", "direction": "DESC"})
    names = [n["name"].lower() for n in nodes]
    assert names == sorted(names, reverse=True) and len(names) == 250
    query = """query($c: String) { organization(login: "hundred") {
        repositories(last: 10, before: $c) { pageInfo { startCursor } nodes { databaseId } } } }"""
    tail = gql(forge, query).json()["data"]["organization"]["repositories"]
    truth_ids = [r["id"] for r in forge.repos("github", "hundred")]
    assert [n["databaseId"] for n in tail["nodes"]] == truth_ids[-10:]
    before = gql(forge, query, c=tail["pageInfo"]["startCursor"]).json()["data"]["organization"]["repositories"]
    assert [n["databaseId"] for n in before["nodes"]] == truth_ids[-20:-10]


def test_graphql_errors(forge):
    missing = gql(forge, '{ organization(login: "nope") { login } }')
    assert missing.status_code == 200
    body = missing.json()
    assert body["data"] == {"organization": None}
    assert body["errors"][0]["type"] == "NOT_FOUND" and body["errors"][0]["path"] == ["organization"]
    assert body["errors"][0]["message"] == "Could not resolve to an Organization with the login of 'nope'."
    no_first = gql(forge, '{ organization(login: "acme") { repositories { totalCount } } }').json()
    assert "first" in no_first["errors"][0]["message"] and "data" not in no_first
    too_many = gql(forge, '{ organization(login: "acme") { repositories(first: 101) { totalCount } } }').json()
    assert "exceeds the `first` limit of 100" in too_many["errors"][0]["message"]
    unknown = gql(forge, '{ organization(login: "acme") { bogus } }').json()
    assert unknown["errors"][0]["message"] == "Field 'bogus' doesn't exist on type 'Organization'"
    syntax = gql(forge, '{ organization(login: "acme") { ').json()
    assert "Parse error" in syntax["errors"][0]["message"]
    assert gql(forge, "{ viewer { login } }", token=None).status_code == 401
    assert gql(forge, "{ viewer { login } }", token="wrong").status_code == 401
    assert gql(forge, "{ viewer { login } }").json() == {"data": {"viewer": {"login": "forge-admin"}}}


def test_graphql_user_edges_topics_and_aliases(forge):
    query = """query { u: user(login: "alice") { login repositories(first: 5) { totalCount
        edges { cursor node { name owner { login __typename } primaryLanguage { name }
                repositoryTopics(first: 10) { nodes { topic { name } } } } } } } }"""
    data = gql(forge, query).json()["data"]["u"]
    truth = forge.repos("github", "alice")
    assert data["login"] == "alice" and data["repositories"]["totalCount"] == len(truth)
    first = data["repositories"]["edges"][0]["node"]
    assert first["owner"] == {"login": "alice", "__typename": "User"}
    assert [t["topic"]["name"] for t in first["repositoryTopics"]["nodes"]] == truth[0]["topics"]
    assert first["primaryLanguage"] == (None if truth[0]["language"] is None else {"name": truth[0]["language"]})


def test_graphql_budget_runs_out_as_rate_limited(forge):
    forge.set_rate_limit("github", limit=2, reset_in=60, resource="graphql")
    assert "errors" not in gql(forge, "{ viewer { login } }").json()
    assert "errors" not in gql(forge, "{ viewer { login } }").json()
    out = gql(forge, "{ viewer { login } }")
    assert out.status_code == 200 and out.headers["X-RateLimit-Remaining"] == "0"
    assert out.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert get(forge, "/orgs/one").status_code == 200                # REST core budget is separate


def test_graphql_keyset_survives_deletions_between_pages(fresh_forge):
    forge = fresh_forge(["github:acme:250"])
    truth = forge.repos("github", "acme")
    doomed = [r["full_path"] for r in truth[:10]]                    # all on page 1 (id order)

    def delete(_pages):
        if doomed:
            forge.delete_repos("github", doomed)
            doomed.clear()
    nodes, _pages, _resp = gql_walk(forge, "acme", between_pages=delete)
    ids = [n["databaseId"] for n in nodes]
    assert len(ids) == len(set(ids)) == 250                         # page 1 had them, nothing skipped after
