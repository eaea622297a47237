# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The local forge speaks Gitea v1: the capped `limit`, X-Total-Count and Link."""

from __future__ import annotations

import pytest
import requests

TOKEN = "forge-token"


def get(forge, path, token=TOKEN, **params):
    headers = {"Authorization": "token " + token} if token else {}
    return requests.get(forge.gitea_api + path, params=params, headers=headers, timeout=30, allow_redirects=False)


def list_all(forge, path, limit=100):
    """A correct client: follows rel=next until there is none."""
    url = forge.gitea_api + path + "?limit=%d" % limit
    rows, pages = [], 0
    while url:
        resp = requests.get(url, headers={"Authorization": "token " + TOKEN}, timeout=30)
        assert resp.status_code == 200
        rows += resp.json()
        pages += 1
        url = resp.links.get("next", {}).get("url")
    return rows, pages


def test_limit_above_max_is_capped_but_every_repo_is_reachable(forge):
    truth = {r["id"] for r in forge.repos("gitea", "tools")}
    first = get(forge, "/orgs/tools/repos", limit=100)
    assert len(first.json()) == 50 and first.headers["X-Total-Count"] == "60"     # silently capped at 50
    rows, pages = list_all(forge, "/orgs/tools/repos")
    assert pages == 2 and len(rows) == 60 and {r["id"] for r in rows} == truth
    assert forge.counters()["api:gitea:list"] == 3


def test_settings_and_version(forge):
    assert get(forge, "/settings/api").json()["max_response_items"] == 50
    assert get(forge, "/settings/api").json()["default_paging_num"] == 30
    assert get(forge, "/version").json()["version"] >= "1.11"


def test_link_header_format(forge):
    resp = get(forge, "/orgs/tea-hundred-one/repos", limit=20, page=2)
    base = forge.gitea_api + "/orgs/tea-hundred-one/repos"
    assert resp.headers["Link"] == (
        '<{b}?limit=20&page=3>; rel="next",<{b}?limit=20&page=6>; rel="last",'
        '<{b}?limit=20&page=1>; rel="first",<{b}?limit=20&page=1>; rel="prev"').format(b=base)
    last = get(forge, "/orgs/tea-hundred-one/repos", limit=20, page=6)
    assert len(last.json()) == 1 and 'rel="next"' not in last.headers["Link"]
    assert "Link" not in get(forge, "/orgs/tea-one/repos").headers
    assert get(forge, "/orgs/tea-empty/repos").json() == []


def test_default_limit_and_page_edges(forge):
    assert len(get(forge, "/orgs/tea-hundred/repos").json()) == 30
    assert len(get(forge, "/orgs/tea-hundred/repos", limit=0).json()) == 30
    assert len(get(forge, "/orgs/tea-hundred/repos", limit=-5).json()) == 30
    assert get(forge, "/orgs/tea-hundred/repos", page=0).json() == get(forge, "/orgs/tea-hundred/repos").json()
    assert get(forge, "/orgs/tea-hundred/repos", page=99).json() == []


def test_fields_match_truth_and_private_needs_token(forge):
    truth = {r["id"]: r for r in forge.repos("gitea", "tools")}
    rows, _pages = list_all(forge, "/orgs/tools/repos", limit=50)
    for row in rows:
        t = truth[row["id"]]
        assert (row["full_name"], row["clone_url"], row["updated_at"]) == (t["full_path"], t["clone_url"], t["marker"])
        assert (row["private"], row["archived"], row["fork"], row["empty"]) == (
            t["private"], t["archived"], t["fork"], t["empty"])
        assert row["default_branch"] == t["default_branch"] and row["owner"]["login"] == "tools"
    assert any(r["mirror"] for r in rows)
    public = [r["id"] for r in get(forge, "/orgs/tools/repos", token=None, limit=50).json()]
    assert public and all(not truth[i]["private"] for i in public)
    via_query = requests.get(forge.gitea_api + "/orgs/tools/repos", params={"token": TOKEN, "limit": 50}, timeout=30)
    assert len(via_query.json()) == 50


def test_users_user_and_errors(forge):
    alice, _pages = list_all(forge, "/users/alice/repos")
    assert {r["id"] for r in alice} == {r["id"] for r in forge.repos("gitea", "alice")}
    assert get(forge, "/user").json()["login"] == "forge-admin"
    mine, _pages = list_all(forge, "/user/repos", limit=50)
    assert {r["full_path"] for r in forge.repos("gitea", "forge-admin")} <= {r["full_name"] for r in mine}
    assert get(forge, "/user/repos", token=None).status_code == 401
    missing = get(forge, "/orgs/nope/repos")
    assert missing.status_code == 404 and missing.json()["message"] == "The target couldn't be found."
    assert get(forge, "/orgs/tools", token="wrong").status_code == 401
    one = forge.repos("gitea", "tools")[0]
    assert get(forge, "/repos/" + one["full_path"]).json()["id"] == one["id"]


def test_renamed_repo_redirects(fresh_forge):
    forge = fresh_forge(["gitea:tea:3"])
    old = forge.repos("gitea", "tea")[0]
    forge.rename_repo("gitea", old["full_path"], "fresh-name")
    moved = get(forge, "/repos/" + old["full_path"])
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/api/v1/repos/tea/fresh-name")


@pytest.mark.slow
def test_big_gitea_org_listed_completely(big_gitea_forge):
    rows, pages = list_all(big_gitea_forge, "/orgs/bigtea/repos", limit=100)
    ids = [r["id"] for r in rows]
    assert pages == 200 and len(ids) == len(set(ids)) == 10000
