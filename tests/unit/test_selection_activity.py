# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 14 point 7: pushed_within, min_stars and glob: patterns in include/exclude."""

from __future__ import annotations

import pytest

from bulk_clone_engine.errors import ConfigError
from bulk_clone_engine.repo import Repo
from bulk_clone_engine.selection import check_for_provider, compile_selection, glob_regex, parse_duration

NOW = 1767225600.0          # 2026-01-01T00:00:00Z


def repo(full_path="acme/api", **fields):
    owner, _sep, name = full_path.rpartition("/")
    return Repo(provider="github", host="github.com", owner=owner, name=name, full_path=full_path,
                id=fields.pop("id", 1), clone_url="https://github.com/%s.git" % full_path, **fields)


@pytest.mark.parametrize("text,seconds", [("365d", 365 * 86400), ("12h", 12 * 3600), ("4w", 4 * 7 * 86400),
                                          (" 30 D ", 30 * 86400)])
def test_pushed_within_takes_hours_days_and_weeks(text, seconds):
    assert parse_duration(text)[1] == seconds


@pytest.mark.parametrize("bad", ["365", "1y", "3m", "0d", "-1d", "1.5d", "d", "12 hours"])
def test_pushed_within_refuses_other_forms_and_says_which_it_takes(bad):
    with pytest.raises(ConfigError, match=r"pushed_within: .* h \(hours\), d \(days\) or w \(weeks\)"):
        compile_selection(pushed_within=bad)


def test_pushed_within_counts_back_from_the_run_and_reads_every_forge_time_form():
    selection = compile_selection(now=NOW, pushed_within="30d")
    assert selection.keep(repo(pushed_at="2025-12-20T10:00:00Z"))                 # GitHub, Gitea
    assert selection.keep(repo(pushed_at="2025-12-20T10:00:00.000Z"))             # GitLab
    assert selection.keep(repo(pushed_at="2025-12-20T10:00:00.123456+00:00"))     # Bitbucket Cloud
    assert selection.why_not(repo(pushed_at="2025-11-20T10:00:00Z")) == \
        "pushed_within: last activity 2025-11-20T10:00:00Z, more than 30d ago"
    assert selection.why_not(repo(pushed_at="")) == "pushed_within: the forge lists no activity time"
    assert compile_selection(now=NOW).keep(repo(pushed_at=""))                    # no filter, no opinion
    assert selection.as_dict()["pushed_within"] == "30d"


def test_min_stars():
    selection = compile_selection(min_stars=10)
    assert selection.keep(repo(stars=10)) and selection.keep(repo(stars=11))
    assert selection.why_not(repo(stars=9)) == "min_stars: 9 stars, fewer than 10"
    assert compile_selection(min_stars="0").keep(repo(stars=0))
    for bad in (-1, "many", True, 2.5):
        with pytest.raises(ConfigError, match="min_stars: .* expected a whole number, 0 or more"):
            compile_selection(min_stars=bad)


def test_filters_a_provider_cannot_answer_are_refused():
    check_for_provider(compile_selection(pushed_within="1d", min_stars=1), "gitea")
    check_for_provider(compile_selection(pushed_within="1d"), "bitbucket")
    with pytest.raises(ConfigError, match="pushed_within: Bitbucket Data Center lists no activity time"):
        check_for_provider(compile_selection(pushed_within="1d"), "bitbucket_server")
    with pytest.raises(ConfigError, match="min_stars: Bitbucket Cloud has no stars"):
        check_for_provider(compile_selection(min_stars=1), "bitbucket")


@pytest.mark.parametrize("glob,path,hit", [
    ("api-*", "acme/api-gateway", True),
    ("api-*", "acme/web-api-x", False),               # anchored, unlike a regular expression
    ("API-*", "acme/api-gateway", True),              # case-insensitive, as forge names are
    ("*-kit", "acme/docs-kit", True),
    ("web-?", "acme/web-1", True),
    ("web-?", "acme/web-12", False),
    ("platform/*", "platform/api", True),
    ("platform/*", "platform/sub-a/api", False),      # * stays within one folder
    ("platform/**", "platform/sub-a/deep/api", True),
    ("platform/**/api", "platform/api", True),        # **/ may match no folder at all
    ("platform/**/api", "platform/sub-a/deep/api", True),
    ("/platform/*", "platform/api", True),            # gitlabber's leading /
    ("web-[0-4]", "acme/web-3", True),
    ("web-[!0-4]", "acme/web-3", False),
    ("a.core", "acme/abcore", False),                 # a dot is a dot
])
def test_glob_patterns(glob, path, hit):
    assert compile_selection(include=["glob:" + glob]).keep(repo(path)) is hit
    assert compile_selection(exclude=["glob:" + glob]).keep(repo(path)) is not hit


def test_globs_and_regular_expressions_mix_and_are_reported_as_written():
    selection = compile_selection(include=["glob:api-*", "^web-"], exclude=["glob:*-old"])
    assert [r.name for r in selection.filter([repo("a/api-x"), repo("a/web-y"), repo("a/cli-z"),
                                              repo("a/api-old")])] == ["api-x", "web-y"]
    assert selection.why_not(repo("a/api-old")) == "exclude: a/api-old matches 'glob:*-old'"
    assert selection.as_dict()["include"] == ["glob:api-*", "^web-"]
    assert glob_regex("a*") == r"\Aa[^/]*\Z"


def test_an_empty_glob_is_refused():
    with pytest.raises(ConfigError, match="include: 'glob:' has no pattern after glob:"):
        compile_selection(include=["glob:"])
