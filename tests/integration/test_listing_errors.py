# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3 acceptance, bad input: every mistake a user can make gets an error
that names what to change, and option mistakes fail before any request.
"""

from __future__ import annotations

import socket

import pytest
import requests

from bulk_clone_engine.errors import AuthError, ConfigError, NotFoundError, TransientError
import listing_support
from listing_support import list_repos  # noqa: E402

TOKEN = "forge-token"
FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=2, retry_base=0.01)
SERVICES = ["github", "graphql", "gitlab", "gitea"]


def kwargs_for(forge, flavour, **extra):
    return listing_support.kwargs_for(forge, flavour, FAST, **extra)


def api_requests(forge):
    return sum(v for k, v in forge.counters().items() if k.startswith("api:"))


@pytest.fixture
def github_root(forge):
    """The GitHub provider tells a wrong api_url from an unknown owner by the
    API root (GET /api/v3/ -> current_user_url), as GitHub and GHES answer."""
    resp = requests.get(forge.github_api + "/", headers={"Authorization": "token " + TOKEN}, timeout=10)
    assert resp.status_code == 200 and "current_user_url" in resp.json(), resp.text


def needs_root(flavour, request):
    if flavour in ("github", "graphql"):
        request.getfixturevalue("github_root")


# ---- unknown owner, wrong kind ---------------------------------------------------------------

@pytest.mark.parametrize("flavour", SERVICES)
@pytest.mark.parametrize("kind", [None, "user"])
def test_unknown_owner(forge, flavour, kind, request):
    needs_root(flavour, request)
    with pytest.raises(NotFoundError) as err:
        list_repos(kwargs_for(forge, flavour), ["no-such-owner"], kind, {})
    msg = str(err.value)
    assert "'no-such-owner'" in msg and "was not found" in msg
    assert "check the spelling" in msg
    assert forge.url in msg                                   # where it looked


@pytest.mark.parametrize("flavour,kind", [("github", "org"), ("graphql", "org"), ("gitlab", "group"),
                                          ("gitea", "org")])
def test_a_user_named_as_an_organization(forge, flavour, kind, request):
    needs_root(flavour, request)
    with pytest.raises(NotFoundError) as err:
        list_repos(kwargs_for(forge, flavour), ["alice"], kind, {})
    msg = str(err.value)
    assert "'alice'" in msg and ("organization" in msg or "group" in msg)


@pytest.mark.parametrize("provider,kind", [("gitlab", "org"), ("gitea", "group"), ("github", "group"),
                                           ("gitea", "installation"), ("gitlab", "self")])
def test_owner_kind_that_does_not_exist_on_the_provider(forge, provider, kind):
    flavour = provider
    with pytest.raises(ConfigError) as err:
        list_repos(kwargs_for(forge, flavour), ["acme"], kind, {})
    msg = str(err.value)
    assert "owner_kind %r does not exist on %s" % (kind, provider) in msg
    assert "use one of" in msg and "auto" in msg
    assert api_requests(forge) == 0


# ---- credentials -------------------------------------------------------------------------------

@pytest.mark.parametrize("flavour", SERVICES)
def test_wrong_token(forge, flavour):
    owner = {"github": "acme", "graphql": "acme", "gitlab": "platform", "gitea": "tools"}[flavour]
    with pytest.raises(AuthError) as err:
        list_repos(kwargs_for(forge, flavour, token="not-a-token"), [owner], None, {})
    msg = str(err.value)
    assert "401" in msg and "check `token`" in msg
    assert "not-a-token" not in msg                           # never echo a credential


# ---- where the forge is ------------------------------------------------------------------------

@pytest.mark.parametrize("flavour", SERVICES)
def test_api_url_that_is_not_a_forge_api(forge, flavour):
    with pytest.raises(ConfigError) as err:
        list_repos(kwargs_for(forge, flavour, api_url=forge.url + "/nope"), ["acme"], None, {})
    msg = str(err.value)
    assert "api_url %s/nope does not answer like" % forge.url in msg
    assert "e.g." in msg or "use https://" in msg or "base URL" in msg   # what to give instead


def test_github_api_url_without_api_v3(forge):
    """The forge root is the web host, not the REST API: GHES wants HOST/api/v3.
    (GraphQL is left out: like api.github.com, the forge also serves /graphql
    at its root, so that URL really works for it.)"""
    with pytest.raises(ConfigError) as err:
        list_repos(kwargs_for(forge, "github", api_url=forge.url), ["acme"], None, {})
    assert "https://HOST/api/v3" in str(err.value)


def test_gitlab_provider_pointed_at_a_github_api(forge):
    with pytest.raises(ConfigError) as err:
        list_repos(kwargs_for(forge, "gitlab", api_url=forge.github_api), ["platform"], None, {})
    assert "does not answer like a GitLab instance" in str(err.value)


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.mark.parametrize("flavour", SERVICES)
def test_unreachable_host(forge, flavour):
    url = "http://127.0.0.1:%d" % _closed_port()
    with pytest.raises(TransientError) as err:
        list_repos(kwargs_for(forge, flavour, api_url=url), ["acme"], None, {})
    msg = str(err.value)
    assert "cannot reach %s" % url in msg and "check api_url" in msg
    assert "failed 2 times" in msg                           # max_tries was obeyed


@pytest.mark.parametrize("api_url", ["ftp://example.com", "example.com/api/v3", "https://"])
def test_api_url_that_is_not_an_http_url(api_url):
    with pytest.raises(ConfigError) as err:
        list_repos(dict(provider="github", api_url=api_url, token=TOKEN), ["acme"], None, {})
    assert "is not an http(s) URL" in str(err.value) and "https://api.github.com" in str(err.value)


# ---- options, checked before any request -------------------------------------------------------

def test_unknown_provider(forge):
    with pytest.raises(ConfigError) as err:
        list_repos(dict(provider="bitbucket", api_url=forge.url, token=TOKEN), ["acme"], None, {})
    assert str(err.value) == "provider 'bitbucket' is not supported: use one of github, gitlab, gitea"


@pytest.mark.parametrize("option", ["include", "exclude"])
def test_bad_regex(forge, option):
    with pytest.raises(ConfigError) as err:
        list_repos(kwargs_for(forge, "github"), ["acme"], None, {option: ["api-(", "^ok$"]})
    msg = str(err.value)
    assert msg.startswith("%s: 'api-(' is not a valid regular expression" % option)
    assert "e.g." in msg
    assert api_requests(forge) == 0


@pytest.mark.parametrize("shard", ["3/3", "1", "a/b", "-1/4", "0/0", "1/2/3"])
def test_bad_shard(forge, shard):
    with pytest.raises(ConfigError) as err:
        list_repos(kwargs_for(forge, "gitlab"), ["platform"], None, {"shard": shard})
    msg = str(err.value)
    assert msg.startswith("shard: %r is not valid" % shard)
    assert 'expected "i/N" with 0 <= i < N' in msg
    assert api_requests(forge) == 0


@pytest.mark.parametrize("options,fragment", [
    ({"archived": "maybe"}, "archived: 'maybe' is not allowed; expected one of include, exclude, only"),
    ({"visibility": ["secret"]}, "visibility: 'secret' is not a visibility"),
    ({"colour": "red"}, "unknown option colour"),
])
def test_other_selection_mistakes(forge, options, fragment):
    with pytest.raises(ConfigError) as err:
        list_repos(kwargs_for(forge, "gitea"), ["tools"], None, options)
    assert fragment in str(err.value)
    assert api_requests(forge) == 0


@pytest.mark.parametrize("forge_options,fragment", [
    (dict(provider="gitlab", api="graphql"), "api: graphql is only available for provider github"),
    (dict(provider="github", api="soap"), "api 'soap' is not known: use rest or graphql"),
    (dict(provider="gitea", api_url=None), "api_url is required for provider gitea"),
    (dict(provider="github", max_wait=-1), "max_wait must be 0 or more seconds"),
    (dict(provider="github", per_page=500), "per_page must be between 1 and 100"),
    (dict(provider="gitlab", app_id="1", app_private_key="k", app_installation_id=2),
     "GitHub App settings; provider gitlab takes a token"),
    (dict(provider="github", app_id="1"), "needs app_id, app_private_key and app_installation_id together"),
])
def test_forge_option_mistakes(forge, forge_options, fragment):
    options = dict(api_url=forge.url, token=TOKEN)
    options.update(forge_options)
    if options.get("app_id"):
        options.pop("token")
    with pytest.raises(ConfigError) as err:
        list_repos(options, ["acme"], None, {})
    assert fragment in str(err.value)
    assert api_requests(forge) == 0


@pytest.mark.parametrize("owners,kind,fragment", [
    ([], None, "owners is empty"),
    (["acme"], "self", "owner_kind self lists the token's own repositories: leave owners empty"),
    (["acme/sub"], None, "only GitLab groups nest"),
])
def test_owner_mistakes(forge, owners, kind, fragment):
    with pytest.raises(ConfigError) as err:
        list_repos(kwargs_for(forge, "github"), owners, kind, {})
    assert fragment in str(err.value)
    assert api_requests(forge) == 0
