# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The local forge speaks GitLab v4 the way python-gitlab and raw clients expect."""

from __future__ import annotations

import gitlab
import pytest
import requests

TOKEN = "forge-token"


def gl(forge, per_page=100, **kw):
    return gitlab.Gitlab(forge.gitlab_url, private_token=TOKEN, per_page=per_page, **kw)


def get(forge, path, token=TOKEN, **params):
    headers = {"PRIVATE-TOKEN": token} if token else {}
    return requests.get(forge.gitlab_url + "/api/v4" + path, params=params, headers=headers, timeout=30,
                        allow_redirects=False)


def test_python_gitlab_iterates_nested_group_with_subgroups(forge):
    group = gl(forge).groups.get("platform")
    projects = list(group.projects.list(iterator=True, include_subgroups=True))
    truth = forge.repos("gitlab", "platform")
    assert len(truth) == 120
    assert sorted(p.id for p in projects) == [r["id"] for r in truth]
    namespaces = {p.namespace["full_path"] for p in projects}
    assert namespaces == {"platform", "platform/sub-a", "platform/sub-a/deep", "platform/sub-b"}
    top_only = list(group.projects.list(iterator=True))
    assert {p.namespace["full_path"] for p in top_only} == {"platform"} and len(top_only) == 30
    assert forge.counters()["api:gitlab:list"] == 2 + 1               # 2 pages + 1 page


@pytest.mark.slow
def test_python_gitlab_pages_past_10000_without_totals(big_gitlab_forge):
    forge = big_gitlab_forge
    first = get(forge, "/groups/biggroup/projects", include_subgroups="true", per_page=100)
    assert "X-Total" not in first.headers and "X-Total-Pages" not in first.headers
    assert 'rel="last"' not in first.headers["Link"] and 'rel="next"' in first.headers["Link"]
    assert first.headers["X-Next-Page"] == "2"
    forge.reset_counters()
    group = gl(forge).groups.get("biggroup")
    ids = [p.id for p in group.projects.list(iterator=True, include_subgroups=True)]
    assert len(ids) == len(set(ids)) == 10050
    assert set(ids) == {r["id"] for r in forge.repos("gitlab", "biggroup")}
    assert forge.counters()["api:gitlab:list"] == 101
    last = get(forge, "/groups/biggroup/projects", include_subgroups="true", per_page=100, page=101)
    assert len(last.json()) == 50 and last.headers["X-Next-Page"] == "" and 'rel="next"' not in last.headers["Link"]


def test_offset_headers_and_links(forge):
    resp = get(forge, "/groups/platform/projects", include_subgroups="true", per_page=50, page=2)
    h = resp.headers
    assert (h["X-Page"], h["X-Per-Page"], h["X-Next-Page"], h["X-Prev-Page"], h["X-Total"], h["X-Total-Pages"]) == \
        ("2", "50", "3", "1", "120", "3")
    rels = [part.split("; ")[1] for part in h["Link"].split(", ")]
    assert rels == ['rel="prev"', 'rel="next"', 'rel="first"', 'rel="last"']
    assert h["Link"].split(", ")[0] == "<%s/api/v4/groups/platform/projects?include_subgroups=true&page=1&per_page=50>" \
        '; rel="prev"' % forge.gitlab_url
    assert len(get(forge, "/groups/platform/projects").json()) == 20                # default per_page
    assert len(get(forge, "/groups/platform/projects", include_subgroups="true", per_page=500).json()) == 100
    last = get(forge, "/groups/platform/projects", include_subgroups="true", per_page=50, page=3)
    assert last.headers["X-Next-Page"] == "" and len(last.json()) == 20
    assert get(forge, "/groups/platform/projects", page=9).json() == []


def test_group_by_id_and_encoded_path(forge):
    deep = forge.owner_info("gitlab", "platform/sub-a/deep")
    by_path = get(forge, "/groups/platform%2Fsub-a%2Fdeep")
    assert by_path.status_code == 200 and by_path.json()["id"] == deep["id"]
    assert by_path.json()["full_path"] == "platform/sub-a/deep"
    assert get(forge, "/groups/%d" % deep["id"]).json()["full_path"] == "platform/sub-a/deep"
    projects = get(forge, "/groups/platform%2Fsub-a%2Fdeep/projects", per_page=100).json()
    truth = [r for r in forge.repos("gitlab", "platform/sub-a/deep") if r["owner"] == "platform/sub-a/deep"]
    assert sorted(p["id"] for p in projects) == [r["id"] for r in truth]
    missing = get(forge, "/groups/nope")
    assert missing.status_code == 404 and missing.json() == {"message": "404 Group Not Found"}
    assert gl(forge).groups.get("platform/sub-a").full_path == "platform/sub-a"


def test_subgroups_and_descendants(forge):
    subs = [g["full_path"] for g in get(forge, "/groups/platform/subgroups").json()]
    assert subs == ["platform/sub-a", "platform/sub-b"]
    desc = sorted(g["full_path"] for g in get(forge, "/groups/platform/descendant_groups").json())
    assert desc == ["platform/sub-a", "platform/sub-a/deep", "platform/sub-b"]
    via_lib = [g.full_path for g in gl(forge).groups.get("platform").descendant_groups.list(all=True)]
    assert sorted(via_lib) == desc
    assert get(forge, "/groups/gl-hundred/subgroups").json() == []               # flat=1


def test_fields_filters_and_simple(forge):
    truth = {r["id"]: r for r in forge.repos("gitlab", "platform")}
    rows = get(forge, "/groups/platform/projects", include_subgroups="true", per_page=100).json()
    rows += get(forge, "/groups/platform/projects", include_subgroups="true", per_page=100, page=2).json()
    for row in rows:
        t = truth[row["id"]]
        assert row["path_with_namespace"] == t["full_path"] and row["path"] == t["name"]
        assert row["http_url_to_repo"] == t["clone_url"] and row["last_activity_at"] == t["marker"]
        assert row["visibility"] == t["visibility"] and row["archived"] == t["archived"]
        assert row["empty_repo"] == t["empty"] and row["topics"] == t["topics"]
        assert ("forked_from_project" in row) == t["fork"]
    assert {r["visibility"] for r in rows} == {"public", "private", "internal"}
    assert any(r["name"] != r["path"] for r in rows)                             # display name differs sometimes
    simple = get(forge, "/groups/platform/projects", simple="true", per_page=5).json()
    assert simple and all("archived" not in p and "visibility" not in p and "empty_repo" not in p for p in simple)
    archived = get(forge, "/groups/platform/projects", include_subgroups="true", archived="true", per_page=100).json()
    assert archived and all(p["archived"] for p in archived)
    assert len(archived) == sum(1 for t in truth.values() if t["archived"])
    internal = get(forge, "/groups/platform/projects", include_subgroups="true", visibility="internal",
                   per_page=100).json()
    assert internal and all(p["visibility"] == "internal" for p in internal)
    anonymous = get(forge, "/groups/platform/projects", token=None, include_subgroups="true", per_page=100).json()
    assert anonymous and all(p["visibility"] == "public" for p in anonymous)


@pytest.mark.parametrize("order_by,field", [("id", "id"), ("name", "name"), ("path", "path"),
                                            ("last_activity_at", "last_activity_at"), ("created_at", "created_at")])
def test_order_by_and_sort(forge, order_by, field):
    for sort in ("asc", "desc"):
        rows = get(forge, "/groups/gl-hundred/projects", order_by=order_by, sort=sort, per_page=100).json()
        values = [r[field].lower() if isinstance(r[field], str) and field in ("name", "path") else r[field]
                  for r in rows]
        assert values == sorted(values, reverse=(sort == "desc")) and len(rows) == 100
    assert get(forge, "/groups/gl-hundred/projects", order_by="bogus").status_code == 400


def test_user_projects_keyset_and_offset_cap(forge):
    truth = [r["id"] for r in forge.repos("gitlab", "alice")]
    url = forge.gitlab_url + "/api/v4/users/alice/projects?pagination=keyset&order_by=id&sort=asc&per_page=4"
    seen = []
    while url:
        resp = requests.get(url, headers={"PRIVATE-TOKEN": TOKEN}, timeout=30)
        seen += [p["id"] for p in resp.json()]
        assert "X-Total" not in resp.headers
        url = resp.links.get("next", {}).get("url")
        if url:
            assert "id_after=%d" % seen[-1] in url
    assert seen == truth
    capped = get(forge, "/users/alice/projects", page=501, per_page=100)
    assert capped.status_code == 405 and "maximum allowed offset of 50000" in capped.json()["error"]
    assert get(forge, "/users/alice/projects", page=500, per_page=100).status_code == 200
    user = gl(forge).users.list(username="alice")[0]
    via_lib = [p.id for p in gl(forge).users.get(user.id, lazy=True).projects.list(iterator=True)]
    assert sorted(via_lib) == truth
    keyset_lib = gl(forge, per_page=5).users.get(user.id, lazy=True).projects.list(
        iterator=True, pagination="keyset", order_by="id", sort="asc")
    assert [p.id for p in keyset_lib] == truth


def test_project_by_path_and_user_and_errors(forge):
    truth = forge.repos("gitlab", "platform/sub-b")[0]
    project = gl(forge).projects.get(truth["full_path"])
    assert project.id == truth["id"] and project.namespace["full_path"] == "platform/sub-b"
    assert get(forge, "/projects/%d" % truth["id"]).json()["path_with_namespace"] == truth["full_path"]
    assert get(forge, "/user").json()["username"] == "forge-admin"
    bad = get(forge, "/groups/platform", token="wrong")
    assert bad.status_code == 401 and bad.json() == {"message": "401 Unauthorized"}
    bearer = requests.get(forge.gitlab_url + "/api/v4/user", headers={"Authorization": "Bearer " + TOKEN}, timeout=30)
    assert bearer.json()["username"] == "forge-admin"
    assert get(forge, "/version").json()["version"].startswith("17.")
    with pytest.raises(gitlab.exceptions.GitlabGetError) as err:
        gl(forge).groups.get("no-such-group")
    assert err.value.response_code == 404


def test_project_moved_is_301(fresh_forge):
    forge = fresh_forge(["gitlab:grp:4"])
    old = forge.repos("gitlab", "grp")[0]
    forge.rename_repo("gitlab", old["full_path"], "moved-here")
    resp = get(forge, "/projects/" + old["full_path"].replace("/", "%2F"))
    assert resp.status_code == 301 and resp.headers["Location"].endswith("/api/v4/projects/%d" % old["id"])
    assert gl(forge).projects.get(old["full_path"]).path == "moved-here"


def test_ratelimit_headers_and_throttle(fresh_forge):
    forge = fresh_forge(["gitlab:grp:3:flat=1"])
    first = get(forge, "/groups/grp")
    assert first.headers["RateLimit-Name"] == "throttle_authenticated_api"
    assert first.headers["RateLimit-Limit"] == "2000" and first.headers["RateLimit-Remaining"] == "1999"
    assert get(forge, "/groups/grp").headers["RateLimit-Observed"] == "2"
    forge.set_rate_limit("gitlab", limit=2, reset_in=1)
    get(forge, "/groups/grp")
    get(forge, "/groups/grp")
    throttled = get(forge, "/groups/grp")
    assert throttled.status_code == 429 and throttled.text == "Retry later\n"
    assert int(throttled.headers["Retry-After"]) >= 1 and "RateLimit-ResetTime" in throttled.headers
    # python-gitlab obeys Retry-After and gets through once the window resets.
    assert gl(forge).groups.get("grp").full_path == "grp"
    assert forge.counters()["status:429"] >= 2


def test_activity_marker_moves_with_zero_granularity(fresh_forge):
    forge = fresh_forge(["gitlab:grp:3:flat=1"], activity_granularity=0)
    repo = next(r for r in forge.repos("gitlab", "grp") if not r["empty"])
    forge.push_commits("gitlab", [repo["full_path"]])
    once = get(forge, "/projects/%d" % repo["id"]).json()["last_activity_at"]
    forge.push_commits("gitlab", [repo["full_path"]])
    twice = get(forge, "/projects/%d" % repo["id"]).json()["last_activity_at"]
    assert repo["marker"] != once != twice


def test_shared_projects_are_listed_unless_with_shared_false(fresh_forge):
    forge = fresh_forge(["gitlab:grp:6:flat=1,shared=2"])
    own = {r["id"] for r in forge.repos("gitlab", "grp")}
    shared = {r["id"] for r in forge.repos("gitlab", "forge-admin")[:2]}
    default = {p["id"] for p in get(forge, "/groups/grp/projects").json()}
    assert default == own | shared                                         # GitLab's default: with_shared=true
    assert {p["id"] for p in get(forge, "/groups/grp/projects", with_shared="false").json()} == own
    lib = gl(forge).groups.get("grp").projects.list(iterator=True, with_shared=False)
    assert {p.id for p in lib} == own


def test_nested_group_spec_creates_parents(fresh_forge):
    forge = fresh_forge(["gitlab:platform/backend:8"])
    assert get(forge, "/groups/platform").json()["full_path"] == "platform"
    backend = get(forge, "/groups/platform%2Fbackend").json()
    assert backend["parent_id"] == forge.owner_info("gitlab", "platform")["id"]
    projects = list(gl(forge).groups.get("platform").projects.list(iterator=True, include_subgroups=True))
    assert len(projects) == 8 and all(p.path_with_namespace.startswith("platform/backend") for p in projects)
