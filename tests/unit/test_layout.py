# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Paths under dest: templates, hostile names, symlinks, nesting."""

from __future__ import annotations

import os

import pytest

from bulk_clone_engine.errors import BulkCloneError, ConfigError
from bulk_clone_engine.layout import PathError, render_path, resolve, validate_template
from bulk_clone_engine.repo import Repo


def repo(name="api", owner="acme", full_path=None, provider="github", host="github.com") -> Repo:
    return Repo(provider=provider, host=host, owner=owner, name=name,
                full_path=full_path or "%s/%s" % (owner, name), id=7, clone_url="https://x/y.git")


def test_placeholders():
    r = repo("api", "platform/backend", full_path="platform/backend/api", provider="gitlab", host="gitlab.example:8443")
    assert render_path("{owner}/{name}", r) == "platform/backend/api"
    assert render_path("{full_path}", r) == "platform/backend/api"
    assert render_path("{host}/{provider}/{name}.git", r) == "gitlab.example:8443/gitlab/api.git"
    assert render_path("src-{{x}}/{name}", r) == "src-{x}/api"


@pytest.mark.parametrize("template, fragment", [
    ("{nmae}", "{nmae}"),
    ("{name.__class__}", "{name.__class__}"),
    ("{name[0]}", "{name[0]}"),
    ("{name!r}", "{name!r}"),
    ("{name:>10}", "{name:>10}"),
    ("{}", "{}"),
    ("fixed/folder", "no placeholder"),
    ("{name", "malformed"),
    ("", "non-empty"),
])
def test_bad_templates_are_config_errors_naming_the_problem(template, fragment):
    with pytest.raises(ConfigError) as info:
        validate_template(template)
    assert fragment in str(info.value)


@pytest.mark.parametrize("name, why", [
    ("..", "'..'"),
    ("../../etc", "'..'"),
    ("a/../../b", "'..'"),
    ("/etc/passwd", "absolute"),
    ("a\\..\\b", "backslash"),
    ("a\x00b", "NUL"),
    ("a\nb", "control character"),
    ("a\x1bb", "control character"),
    ("a//b", "empty or '.'"),
    ("./a", "empty or '.'"),
    ("a/", "empty or '.'"),
    (".git", "'.git'"),
    ("x/.GIT", "'.git'"),
    (".git.", "'.git'"),
    (".bulk-clone-state.jsonl", "bulk_clone's own files"),
    ("r.bulk-clone-tmp-abc", "bulk_clone's own files"),
    ("x" * 300, "longer than 255 bytes"),
])
def test_hostile_names_are_refused_with_the_repo_and_reason(name, why):
    with pytest.raises(PathError) as info:
        render_path("{full_path}", repo(name=name, full_path=name))
    msg = str(info.value)
    assert why in msg and repr(name) in msg
    assert isinstance(info.value, BulkCloneError)


def test_hostile_owner_segment_is_refused():
    with pytest.raises(PathError, match="'..'"):
        render_path("{owner}/{name}", repo(owner=".."))


def test_ordinary_odd_names_are_fine():
    for name in ("-dash", "with space", "ünïcode", "a.b", "...", ".github", "x.git"):
        assert render_path("{owner}/{name}", repo(name=name)) == "acme/" + name


def test_resolve_stays_inside_dest(tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    assert resolve(dest, "acme/api") == dest.resolve() / "acme" / "api"
    with pytest.raises(PathError, match="'..'"):
        resolve(dest, "../outside")


def test_resolve_refuses_a_symlink_that_leads_outside(tmp_path):
    dest = tmp_path / "dest"
    outside = tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    os.symlink(outside, dest / "acme")
    with pytest.raises(PathError, match="outside dest"):
        resolve(dest, "acme/api", "acme/api")
    os.symlink("/", dest / "root")
    with pytest.raises(PathError, match="outside dest"):
        resolve(dest, "root", "root")


def test_resolve_follows_a_symlink_that_stays_inside(tmp_path):
    dest = tmp_path / "dest"
    (dest / "real").mkdir(parents=True)
    os.symlink(dest / "real", dest / "acme")
    assert resolve(dest, "acme/api") == (dest / "real" / "api").resolve()


def test_dest_itself_may_be_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    assert resolve(tmp_path / "link", "acme/api") == (tmp_path / "real" / "acme" / "api")


def test_resolve_refuses_a_path_inside_another_repository(tmp_path):
    dest = tmp_path / "dest"
    (dest / "g" / "a" / ".git").mkdir(parents=True)      # working copy of project g/a
    (dest / "m" / "x").mkdir(parents=True)               # bare mirror m/x
    for sub in ("objects", "refs"):
        (dest / "m" / "x" / sub).mkdir()
    (dest / "m" / "x" / "HEAD").write_text("ref: refs/heads/main\n")
    with pytest.raises(PathError, match="inside the repository at g/a"):
        resolve(dest, "g/a/b", "g/a/b")
    with pytest.raises(PathError, match="inside the repository at m/x"):
        resolve(dest, "m/x/y/z", "m/x/y/z")
    assert resolve(dest, "g/a") == dest.resolve() / "g" / "a"   # the repository itself is fine
