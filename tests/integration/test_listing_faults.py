# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3 acceptance, faults: rate limits, server errors, truncated bodies
and an org that changes between pages. Every case ends with nothing lost:
the listing equals the forge's truth, or (for waits beyond max_wait) fails
with a message that names the limit, the reset time and what to do.

Waits are kept tiny through the config knobs (secondary_min_wait,
retry_base) or the forge's own short Retry-After / reset, so no test sits
out GitHub's real 60 s minimum.
"""

from __future__ import annotations

import re
from typing import List

import pytest

from bulk_clone_engine.errors import RateLimitError, TransientError
import listing_support
from listing_support import list_repos, open_listing  # noqa: E402

TOKEN = "forge-token"
FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)

# Listing requests of each service, as the forge sees the raw request target.
LIST_PATH = {
    "github": r"/repos\?",
    "graphql": r"graphql",
    "gitlab": r"/projects(\?|$)",
    "gitea": r"/repos(\?|$)",
}


def page(n: int) -> str:
    """A regex for "page N" of an offset listing (not per_page=N)."""
    return r"[?&]page=%d(&|$)" % n


def kwargs_for(forge, flavour, **extra):
    return listing_support.kwargs_for(forge, flavour, FAST, **extra)


def service_of(flavour: str) -> str:
    return "github" if flavour == "graphql" else flavour


def truth(forge, service, owner):
    return {(r["id"], r["full_path"]) for r in forge.repos(service, owner) if not r["disabled"]}


def listed(result) -> set:
    pairs = [(r["id"], r["full_path"]) for r in result["repos"]]
    assert len(pairs) == len(set(pairs)), "a repo was listed twice"
    return set(pairs)


def waits_of(listing) -> List[str]:
    return listing.provider.limiter.stats.waits


def fired(forge) -> List[int]:
    """How often the forge served each injected fault, in injection order: a
    fault test proves nothing unless its fault actually fired."""
    return [f["fired"] for f in forge.list_faults()]


def run(forge, flavour, owner, **extra):
    """List to the end; return (result-like dict, listing) for the limiter's record."""
    listing = open_listing(kwargs_for(forge, flavour, **extra), [owner], None, {})
    repos = [r.as_dict() for r in listing]
    return {"repos": repos, "count": len(repos), "stats": listing.stats()}, listing


@pytest.fixture(scope="module")
def fault_forge(module_forge):
    """One forge for every test that injects faults but changes no data;
    its faults, counters and budgets are reset before each test."""
    return module_forge("forge-faults", ["github:acme:250", "gitlab:grp:250", "gitea:tea:120"],
                        tokens=(TOKEN, "forge-token-2"))


@pytest.fixture
def ff(fault_forge):
    yield fault_forge
    assert not fault_forge.errors, "the forge itself failed: %s" % fault_forge.errors[-1]


OWNER = {"github": "acme", "graphql": "acme", "gitlab": "grp", "gitea": "tea"}


# ---- GitHub secondary limits ---------------------------------------------------------------

@pytest.mark.parametrize("flavour", ["github", "graphql"])
@pytest.mark.parametrize("status", [403, 429])
def test_secondary_limit_with_retry_after_is_obeyed(ff, flavour, status):
    ff.inject({"kind": "secondary", "status": status, "retry_after": 1, "path": LIST_PATH[flavour], "after": 2})
    result, listing = run(ff, flavour, OWNER[flavour])
    assert fired(ff) == [1]
    assert listed(result) == truth(ff, "github", "acme")
    assert result["stats"]["retries"] == 1
    assert result["stats"]["seconds_waited"] >= 1.0
    assert any("Retry-After" in w for w in waits_of(listing)), waits_of(listing)


@pytest.mark.parametrize("flavour", ["github", "graphql"])
@pytest.mark.parametrize("status", [403, 429])
def test_secondary_limit_without_retry_after_backs_off(ff, flavour, status):
    ff.inject({"kind": "secondary", "status": status, "path": LIST_PATH[flavour], "after": 2, "times": 2})
    result, listing = run(ff, flavour, OWNER[flavour])
    assert listed(result) == truth(ff, "github", "acme")
    assert fired(ff) == [2]
    assert result["stats"]["retries"] == 2
    waits = waits_of(listing)
    assert len(waits) == 2 and all("backoff after hit" in w for w in waits), waits
    # The second hit in a row waits at least twice the minimum (exponential).
    assert "hit 2" in waits[1]


def test_secondary_limit_that_never_ends_fails_clearly(ff):
    ff.inject({"kind": "secondary", "path": LIST_PATH["github"], "times": -1})
    with pytest.raises(RateLimitError) as err:
        run(ff, "github", "acme")
    assert fired(ff)[0] >= 2          # hit again after backing off
    msg = str(err.value)
    assert "secondary rate limit" in msg and "max_calls_per_second" in msg and "run again" in msg


# ---- GitHub primary limit ------------------------------------------------------------------

@pytest.mark.parametrize("status", [403, 429])
def test_primary_exhaustion_with_a_short_reset_completes(ff, status):
    ff.inject({"kind": "primary", "status": status, "reset_in": 1, "path": LIST_PATH["github"], "after": 2})
    result, listing = run(ff, "github", "acme")
    assert fired(ff) == [1]
    assert listed(result) == truth(ff, "github", "acme")
    assert result["stats"]["seconds_waited"] > 0
    assert any("exhausted" in w for w in waits_of(listing)), waits_of(listing)


@pytest.mark.parametrize("status", [403, 429])
def test_primary_exhaustion_beyond_max_wait_fails_with_the_clear_message(ff, status):
    ff.inject({"kind": "primary", "status": status, "reset_in": 3600, "path": LIST_PATH["github"], "after": 2})
    with pytest.raises(RateLimitError) as err:
        list_repos(kwargs_for(ff, "github"), ["acme"], None, {})
    assert fired(ff) == [1]
    msg = str(err.value)
    assert "GitHub core rate limit of 5000 requests/hour" in msg          # the limit
    assert re.search(r"resets at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", msg)    # the reset time
    assert "max_wait (30 s)" in msg and "Raise max_wait" in msg           # what to do
    assert "run again after" in msg


def test_graphql_rate_limited_with_a_short_reset_completes(ff):
    ff.inject({"kind": "graphql_rate_limited", "reset_in": 1, "path": "graphql", "after": 2})
    result, _listing = run(ff, "graphql", "acme")
    assert fired(ff) == [1]
    assert listed(result) == truth(ff, "github", "acme")
    assert result["stats"]["seconds_waited"] > 0


def test_graphql_rate_limited_beyond_max_wait_fails_clearly(ff):
    ff.inject({"kind": "graphql_rate_limited", "reset_in": 3600, "path": "graphql", "after": 2})
    with pytest.raises(RateLimitError) as err:
        list_repos(kwargs_for(ff, "graphql"), ["acme"], None, {})
    assert fired(ff) == [1]
    msg = str(err.value)
    assert "GitHub graphql rate limit" in msg and "Raise max_wait" in msg
    assert re.search(r"resets at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", msg)


def test_budget_running_low_still_completes(ff):
    """Few calls left before the reset: the limiter paces (never exhausting
    them early) and the listing completes."""
    ff.set_rate_limit("github", limit=5000, remaining=30, reset_in=2)
    result, _listing = run(ff, "github", "acme")
    assert listed(result) == truth(ff, "github", "acme")


# ---- GitLab 429 ----------------------------------------------------------------------------

@pytest.mark.parametrize("form", [
    {"retry_after": 1},
    {"retry_after_date": 2},
    {"form": "endpoint"},
], ids=["retry-after-seconds", "retry-after-http-date", "per-endpoint-no-headers"])
def test_gitlab_429_is_waited_out(ff, form):
    ff.inject(dict({"kind": "gitlab_429", "path": LIST_PATH["gitlab"], "after": 2}, **form))
    result, listing = run(ff, "gitlab", "grp")
    assert fired(ff) == [1]
    assert listed(result) == truth(ff, "gitlab", "grp")
    assert result["stats"]["retries"] == 1
    waits = waits_of(listing)
    assert len(waits) == 1
    if "form" in form:
        assert "backoff" in waits[0]
    else:
        assert "Retry-After" in waits[0]
        assert result["stats"]["seconds_waited"] >= 0.5


def test_gitlab_429_beyond_max_wait_fails_clearly(ff):
    ff.inject({"kind": "gitlab_429", "retry_after": 600, "path": LIST_PATH["gitlab"], "after": 2})
    with pytest.raises(RateLimitError) as err:
        list_repos(kwargs_for(ff, "gitlab"), ["grp"], None, {})
    assert fired(ff) == [1]
    msg = str(err.value)
    assert "GitLab" in msg and "600 s" in msg and "Raise max_wait" in msg


# ---- server errors and truncated bodies ------------------------------------------------------

FLAVOURS = ["github", "graphql", "gitlab", "gitea"]


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("status", [502, 500, 503])
def test_server_error_on_a_page_is_retried(ff, flavour, status):
    service = service_of(flavour)
    ff.inject({"kind": "status", "status": status, "service": service, "path": LIST_PATH[flavour], "after": 2,
               "body": "<html>Bad Gateway</html>"})
    result, _listing = run(ff, flavour, OWNER[flavour])
    assert fired(ff) == [1]
    assert listed(result) == truth(ff, service, OWNER[flavour])
    assert result["stats"]["retries"] == 1


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_truncated_json_is_retried(ff, flavour):
    service = service_of(flavour)
    ff.inject({"kind": "truncate", "service": service, "path": LIST_PATH[flavour], "after": 2})
    result, _listing = run(ff, flavour, OWNER[flavour])
    assert fired(ff) == [1]
    assert listed(result) == truth(ff, service, OWNER[flavour])
    assert result["stats"]["retries"] == 1


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_server_error_that_persists_fails_clearly(ff, flavour):
    service = service_of(flavour)
    ff.inject({"kind": "status", "status": 502, "service": service, "path": LIST_PATH[flavour], "times": -1})
    with pytest.raises(TransientError) as err:
        run(ff, flavour, OWNER[flavour])
    assert fired(ff) == [3]
    msg = str(err.value)
    assert "failed 3 times in a row" in msg and "502" in msg and "run again later" in msg
    assert "max_tries" not in msg          # not an option users have


# ---- the org changes between pages -------------------------------------------------------------

def _mutations(owner, order):
    """Changes that hurt offset paging in either direction: repos removed
    from the front and from the back of the listing order, some added, one
    renamed at each end. The forge fires one fault per request, so they
    happen one per listing request, from the `first_change`-th on."""
    return [
        {"op": "delete", "full_paths": order[0:3] + order[-2:]},
        {"op": "add", "owner": owner, "n": 3},
        {"op": "rename", "full_path": order[3], "new_name": "renamed-early"},
        {"op": "delete", "full_paths": [order[len(order) // 2], order[5]]},
        {"op": "rename", "full_path": order[-3], "new_name": "renamed-late"},
        {"op": "add", "owner": owner, "n": 2},
    ]


# Small pages, so that every change lands between two pages of the same walk.
SMALL = dict(per_page=25)


def _inject_changes(forge, flavour, owner, order, first_change=2):
    service = service_of(flavour)
    for offset, mutation in enumerate(_mutations(owner, order)):
        forge.inject({"kind": "mutate", "service": service, "path": LIST_PATH[flavour],
                      "after": first_change + offset, "mutation": dict(mutation, service=service)})


def _assert_nothing_lost(forge, service, owner, before, result):
    after = {r["id"]: r["full_path"] for r in forge.repos(service, owner) if not r["disabled"]}
    got = [r["id"] for r in result["repos"]]
    assert len(got) == len(set(got)), "a repo was listed twice"
    throughout = set(before) & set(after)
    missed = throughout - set(got)
    assert not missed, "repos that existed throughout were missed: %s" % sorted(before[i] for i in missed)
    assert set(got) <= set(before) | set(after), "listed a repo that never existed"
    for repo in result["repos"]:                       # old or new name, never a mix-up
        assert repo["full_path"] in (before.get(repo["id"]), after.get(repo["id"]))


def _order(forge, service, owner):
    """Every repo of the owner in the forge's listing order (oldest first)."""
    return [r["full_path"] for r in forge.repos(service, owner)]


CHANGING = [
    ("github", "github:ch:250"),
    ("graphql", "github:ch:250"),
    ("gitlab", "gitlab:ch:250"),
    ("gitea", "gitea:ch:250"),
]


@pytest.mark.parametrize("flavour,spec", CHANGING, ids=[c[0] for c in CHANGING])
def test_repos_added_deleted_renamed_between_pages(fresh_forge, flavour, spec):
    forge = fresh_forge([spec])
    service = service_of(flavour)
    before = {r["id"]: r["full_path"] for r in forge.repos(service, "ch") if not r["disabled"]}
    _inject_changes(forge, flavour, "ch", _order(forge, service, "ch"))
    result, _listing = run(forge, flavour, "ch", **SMALL)
    assert fired(forge) == [1] * 6, "the changes did not all happen mid-listing"
    _assert_nothing_lost(forge, service, "ch", before, result)
    assert not forge.errors


@pytest.mark.parametrize("when", [2, 3, 4])
def test_gitlab_user_projects_keyset_survive_changes(fresh_forge, when):
    forge = fresh_forge(["gitlab-user:kuser:250"])
    before = {r["id"]: r["full_path"] for r in forge.repos("gitlab", "kuser")}
    _inject_changes(forge, "gitlab", "kuser", _order(forge, "gitlab", "kuser"), first_change=when)
    result, _listing = run(forge, "gitlab", "kuser", **SMALL)
    assert fired(forge) == [1] * 6, "the changes did not all happen mid-listing"
    _assert_nothing_lost(forge, "gitlab", "kuser", before, result)


@pytest.mark.parametrize("flavour,spec", CHANGING, ids=[c[0] for c in CHANGING])
def test_deletions_at_every_point_of_the_listing(fresh_forge, flavour, spec):
    """A repo deleted from the front just before each listing request in
    turn: whatever the walk order, no survivor may slip past the reader."""
    forge = fresh_forge([spec])
    service = service_of(flavour)
    before = {r["id"]: r["full_path"] for r in forge.repos(service, "ch") if not r["disabled"]}
    order = _order(forge, service, "ch")
    for n in range(2, 8):
        forge.inject({"kind": "mutate", "service": service, "path": LIST_PATH[flavour], "after": n,
                      "mutation": {"op": "delete", "service": service, "full_paths": order[(n - 2) * 2:(n - 1) * 2]}})
    result, _listing = run(forge, flavour, "ch", **SMALL)
    assert fired(forge) == [1] * 6, "the deletions did not all happen mid-listing"
    _assert_nothing_lost(forge, service, "ch", before, result)


@pytest.mark.slow
def test_gitlab_group_without_totals_survives_changes(fresh_forge):
    """Above 10,000 projects GitLab sends no totals: the walk must still find
    its end and lose nothing while the group changes."""
    forge = fresh_forge(["gitlab:hugegrp:10050:flat=1"])
    before = {r["id"]: r["full_path"] for r in forge.repos("gitlab", "hugegrp")}
    order = _order(forge, "gitlab", "hugegrp")
    changes = {2: {"op": "delete", "full_paths": order[0:3] + order[-2:]},
               3: {"op": "rename", "full_path": order[3], "new_name": "renamed-early"},
               40: {"op": "delete", "full_paths": order[6:60]},
               41: {"op": "add", "owner": "hugegrp", "n": 2}}
    for when, mutation in changes.items():
        forge.inject({"kind": "mutate", "service": "gitlab", "path": LIST_PATH["gitlab"], "after": when,
                      "mutation": dict(mutation, service="gitlab")})
    result, _listing = run(forge, "gitlab", "hugegrp")
    assert fired(forge) == [1] * len(changes)
    _assert_nothing_lost(forge, "gitlab", "hugegrp", before, result)


# ---- answers that leave things out -------------------------------------------------------------

def test_github_without_rel_last_and_a_low_estimate(ff):
    """A non-owner token's estimate is too low and no page names the last
    one: the walk finds the end by itself and lists everything."""
    ff.inject({"kind": "strip_link", "service": "github", "rels": ["last"], "times": -1})
    result, _listing = run(ff, "github", "acme", token="forge-token-2", per_page=30)
    assert fired(ff)[0] >= 1
    assert listed(result) == truth(ff, "github", "acme")


def test_gitlab_group_without_totals_or_rel_last(ff):
    """GitLab leaving X-Total, X-Total-Pages and rel="last" out (as above
    10,000 rows, here on a small group): the walk still finds the end."""
    ff.inject({"kind": "strip_link", "service": "gitlab", "rels": ["last"], "times": -1})
    result, _listing = run(ff, "gitlab", "grp", per_page=20)
    assert fired(ff)[0] >= 1
    assert listed(result) == truth(ff, "gitlab", "grp")


@pytest.mark.parametrize("flavour", ["github", "gitlab", "gitea"])
def test_repo_objects_without_archived(ff, flavour):
    ff.inject({"kind": "drop_field", "service": flavour, "field": "archived", "path": LIST_PATH[flavour],
               "times": -1})
    result, _listing = run(ff, flavour, OWNER[flavour])
    assert fired(ff)[0] >= 1
    assert listed(result) == truth(ff, flavour, OWNER[flavour])
    assert not any(r["archived"] for r in result["repos"])


# ---- the walk itself, against a list that changes under it ---------------------------------------

@pytest.mark.parametrize("total,per_page,probe,totals", [
    (250, 100, 3, True), (250, 100, 2, True), (250, 100, 7, True), (0, 100, 1, True), (100, 100, 1, True),
    (10050, 100, 101, False), (10100, 100, 101, False), (30000, 100, 101, False), (250, 100, 101, False),
    (37, 10, 1, False),
], ids=str)
def test_reverse_walk_loses_nothing_while_the_list_shrinks(total, per_page, probe, totals):
    """ReversePageOrder against an in-memory offset listing ordered oldest
    first, where the oldest remaining item is deleted before every read: the
    worst case for offset paging. Every item that survives must be read."""
    from bulk_clone_engine.providers.base import ReversePageOrder
    items = list(range(total))
    order = ReversePageOrder(probe, per_page)
    seen, deleted, reads = set(), set(), 0
    token = order.first_token()
    while token is not None:
        if items:
            deleted.add(items.pop(0))
        page = token[1]
        rows = items[(page - 1) * per_page:page * per_page]
        last = max(1, -(-len(items) // per_page))
        links = {}
        if page < last or not totals:
            links["next"] = "?page=%d" % (page + 1)
        if totals and page < last:
            links["last"] = "?page=%d" % last
        seen.update(rows)
        reads += 1
        assert reads < 2 * (total // per_page) + 40, "the walk does not end"
        token = order.next_token(token, len(rows), links)
    assert set(range(total)) - deleted <= seen
