# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 10, point 16: an API that answers with a redirect to another address
is reported as such ("api_url ... redirected to HOST; set api_url to the final
address"), not as "owner not found" or a retried network failure, and the
token never follows it. The forge answers every API request 301/302/307 to a
capture server on 127.0.0.2 (another host than the forge's 127.0.0.1), which
records whatever arrives.

What the libraries do on their own (docs/forge-wire.md, "API redirects"):
requests follows a redirect to another host and drops only Authorization;
python-gitlab relies on that and so re-sends PRIVATE-TOKEN there. PyGithub
follows a 301 only on the same host and never a 302 or 307."""

from __future__ import annotations

import pytest
import requests

from bulk_clone_support import git_requests, run
from bulk_clone_engine.errors import ConfigError
from listing_support import list_repos  # noqa: E402
import listing_support
from tests.forge.api_capture import ApiCapture

TOKEN = "ghp_RedirectedTok3n0123456789abcdef"
FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=3, retry_base=0.01)
OWNER = {"github": "acme", "graphql": "acme", "gitlab": "grp", "gitea": "tea"}
SERVICE = {"github": "github", "graphql": "github", "gitlab": "gitlab", "gitea": "gitea"}
# Where each flavour's requests go, and the api_url that would have avoided the redirect.
PREFIX = {"github": "/api/v3", "graphql": "/api/", "gitlab": "/api/v4", "gitea": "/api/v1"}


@pytest.fixture
def org(fresh_forge, hermetic_git):
    return fresh_forge(["github:acme:4", "gitlab:grp:4:flat=1", "gitea:tea:4"], tokens=(TOKEN,))


@pytest.fixture
def capture():
    with ApiCapture(host="127.0.0.2") as server:
        yield server


def api_requests(forge) -> int:
    """Requests the API answered (a listing page is also counted as api:*:list)."""
    return sum(v for k, v in forge.counters().items() if k.startswith("api:") and not k.endswith(":list"))


def test_wire_fact_requests_keeps_private_token_across_hosts(org, capture):
    """The fact OriginBoundSession exists for (checked, so docs/forge-wire.md stays true)."""
    org.inject({"kind": "api_redirect", "service": "gitlab", "location": capture.url, "times": -1})
    resp = requests.get(org.url + "/api/v4/version", timeout=10,
                        headers={"Authorization": "Bearer " + TOKEN, "PRIVATE-TOKEN": TOKEN})
    assert resp.status_code == 404 and resp.history[0].status_code == 302
    assert capture.credentials() == ["private-token: " + TOKEN]


@pytest.mark.parametrize("flavour, status", [
    ("github", 302), ("github", 307), ("github", 301), ("graphql", 307), ("graphql", 302),
    ("gitlab", 302), ("gitlab", 301), ("gitlab", 307), ("gitea", 302), ("gitea", 308),
])
def test_a_redirect_to_another_host_is_reported_and_never_followed(org, capture, flavour, status):
    org.inject({"kind": "api_redirect", "service": SERVICE[flavour], "status": status,
                "location": capture.url, "times": -1})
    kwargs = listing_support.kwargs_for(org, flavour, FAST, token=TOKEN)
    with pytest.raises(ConfigError) as info:
        list_repos(kwargs, [OWNER[flavour]], None, {})
    message = str(info.value)
    assert message.startswith("api_url %s redirected " % kwargs["api_url"]), message
    assert "(HTTP %d)" % status in message and "set api_url to the final address" in message
    assert "127.0.0.2" in message                                  # where it was sent
    if status != 301 or flavour != "github":                       # PyGithub's own 301 check names no URL
        assert "to %s" % capture.url in message
    assert "not found" not in message and TOKEN not in message
    # Not followed, with or without credentials; and not retried.
    assert capture.requests == [] and capture.credentials() == []
    assert api_requests(org) == 1


@pytest.mark.parametrize("flavour", ["github", "gitlab", "gitea"])
def test_the_message_offers_the_api_url_that_avoids_the_redirect(org, capture, flavour):
    org.inject({"kind": "api_redirect", "service": SERVICE[flavour], "location": capture.url, "times": -1})
    kwargs = listing_support.kwargs_for(org, flavour, FAST, token=TOKEN)
    with pytest.raises(ConfigError) as info:
        list_repos(kwargs, [OWNER[flavour]], None, {})
    suggested = capture.url + (PREFIX[flavour] if flavour == "github" else "")
    assert str(info.value).endswith("set api_url to the final address (%s)" % suggested)


@pytest.mark.parametrize("flavour", ["gitlab", "gitea"])
def test_a_redirect_within_the_same_address_is_still_followed(org, capture, flavour):
    """Gitea and GitLab redirect renamed users and moved projects on the same
    server: that keeps working. A redirect elsewhere is refused in the same run."""
    org.inject({"kind": "api_redirect", "service": SERVICE[flavour], "status": 307, "location": org.url,
                "times": 1})
    kwargs = listing_support.kwargs_for(org, flavour, FAST, token=TOKEN)
    result = list_repos(kwargs, [OWNER[flavour]], None, {})
    assert result["count"] == len(org.repos(SERVICE[flavour], OWNER[flavour]))
    org.inject({"kind": "api_redirect", "service": SERVICE[flavour], "location": capture.url, "times": -1})
    with pytest.raises(ConfigError, match="redirected"):
        list_repos(kwargs, [OWNER[flavour]], None, {})
    assert capture.requests == []


def test_the_engine_stops_before_any_git_and_says_why(org, capture, tmp_path):
    org.inject({"kind": "api_redirect", "service": "github", "path": "^/api/v3/orgs/", "location": capture.url,
                "times": -1})
    with pytest.raises(ConfigError) as info:
        run(org, tmp_path / "src", token=TOKEN)
    assert "redirected GET /orgs/acme to %s (HTTP 302)" % capture.url in str(info.value)
    assert git_requests(org) == 0 and capture.requests == []
