# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3 acceptance, GitHub: the listing engine against the local forge.

Every repo of an owner exactly once (set equality with the forge's truth,
minus the disabled repos the default selection leaves out and counts), over
REST and GraphQL, at 0, 1, 100, 101, 250 and 10,000 repos; REST spends
exactly ceil(N/100) listing requests; the listing is lazy.
"""

from __future__ import annotations

import math

import pytest

from listing_support import list_repos, open_listing  # noqa: E402

TOKEN = "forge-token"
OTHER_TOKEN = "forge-token-2"
# Tiny waits so that no test sits out GitHub's 60 s minimum (see config.py).
FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)

EDGE = [("empty-org", 0), ("one", 1), ("hundred", 100), ("hundred-one", 101), ("acme", 250)]


def gh(forge, api="rest", token=TOKEN, **extra):
    kwargs = dict(provider="github", api_url=forge.github_api, token=token, api=api, **FAST)
    kwargs.update(extra)
    return kwargs


def truth(forge, owner, service="github"):
    """(id, full_path) of every repo the default selection keeps, and the disabled count."""
    repos = forge.repos(service, owner)
    kept = {(r["id"], r["full_path"]) for r in repos if not r["disabled"]}
    return kept, sum(1 for r in repos if r["disabled"])


def listed(result):
    pairs = [(r["id"], r["full_path"]) for r in result["repos"]]
    assert len(pairs) == len(set(pairs)), "a repo was listed twice"
    return set(pairs)


@pytest.mark.parametrize("api", ["rest", "graphql"])
@pytest.mark.parametrize("owner,size", EDGE, ids=[o for o, _size in EDGE])
def test_org_listing_equals_the_forge(forge, api, owner, size):
    expected, disabled = truth(forge, owner)
    assert len(expected) + disabled == size   # the fixture is what this test thinks it is
    result = list_repos(gh(forge, api), [owner], "org", {})
    assert listed(result) == expected
    assert result["count"] == len(expected)
    stats = result["stats"]
    assert stats["listed"] == size
    assert stats["excluded"] == ({"disabled": disabled} if disabled else {})
    counters = forge.counters()
    if api == "rest":
        # An empty org still costs the one request that shows it is empty.
        assert counters.get("api:github:list", 0) == max(1, math.ceil(size / 100.0))
        assert stats["pages"] == max(1, math.ceil(size / 100.0))
    else:
        assert counters.get("api:github:list", 0) == 0, "GraphQL listing fell back to REST"
        assert counters.get("api:github:graphql", 0) == max(1, math.ceil(size / 100.0))


def test_disabled_repos_listed_when_asked(forge):
    expected, disabled = truth(forge, "acme")
    assert disabled > 0
    everything = {(r["id"], r["full_path"]) for r in forge.repos("github", "acme")}
    result = list_repos(gh(forge), ["acme"], None, {"disabled": "include"})
    assert listed(result) == everything
    only = list_repos(gh(forge), ["acme"], None, {"disabled": "only"})
    assert listed(only) == everything - expected


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_fields_match_the_forge(forge, api):
    by_id = {r["id"]: r for r in forge.repos("github", "acme")}
    result = list_repos(gh(forge, api), ["acme"], None, {"disabled": "include"})
    assert result["count"] == len(by_id)
    for repo in result["repos"]:
        want = by_id[repo["id"]]
        assert repo["provider"] == "github"
        assert repo["owner"] == "acme"
        assert repo["name"] == want["name"]
        assert repo["full_path"] == want["full_path"]
        assert repo["clone_url"] == want["clone_url"]
        assert repo["ssh_url"].endswith(want["full_path"] + ".git")
        if api == "graphql" and want["empty"]:
            # GraphQL has no defaultBranchRef for a repo without commits (as on GitHub).
            assert repo["default_branch"] in ("", want["default_branch"])
        else:
            assert repo["default_branch"] == want["default_branch"]
        assert repo["archived"] is want["archived"]
        assert repo["fork"] is want["fork"]
        assert repo["disabled"] is want["disabled"]
        assert repo["empty"] is want["empty"]
        assert repo["visibility"] == want["visibility"]
        assert repo["marker"] == want["marker"]
        assert sorted(repo["topics"]) == sorted(want["topics"]), repo["full_path"]
        assert repo["language"] == want["language"], repo["full_path"]
        assert repo["host"] == "127.0.0.1:%d" % forge.port


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_selection_on_topics_and_language_sees_the_forge_values(forge, api):
    """Selection reads Repo.topics/language: a provider that leaves them out
    would silently select nothing."""
    repos = [r for r in forge.repos("github", "acme") if not r["disabled"]]
    topic = next(t for r in repos for t in r["topics"])
    language = next(r["language"] for r in repos if r["language"])
    want_topic = {(r["id"], r["full_path"]) for r in repos if topic in r["topics"]}
    want_lang = {(r["id"], r["full_path"]) for r in repos if (r["language"] or "").lower() == language.lower()}
    assert listed(list_repos(gh(forge, api), ["acme"], None, {"topics_any": [topic]})) == want_topic
    assert listed(list_repos(gh(forge, api), ["acme"], None, {"languages": [language]})) == want_lang


@pytest.mark.parametrize("api", ["rest", "graphql"])
@pytest.mark.parametrize("kind", ["user", "auto"])
def test_user_listing(forge, api, kind):
    expected, _disabled = truth(forge, "alice")
    assert len(expected) == 15
    result = list_repos(gh(forge, api), ["alice"], kind, {})
    assert listed(result) == expected


def test_auto_finds_an_org_and_a_user_in_one_call(forge):
    acme, _disabled = truth(forge, "acme")
    alice, _disabled = truth(forge, "alice")
    result = list_repos(gh(forge), ["acme", "alice"], "auto", {})
    assert listed(result) == acme | alice


def test_the_tokens_own_repos(forge):
    expected, _disabled = truth(forge, "forge-admin")
    assert len(expected) == 3
    result = list_repos(gh(forge), [], "self", {})
    assert listed(result) == expected


def test_owner_named_twice_is_listed_once(forge):
    expected, _disabled = truth(forge, "hundred-one")
    result = list_repos(gh(forge), ["hundred-one", "Hundred-One/", "hundred-one"], "org", {})
    assert listed(result) == expected
    assert result["count"] == len(expected)


def test_token_that_sees_no_private_count_still_lists_all(forge):
    """A non-owner token's org record has public_repos only: the probe page
    is then too low, rel="last" corrects it, and the probe page is read once
    more in its turn (repos may slide onto it while the pages above it are
    read): ceil(N/100) + 1 requests."""
    expected, _disabled = truth(forge, "acme")
    result = list_repos(gh(forge, token=OTHER_TOKEN), ["acme"], "org", {})
    assert listed(result) == expected
    assert forge.counters()["api:github:list"] == 3 + 1


def test_small_pages_walk_backwards_without_loss(forge):
    expected, _disabled = truth(forge, "acme")
    result = list_repos(gh(forge, per_page=7), ["acme"], "org", {})
    assert listed(result) == expected
    assert forge.counters()["api:github:list"] == math.ceil(250 / 7.0)


def test_fields_option_trims_each_record(forge):
    result = list_repos(gh(forge), ["one"], None, {}, fields=("full_path", "clone_url"))
    assert result["repos"] and all(set(r) == {"full_path", "clone_url"} for r in result["repos"])


def test_stats_report_the_budget_and_the_cost(forge):
    result = list_repos(gh(forge), ["acme"], None, {})
    stats = result["stats"]
    # GET /orgs/acme + 3 pages; no retry, no wait.
    assert stats["requests"] == 4
    assert stats["retries"] == 0 and stats["seconds_waited"] == 0
    core = stats["rate_limit"]["core"]
    assert core["limit"] == 5000 and core["remaining"] == 5000 - 4


# ---- 10,000 repos --------------------------------------------------------------------------

@pytest.mark.slow
def test_rest_10000_repos_in_exactly_100_listing_requests(big_github_forge):
    forge = big_github_forge
    forge.reset_counters()
    expected, disabled = truth(forge, "big")
    result = list_repos(gh(forge), ["big"], "org", {})
    assert listed(result) == expected
    assert result["stats"]["excluded"] == {"disabled": disabled}
    assert forge.counters()["api:github:list"] == 100


@pytest.mark.slow
def test_graphql_10000_repos(big_github_forge):
    forge = big_github_forge
    forge.reset_counters()
    expected, _disabled = truth(forge, "big")
    result = list_repos(gh(forge, "graphql"), ["big"], "org", {})
    assert listed(result) == expected
    assert forge.counters().get("api:github:list", 0) == 0
    assert forge.counters()["api:github:graphql"] == 100


def _pages_after_first_repo(forge, api):
    """List pages (REST or GraphQL) the forge has answered once the reader holds
    the first repo of the 10,000-repo org and the read-ahead has come to rest."""
    forge.reset_counters()
    listing = open_listing(gh(forge, api), ["big"], "org", {})
    stream = iter(listing)
    first = next(stream)
    assert first.full_path.startswith("big/")
    # Give the read-ahead thread every chance to run ahead; it must stop on
    # the bounded queue, not because we looked early.
    _settle(forge)
    counters = forge.counters()
    pages = counters.get("api:github:list", 0) + counters.get("api:github:graphql", 0)
    stream.close()
    assert listing.provider.stats.repos <= 300
    return pages


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_listing_is_lazy(big_github_forge, api):
    """The first repo of 10,000 costs a few pages, not the org. The bound is
    the paginator's documented one: the page being read, one in the queue
    and one in the fetching thread's hand (lookahead + 2)."""
    pages = _pages_after_first_repo(big_github_forge, api)
    assert 1 <= pages <= 3, "fetched %d pages to read one repo" % pages


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_listing_reads_only_one_page_ahead(big_github_forge, api):
    pages = _pages_after_first_repo(big_github_forge, api)
    assert pages <= 2, "fetched %d pages to read one repo" % pages


def _settle(forge, quiet_rounds=5, step=0.1):
    """Wait until the forge's request count stops moving (not a timed assertion:
    it only makes the assertion after it independent of thread scheduling)."""
    import time
    last, still = None, 0
    for _i in range(100):
        now = sum(v for k, v in forge.counters().items() if k.startswith("api:"))
        still = still + 1 if now == last else 0
        if still >= quiet_rounds:
            return
        last = now
        time.sleep(step)


# ---- GitHub App -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def test_github_app_installation_lists_every_repo_it_can_see(fresh_forge, app_key):
    forge = fresh_forge(["github:acme:130", "github:other:20"], app_id="4242")
    app = dict(provider="github", api_url=forge.github_api, app_id="4242", app_private_key=app_key,
               app_installation_id=7, **FAST)
    everything = set()
    for owner in {o["path"] for o in forge.all_owners("github")}:
        everything |= {(r["id"], r["full_path"]) for r in forge.repos("github", owner)}
    result = list_repos(app, [], "installation", {"disabled": "include"})
    assert listed(result) == everything
    # One repo to learn total_count, then the pages: nothing read twice.
    assert forge.counters()["api:github:list"] == 1 + math.ceil(len(everything) / 100.0)
    assert result["stats"]["duplicates_dropped"] == 0
    # The same App lists one org with its installation token.
    acme, _disabled = truth(forge, "acme")
    assert listed(list_repos(app, ["acme"], "org", {})) == acme
    assert forge.counters().get("status:201", 0) >= 1          # an installation token was issued


def test_git_credentials_spend_no_api_budget(fresh_forge, app_key):
    """git asks for the token once per process: that must not count as (or
    wait for) an API call, for a plain token or a GitHub App."""
    from bulk_clone_engine.config import build_forge_config
    from bulk_clone_engine.listing import make_provider
    forge = fresh_forge(["github:acme:3"], app_id="4242")
    plain = make_provider(build_forge_config(provider="github", api_url=forge.github_api, token=TOKEN))
    auth = plain.git_auth()
    assert auth.username == "x-access-token" and auth.token() == TOKEN
    app = make_provider(build_forge_config(provider="github", api_url=forge.github_api, app_id="4242",
                                           app_private_key=app_key, app_installation_id=7))
    token = app.git_auth().token()
    assert token and token.startswith("ghs_")
    assert app.git_auth().token() == token                    # reused until it nears expiry
    for provider in (plain, app):
        assert provider.limiter.stats.calls == 0 and provider.stats.requests == 0
