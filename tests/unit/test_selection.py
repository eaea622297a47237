# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Selection: filters, their error messages, and shards."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest

from bulk_clone_engine.errors import ConfigError
from bulk_clone_engine.repo import Repo
from bulk_clone_engine.selection import Selection, compile_selection, parse_shard, shard_of


def repo(full_path="acme/api", **fields):
    name = full_path.rsplit("/", 1)[-1]
    owner = full_path.rsplit("/", 1)[0]
    return Repo(provider="github", host="github.com", owner=owner, name=name, full_path=full_path,
                id=fields.pop("id", 1), clone_url="https://github.com/%s.git" % full_path, **fields)


def kept(selection, repos):
    return [r.full_path for r in selection.filter(repos)]


def test_defaults_keep_everything_but_disabled_repos():
    selection = compile_selection()
    assert selection.keep(repo(archived=True, fork=True, empty=True, visibility="private"))
    assert selection.why_not(repo(disabled=True)) == "disabled: disabled repos are excluded"
    assert compile_selection(disabled="include").keep(repo(disabled=True))


def test_none_values_mean_defaults_as_ansible_passes_them():
    selection = compile_selection(include=None, exclude=None, archived=None, forks=None, empty=None,
                                  visibility=None, languages=None, topics_any=None, topics_all=None, shard=None)
    assert selection == compile_selection()


@pytest.mark.parametrize("option, attribute, noun", [
    ("archived", "archived", "archived"), ("forks", "fork", "forked"), ("empty", "empty", "empty"),
])
def test_include_exclude_only_modes(option, attribute, noun):
    flagged = repo("acme/flagged", **{attribute: True})
    plain = repo("acme/plain")
    assert kept(compile_selection(**{option: "include"}), [flagged, plain]) == ["acme/flagged", "acme/plain"]
    assert kept(compile_selection(**{option: "exclude"}), [flagged, plain]) == ["acme/plain"]
    assert kept(compile_selection(**{option: "only"}), [flagged, plain]) == ["acme/flagged"]
    assert compile_selection(**{option: "exclude"}).why_not(flagged) == \
        "%s: %s repos are excluded" % (option, noun)
    assert compile_selection(**{option: "ONLY "}).why_not(plain) == "%s: only %s repos are kept" % (option, noun)


def test_patterns_without_slash_match_the_name_with_slash_the_full_path():
    repos = [repo("platform/backend/api"), repo("platform/frontend/api"), repo("platform/backend/worker"),
             repo("tools/backend-tool")]
    assert kept(compile_selection(include=["^api$"]), repos) == ["platform/backend/api", "platform/frontend/api"]
    # "backend" without a slash looks at names only: the groups do not count.
    assert kept(compile_selection(include=["backend"]), repos) == ["tools/backend-tool"]
    assert kept(compile_selection(include=["^platform/backend/"]), repos) == \
        ["platform/backend/api", "platform/backend/worker"]
    assert kept(compile_selection(exclude=["^platform/frontend/", "tool"]), repos) == \
        ["platform/backend/api", "platform/backend/worker"]
    assert kept(compile_selection(include=["(?i)^API$"]), repos) == ["platform/backend/api", "platform/frontend/api"]


def test_exclude_wins_over_include_and_says_which_pattern():
    selection = compile_selection(include=["^api"], exclude=["-old$"])
    assert selection.keep(repo("acme/api-new"))
    assert selection.why_not(repo("acme/api-old")) == "exclude: acme/api-old matches '-old$'"
    assert selection.why_not(repo("acme/web")) == "include: no pattern matches acme/web"


def test_a_single_string_is_a_one_element_list():
    assert compile_selection(include="^api") == compile_selection(include=["^api"])


def test_topics_any_and_all_ignore_case():
    a = repo("acme/a", topics=("Python", "cli"))
    b = repo("acme/b", topics=("python",))
    c = repo("acme/c")
    assert kept(compile_selection(topics_any=["python", "go"]), [a, b, c]) == ["acme/a", "acme/b"]
    assert kept(compile_selection(topics_all=["python", "CLI"]), [a, b, c]) == ["acme/a"]
    assert compile_selection(topics_all=["python", "cli"]).why_not(b) == "topics_all: lacks [cli]"
    assert compile_selection(topics_any=["go", "rust"]).why_not(c) == "topics_any: has none of [go, rust]"


def test_visibility_and_languages():
    pub = repo("acme/pub", language="Python")
    priv = repo("acme/priv", visibility="private", language="Go")
    internal = repo("acme/int", visibility="internal")
    selection = compile_selection(visibility=["private", "internal"])
    assert kept(selection, [pub, priv, internal]) == ["acme/priv", "acme/int"]
    assert selection.why_not(pub) == "visibility: public is not one of [internal, private]"
    languages = compile_selection(languages=["python", "RUST"])
    assert kept(languages, [pub, priv, internal]) == ["acme/pub"]
    assert languages.why_not(internal) == "languages: no language is not one of [python, rust]"


def test_reasons_start_with_the_option_name():
    selection = compile_selection(archived="exclude", include=["x"], shard="0/2", languages=["go"])
    for candidate in [repo(archived=True), repo("acme/y", language="go"), repo(language="c")]:
        reason = selection.why_not(candidate)
        assert reason.split(":")[0] in ("archived", "include", "languages")


# ---- errors ---------------------------------------------------------------------

@pytest.mark.parametrize("options, expected", [
    ({"include": ["api("]}, r"^include: 'api\(' is not a valid regular expression \(missing \), unterminated"),
    ({"exclude": ["*.tmp"]}, r"^exclude: '\*\.tmp' is not a valid regular expression .*e\.g\. '\^api-'"),
    ({"archived": "yes"}, r"^archived: 'yes' is not allowed; expected one of include, exclude, only"),
    ({"forks": True}, r"^forks: True is not allowed; expected one of include, exclude, only"),
    ({"visibility": ["public", "secret"]}, r"^visibility: 'secret' is not a visibility; expected a list of "
                                           r"public, private, internal"),
    ({"languages": ["python", 3]}, r"^languages: 3 in \['python', 3\] is not allowed"),
    ({"topics_any": {"a": 1}}, r"^topics_any: \{'a': 1\} is not allowed; expected a list of strings"),
    ({"shard": "8/8"}, r"^shard: '8/8' is not valid; expected \"i/N\" with 0 <= i < N"),
    ({"shard": "1/0"}, r"^shard: '1/0' is not valid"),
    ({"shard": "-1/4"}, r"^shard: '-1/4' is not valid"),
    ({"shard": "first"}, r"^shard: 'first' is not valid"),
    ({"shard": 3}, r"^shard: 3 is not valid"),
    ({"sharding": "0/2"}, r"^unknown selection option sharding"),
])
def test_bad_options_name_option_value_and_expected_form(options, expected):
    with pytest.raises(ConfigError, match=expected):
        compile_selection(**options)


def test_shard_forms():
    assert str(parse_shard(" 2 / 8 ")) == "2/8"
    assert parse_shard("0/1").count == 1
    assert parse_shard("") is None and parse_shard(None) is None


# ---- shards -----------------------------------------------------------------------

PATHS = ["org%d/group-%d/repo-%05d" % (i % 7, i % 13, i) for i in range(10_000)]


def test_shards_are_disjoint_complete_and_even():
    count = 8
    owners = {}
    for index in range(count):
        selection = compile_selection(shard="%d/%d" % (index, count))
        for path in PATHS:
            if selection.keep(repo(path)):
                assert path not in owners, "%s in shards %d and %d" % (path, owners[path], index)
                owners[path] = index
    assert len(owners) == len(PATHS)
    sizes = Counter(owners.values())
    expected = len(PATHS) / count
    assert all(abs(size - expected) <= 0.10 * expected for size in sizes.values()), sizes


def test_shard_ignores_case_and_explains_where_a_repo_belongs():
    assert shard_of("Acme/API", 8) == shard_of("acme/api", 8)
    owner = shard_of("acme/api", 4)
    other = (owner + 1) % 4
    assert compile_selection(shard="%d/4" % other).why_not(repo("acme/api")) == \
        "shard: belongs to shard %d/4, not %d/4" % (owner, other)


def test_shard_is_the_same_in_another_process_with_another_hash_seed():
    code = ("from bulk_clone_engine.selection import shard_of;"
            "print([shard_of(p, 5) for p in %r])" % PATHS[:50])
    answers = set()
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env=dict(os.environ, PYTHONHASHSEED=seed)).stdout
        answers.add(out)
    assert answers == {"%s\n" % [shard_of(p, 5) for p in PATHS[:50]]}


def test_as_dict_reports_the_normal_form():
    selection = compile_selection(include=["^a"], visibility=["Private"], shard="1/3", languages=["Go"])
    assert selection.as_dict() == {
        "include": ["^a"], "exclude": [], "topics_any": [], "topics_all": [], "archived": "include",
        "forks": "include", "empty": "include", "disabled": "exclude", "visibility": ["private"],
        "languages": ["go"], "shard": "1/3", "pushed_within": None, "min_stars": None}
    assert isinstance(selection, Selection)
