# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bitbucket Cloud listing against the local forge: workspaces of 0, 1, 100,
101 and 3,000 repositories, both kinds of token, the errors a user can
cause, and the rolling-hour limit waited out."""

from __future__ import annotations

import math

import pytest

from bulk_clone_engine.errors import AuthError, ConfigError, ForgeError, NotFoundError, RateLimitError
from listing_support import list_repos, open_listing  # noqa: E402
from bulk_clone_engine.providers.bitbucket import uuid_id

TOKEN = "forge-token"
API_TOKEN = "ATATT-listing-api-token"
APP_PASSWORD = "Xk2app-password"
EMAIL = "forge-admin@forge.test"
FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)
EDGE = [("bb-empty", 0), ("bb-one", 1), ("bb-hundred", 100), ("bb-hundred-one", 101)]


@pytest.fixture(scope="module")
def bb(module_forge):
    specs = ["bitbucket:%s:%d" % edge for edge in EDGE] + ["bitbucket:acme:60:projects=2", "bitbucket:bigws:3000"]
    return module_forge("forge-bb-listing", specs, tokens=(TOKEN,), bitbucket_api_tokens=[API_TOKEN],
                        bitbucket_app_passwords=[APP_PASSWORD])


def cloud(forge, **extra):
    kwargs = dict(provider="bitbucket", api_url=forge.bitbucket_api, token=TOKEN, **FAST)
    kwargs.update(extra)
    return kwargs


def truth(forge, workspace):
    return {(uuid_id(r["uuid"]), r["full_path"]) for r in forge.repos("bitbucket", workspace)}


def listed(result):
    pairs = [(r["id"], r["full_path"]) for r in result["repos"]]
    assert len(pairs) == len(set(pairs)), "a repository was listed twice"
    return set(pairs)


@pytest.mark.parametrize("workspace,size", EDGE, ids=[w for w, _size in EDGE])
def test_listing_equals_the_forge(bb, workspace, size):
    expected = truth(bb, workspace)
    assert len(expected) == size
    result = list_repos(cloud(bb), [workspace], None, {})
    assert listed(result) == expected and result["count"] == size
    # One request per 100 repositories, following `next`; nothing spent on probes.
    assert bb.counters()["api:bitbucket:list"] == max(1, math.ceil(size / 100.0))


def test_three_thousand_repositories(bb):
    result = list_repos(cloud(bb), ["bigws"], "workspace", {})
    assert listed(result) == truth(bb, "bigws") and result["count"] == 3000
    assert bb.counters()["api:bitbucket:list"] == 30


def test_fields_match_the_forge(bb):
    by_path = {r["full_path"]: r for r in bb.repos("bitbucket", "acme")}
    result = list_repos(cloud(bb), ["acme"], None, {})
    assert {r["full_path"] for r in result["repos"]} == set(by_path)
    for repo in result["repos"]:
        want = by_path[repo["full_path"]]
        assert repo["provider"] == "bitbucket" and repo["owner"] == "acme" and repo["name"] == want["name"]
        assert repo["id"] == uuid_id(want["uuid"])
        assert repo["clone_url"] == want["clone_url"]          # the user name Bitbucket put in it is gone
        assert "@" not in repo["clone_url"]
        assert repo["default_branch"] == ("" if want["empty"] else want["default_branch"])
        assert repo["empty"] is want["empty"] and repo["fork"] is want["fork"]
        assert repo["visibility"] == want["visibility"] and repo["archived"] is False
        assert repo["marker"] == want["marker"] and repo["language"] == want["language"]


def test_api_token_with_the_account_email_lists_the_same(bb):
    result = list_repos(cloud(bb, token=API_TOKEN, username=EMAIL), ["acme"], None, {})
    assert listed(result) == truth(bb, "acme")
    # Only access tokens get X-RateLimit-* headers; an API token's listing has no budget to report.
    assert result["stats"]["rate_limit"] == {}


def test_access_token_rate_headers_reach_the_limiter(bb):
    bb.set_rate_limit("bitbucket", limit=2500, reset_in=3600)
    result = list_repos(cloud(bb), ["acme"], None, {})
    assert result["stats"]["rate_limit"]["api"]["limit"] == 2500


def test_anonymous_lists_public_repositories_only(bb):
    result = list_repos(cloud(bb, token=None), ["acme"], None, {})
    public = {(uuid_id(r["uuid"]), r["full_path"]) for r in bb.repos("bitbucket", "acme") if not r["private"]}
    assert listed(result) == public and public != truth(bb, "acme")


# -- errors a user can cause ------------------------------------------------------------

def test_unknown_workspace_names_it(bb):
    with pytest.raises(NotFoundError) as caught:
        list_repos(cloud(bb), ["no-such-workspace"], None, {})
    assert "workspace 'no-such-workspace' was not found on Bitbucket Cloud" in str(caught.value)


def test_bad_access_token_names_the_option(bb):
    with pytest.raises(AuthError) as caught:
        list_repos(cloud(bb, token="not-a-token"), ["acme"], None, {})
    msg = str(caught.value)
    assert "refused the token" in msg and "check `token`" in msg and "not-a-token" not in msg


def test_api_token_without_username_says_to_add_it(bb):
    with pytest.raises(AuthError) as caught:
        list_repos(cloud(bb, token=API_TOKEN), ["acme"], None, {})
    msg = str(caught.value)
    assert "Token is invalid, expired, or not supported for this endpoint." in msg
    assert "`username`" in msg and "email" in msg and API_TOKEN not in msg


def test_app_password_is_refused_with_the_way_out(bb):
    with pytest.raises(AuthError) as caught:
        list_repos(cloud(bb, token=APP_PASSWORD, username="someone@example.com"), ["acme"], None, {})
    msg = str(caught.value)
    assert "App passwords were switched off in 2026" in msg
    assert "API token" in msg and "access token" in msg and APP_PASSWORD not in msg


@pytest.mark.parametrize("extra,option", [
    (dict(token=API_TOKEN, username="forge-admin"), "username"),      # a user name where the email belongs
    (dict(token=None, username=EMAIL), "token"),                      # username without a token
    (dict(provider="gitea", api_url="http://127.0.0.1:1", username=EMAIL), "username"),
], ids=["not-an-email", "no-token", "other-provider"])
def test_username_mistakes_fail_before_any_request(bb, extra, option):
    with pytest.raises(ConfigError) as caught:
        list_repos(cloud(bb, **extra), ["acme"], None, {})
    assert option in str(caught.value)
    assert bb.counters().get("api:bitbucket", 0) == 0


def test_wrong_owner_kind_is_refused(bb):
    with pytest.raises(ConfigError) as caught:
        list_repos(cloud(bb), ["acme"], "org", {})
    assert "owner_kind 'org' does not exist on bitbucket" in str(caught.value)


# -- the rolling-hour limit ----------------------------------------------------------------

def test_429_without_retry_after_is_waited_out_and_shown(bb):
    bb.inject({"kind": "bitbucket_429", "after": 2, "times": 2})
    shown = []
    listing = open_listing(cloud(bb, per_page=20), ["bb-hundred-one"], None, {},
                           on_wait=lambda seconds, reason: shown.append(reason))
    listing.provider.limiter.notify_min_seconds = 0.0       # the test's waits are short; show them all
    repos = {(r.id, r.full_path) for r in listing}
    assert repos == truth(bb, "bb-hundred-one")
    assert bb.counters()["status:429"] == 2
    assert len(shown) == 2 and all("Bitbucket" in reason and "page 2" in reason for reason in shown)
    assert listing.stats()["retries"] == 2


def test_a_real_rolling_window_is_waited_out(bb):
    """No injected fault: the forge's own limit (2 requests per rolling
    second) refuses requests, and the listing still completes. (An API
    token: it gets no X-RateLimit-* headers, so only the 429s slow it.)"""
    bb.set_rate_limit("bitbucket", limit=2, reset_in=1.0)
    result = list_repos(cloud(bb, token=API_TOKEN, username=EMAIL, per_page=25, secondary_min_wait=0.4),
                        ["bb-hundred-one"], None, {})
    assert listed(result) == truth(bb, "bb-hundred-one")
    assert bb.counters()["status:429"] >= 1 and result["stats"]["seconds_waited"] > 0


def test_a_wait_longer_than_max_wait_fails_clearly(bb):
    bb.set_rate_limit("bitbucket", limit=1, reset_in=3600)
    with pytest.raises(RateLimitError) as caught:
        list_repos(cloud(bb, per_page=10, max_wait=0.5, secondary_min_wait=1.0), ["acme"], None, {})
    msg = str(caught.value)
    assert "Bitbucket" in msg and "max_wait" in msg


def test_near_limit_paces_at_the_hourly_rate(bb):
    """X-RateLimit-NearLimit: true (less than 20 % left) makes the limiter
    space requests at limit/hour instead of running into the 429."""
    bb.set_rate_limit("bitbucket", limit=36000, remaining=50, reset_in=3600)
    listing = open_listing(cloud(bb, per_page=20), ["bb-hundred-one"], None, {})
    assert {(r.id, r.full_path) for r in listing} == truth(bb, "bb-hundred-one")
    waits = listing.provider.limiter.stats.waits
    assert waits and all("X-RateLimit-NearLimit" in w for w in waits)
    assert bb.counters().get("status:429", 0) == 0


# -- faults -------------------------------------------------------------------------------------

def test_server_errors_and_cut_bodies_are_retried(bb):
    bb.inject({"kind": "status", "service": "bitbucket", "status": 502, "after": 2, "times": 1})
    bb.inject({"kind": "truncate", "service": "bitbucket", "after": 4, "times": 1})
    result = list_repos(cloud(bb, per_page=30), ["bb-hundred-one"], None, {})
    assert listed(result) == truth(bb, "bb-hundred-one") and result["stats"]["retries"] == 2


def test_repositories_added_mid_listing_cause_no_duplicates(fresh_forge):
    forge = fresh_forge(["bitbucket:grow:90"])
    before = truth(forge, "grow")
    forge.inject({"kind": "mutate", "service": "bitbucket", "after": 2, "op": "add", "owner": "grow", "n": 15})
    result = list_repos(cloud(forge, per_page=40), ["grow"], None, {})
    assert before <= listed(result) <= truth(forge, "grow")


def test_a_next_link_to_another_host_is_not_followed(bb):
    bb.inject({"kind": "status", "service": "bitbucket", "status": 200,
               "body": {"pagelen": 10, "values": [], "next": "http://127.0.0.2:9/2.0/repositories/acme?page=2"}})
    with pytest.raises(ForgeError) as caught:
        list_repos(cloud(bb), ["acme"], None, {})
    assert "the token is not sent there" in str(caught.value)
