# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The small Bitbucket pieces on their own: clone links without user names,
ids from uuids, the options, the git credentials each provider hands to
git, and X-RateLimit-NearLimit pacing on a fake clock."""

from __future__ import annotations

import base64

import pytest

from bulk_clone_engine.config import OwnerRef, build_forge_config, build_owners
from bulk_clone_engine.errors import ConfigError
from bulk_clone_engine.limiter import Limiter
from bulk_clone_engine.providers.rate_headers import bitbucket as bitbucket_headers
from bulk_clone_engine.listing import make_limiter, make_provider
from bulk_clone_engine.providers.bitbucket import bitbucket_api_base, uuid_id
from bulk_clone_engine.providers.bitbucket_common import without_userinfo
from bulk_clone_engine.providers.bitbucket_server import bitbucket_server_api_base, project_key

T0 = 1_800_000_000.0   # where the fake_time fixture starts (tests/conftest.py)


@pytest.mark.parametrize("url,want", [
    ("https://jdoe@bitbucket.org/ws/repo.git", "https://bitbucket.org/ws/repo.git"),
    ("https://jdoe:secret@bitbucket.org/ws/repo.git", "https://bitbucket.org/ws/repo.git"),
    ("http://admin@host:7990/scm/prj/repo.git", "http://host:7990/scm/prj/repo.git"),
    ("https://j%40doe@host/bitbucket/scm/~j/repo.git", "https://host/bitbucket/scm/~j/repo.git"),
    ("https://bitbucket.org/ws/repo.git", "https://bitbucket.org/ws/repo.git"),
    ("git@bitbucket.org:ws/repo.git", "git@bitbucket.org:ws/repo.git"),             # ssh: left alone
    ("ssh://git@host:7999/prj/repo.git", "ssh://git@host:7999/prj/repo.git"),
    ("", ""),
])
def test_without_userinfo(url, want):
    assert without_userinfo(url) == want


def test_uuid_id_is_stable_positive_and_ignores_braces_and_case():
    a = uuid_id("{5E3ED638-C3EC-4F7F-82EB-7746C6A60585}")
    assert a == uuid_id("5e3ed638-c3ec-4f7f-82eb-7746c6a60585")
    assert 0 < a < 2 ** 63
    assert a != uuid_id("{5e3ed638-c3ec-4f7f-82eb-7746c6a60586}")


def test_api_base_paths():
    assert bitbucket_api_base("https://api.bitbucket.org/2.0/") == "https://api.bitbucket.org/2.0"
    assert bitbucket_api_base("https://api.bitbucket.org") == "https://api.bitbucket.org/2.0"
    for given in ("https://h/bitbucket", "https://h/bitbucket/rest/api/1.0", "https://h/bitbucket/rest/api/latest/"):
        assert bitbucket_server_api_base(given) == "https://h/bitbucket/rest/api/1.0"


def test_project_keys():
    assert project_key(OwnerRef("PRJ", "auto")) == "PRJ"
    assert project_key(OwnerRef("~jdoe", "auto")) == "~jdoe"
    assert project_key(OwnerRef("jdoe", "user")) == "~jdoe"
    assert project_key(OwnerRef("~jdoe", "user")) == "~jdoe"


def test_defaults_owner_kinds_and_host():
    cfg = build_forge_config("bitbucket", token="t")
    assert cfg.api_url == "https://api.bitbucket.org/2.0" and cfg.host == "bitbucket.org"
    assert build_owners("bitbucket", ["acme"], "workspace") == (OwnerRef("acme", "workspace"),)
    assert build_owners("bitbucket_server", ["~jdoe", "PRJ"], None)[0].name == "~jdoe"
    with pytest.raises(ConfigError, match="owner_kind 'group' does not exist on bitbucket_server"):
        build_owners("bitbucket_server", ["PRJ"], "group")
    with pytest.raises(ConfigError, match="api_url is required for provider bitbucket_server"):
        build_forge_config("bitbucket_server", token="t")


def test_username_is_never_shown_by_repr():
    cfg = build_forge_config("bitbucket", token="t0ken", username="me@example.com")
    assert "me@example.com" not in repr(cfg) and "t0ken" not in repr(cfg)


def _basic(header):
    return base64.b64decode(header.split(" ")[-1]).decode()


@pytest.mark.parametrize("provider,api_url,username,header", [
    ("bitbucket", None, None, "Basic x-token-auth:tok"),
    ("bitbucket", None, "me@example.com", "Basic x-bitbucket-api-token-auth:tok"),
    ("bitbucket_server", "https://h/bitbucket", None, "Authorization: Bearer tok"),
    ("bitbucket_server", "https://h/bitbucket", "jdoe", "Basic jdoe:tok"),
])
def test_git_credentials(provider, api_url, username, header):
    cfg = build_forge_config(provider, api_url=api_url, token="tok", username=username)
    auth = make_provider(cfg).git_auth()
    assert auth.token() == "tok"
    sent = auth.header("tok")
    if header.startswith("Basic "):
        assert sent.startswith("Authorization: Basic ") and _basic(sent) == header[len("Basic "):]
    else:
        assert sent == header
    decoded = _basic(sent) if "Basic" in sent else sent
    assert "me@example.com" not in decoded                 # the email is for the REST API only


def test_limiter_name_and_advice():
    cfg = build_forge_config("bitbucket", token="t")
    assert make_limiter(cfg).name == "Bitbucket"


# -- X-RateLimit-NearLimit ----------------------------------------------------------------

def test_budget_from_bitbucket_headers():
    budget = bitbucket_headers({"X-RateLimit-Limit": "2500", "X-RateLimit-Resource": "api",
                                "X-RateLimit-NearLimit": "true"}, T0).budget
    assert (budget.resource, budget.limit, budget.remaining, budget.near_limit) == ("api", 2500, None, True)
    assert bitbucket_headers({"X-RateLimit-Limit": "1000", "X-RateLimit-NearLimit": "false"}, T0).budget.near_limit is False


def _calls(limiter, near: str, n: int = 4):
    """n calls: the first learns the budget, the second takes the free slot, the rest wait."""
    headers = {"X-RateLimit-Limit": "1000", "X-RateLimit-Resource": "api", "X-RateLimit-NearLimit": near}
    for _i in range(n):
        limiter.call(lambda: limiter.observe(headers), what="GET /repositories/acme")


def test_near_limit_spaces_calls_at_the_hourly_rate(fake_time):
    shown = []
    limiter = Limiter("Bitbucket", read_headers=bitbucket_headers, clock=fake_time.clock, sleep=fake_time.sleep, on_wait=lambda s, r: shown.append((s, r)))
    _calls(limiter, "true")
    assert fake_time.sleeps == [pytest.approx(3.6), pytest.approx(3.6)]          # 3,600 s / 1,000 requests
    assert all("X-RateLimit-NearLimit" in reason for _seconds, reason in shown) and len(shown) == 2


def test_not_near_the_limit_means_no_wait(fake_time):
    limiter = Limiter("Bitbucket", read_headers=bitbucket_headers, clock=fake_time.clock, sleep=fake_time.sleep)
    _calls(limiter, "false")
    assert fake_time.sleeps == []


def test_near_limit_pacing_never_waits_longer_than_max_wait(fake_time):
    limiter = Limiter("Bitbucket", read_headers=bitbucket_headers, clock=fake_time.clock, sleep=fake_time.sleep, max_wait=2.0)
    _calls(limiter, "true")
    assert fake_time.sleeps == [pytest.approx(2.0), pytest.approx(2.0)]
