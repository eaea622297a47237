# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a repository goes under dest, and proof that it stays there.

Repository names come from the forge and are untrusted: a name must never
make us write outside dest, into another repository, over the state journal
or over our own temporary folders.

Why str.format and not Jinja2: a path template only substitutes five
values. string.Formatter.parse lets us check a template once, up front, and
refuse anything but bare placeholders (no `{name.__class__}` attribute
walks, no `{name[0]}`, no format specs); Jinja2, even sandboxed, would add
filters, loops and expressions that a path has no use for.
"""

from __future__ import annotations

import os
import string
from pathlib import Path
from typing import Dict, Union

from .errors import BulkCloneError, ConfigError
from .repo import Repo

PLACEHOLDERS = ("owner", "name", "full_path", "host", "provider")
DEFAULT_TEMPLATE = "{owner}/{name}"

# Names this project writes next to repositories; a repository must never be
# placed on them (a repo named like a temp folder would be deleted as a
# leftover; one named like the journal would clobber it).
RESERVED_PREFIX = ".bulk-clone-"
TEMP_MARKER = ".bulk-clone-tmp-"

_MAX_SEGMENT_BYTES = 255


class PathError(BulkCloneError):
    """A repository whose path would be unsafe; only that repository fails."""

    def __init__(self, repo_name: str, reason: str) -> None:
        self.repo_name = repo_name
        self.reason = reason
        super().__init__("refusing to place repository %r: %s" % (repo_name, reason))


def validate_template(template: str) -> None:
    """Raise ConfigError unless template uses only bare known placeholders."""
    if not isinstance(template, str) or not template.strip():
        raise ConfigError("path_template must be a non-empty string such as %r" % DEFAULT_TEMPLATE)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ConfigError("path_template %r is malformed (%s); write literal braces as {{ and }}"
                          % (template, exc)) from None
    used = False
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            shown = "{%s%s%s}" % (field, "!" + conversion if conversion else "", ":" + spec if spec else "")
            raise ConfigError("path_template %r: %s is not allowed; use only %s"
                              % (template, shown, ", ".join("{%s}" % p for p in PLACEHOLDERS)))
        used = True
    if not used:
        raise ConfigError("path_template %r has no placeholder, so every repository would land in the "
                          "same folder; include {name} or {full_path}" % template)
    _check_template_segments(template, parsed)


def _check_template_segments(template: str, parsed: list) -> None:
    """Refuse what the template's own text does to the path, before any work.

    The literal text must make a relative path of real folder names: no
    absolute start (/ or ~), no backslash or control character, no empty,
    '.' or '..' folder, no '.git' or bulk_clone's own names, and no folder
    made of a placeholder and a single dot ({name}. or .{name}), which a
    forge name '.' would turn into '..'. What the placeholders bring (a
    GitLab {owner} or {full_path} legitimately holds '/') is checked per
    repository after rendering (check_relpath, then resolve): that second
    line refuses any rendered path that would still leave dest.
    """
    def refuse(why: str) -> ConfigError:
        return ConfigError("path_template %r %s; it must be a relative path under dest such as %r"
                           % (template, why, DEFAULT_TEMPLATE))

    literal_text = "".join(literal for literal, _f, _s, _c in parsed)
    if "\\" in literal_text:
        raise refuse("contains a backslash (use / between folders)")
    if any(ord(c) < 32 or ord(c) == 127 for c in literal_text):
        raise refuse("contains a control character")
    if template.startswith("/"):
        raise refuse("is absolute")
    if template.startswith("~"):
        raise refuse("starts with ~ (it is not expanded: the path is relative to dest)")
    # Segments between '/', each a list of literal pieces and placeholders.
    segments: list = [[]]
    for literal, field, _spec, _conversion in parsed:
        pieces = literal.split("/")
        for index, piece in enumerate(pieces):
            if index:
                segments.append([])
            if piece:
                segments[-1].append(("text", piece))
        if field is not None:
            segments[-1].append(("field", field))
    for segment in segments:
        text = "".join(value for kind, value in segment if kind == "text")
        fields = [value for kind, value in segment if kind == "field"]
        if not segment:
            raise refuse("has an empty folder name (a leading, trailing or doubled /)")
        if not fields and text in (".", ".."):
            raise refuse("has a %r folder%s" % (text, " and would leave dest" if text == ".." else ""))
        if not fields and text.lower().rstrip(" .") == ".git":
            raise refuse("has a '.git' folder")
        if text.startswith(RESERVED_PREFIX) or TEMP_MARKER in text:
            raise refuse("uses bulk_clone's own names (%s*)" % RESERVED_PREFIX)
        if fields and text and set(text) == {"."} and len(text) + len(fields) <= 2:
            raise refuse("has a folder made of {%s} and a dot, which a name '.' would turn into '..'"
                         % fields[0])


def render_path(template: str, repo: Repo) -> str:
    """The repository's path relative to dest, with '/' separators."""
    validate_template(template)
    values: Dict[str, str] = {
        "owner": repo.owner, "name": repo.name, "full_path": repo.full_path,
        "host": repo.host, "provider": repo.provider,
    }
    relpath = template.format_map(values)
    check_relpath(relpath, repo.full_path or repo.name)
    return relpath


def check_relpath(relpath: str, repo_name: str) -> None:
    """Raise PathError if relpath could leave dest or hit something of ours."""
    if not relpath:
        raise PathError(repo_name, "the path is empty")
    if "\x00" in relpath:
        raise PathError(repo_name, "the path contains a NUL byte")
    bad = [c for c in relpath if ord(c) < 32 or ord(c) == 127]
    if bad:
        raise PathError(repo_name, "the path contains control character %r" % bad[0])
    if "\\" in relpath:
        raise PathError(repo_name, "the path contains a backslash")
    if relpath.startswith("/") or os.path.isabs(relpath):
        raise PathError(repo_name, "the path %r is absolute" % relpath)
    for segment in relpath.split("/"):
        if segment in ("", "."):
            raise PathError(repo_name, "the path %r has an empty or '.' segment" % relpath)
        if segment == "..":
            raise PathError(repo_name, "the path %r contains '..' and would leave dest" % relpath)
        # Case-insensitive and trailing dots/spaces: what macOS and Windows
        # file systems treat as the same name.
        if segment.lower().rstrip(" .") == ".git":
            raise PathError(repo_name, "the path %r has a '.git' segment" % relpath)
        if segment.startswith(RESERVED_PREFIX) or TEMP_MARKER in segment:
            raise PathError(repo_name, "the path %r collides with bulk_clone's own files (%s*)"
                            % (relpath, RESERVED_PREFIX))
        if len(segment.encode("utf-8", "surrogateescape")) > _MAX_SEGMENT_BYTES:
            raise PathError(repo_name, "a segment of the path is longer than %d bytes" % _MAX_SEGMENT_BYTES)


def _is_repository(path: str) -> bool:
    return os.path.lexists(os.path.join(path, ".git")) or (
        os.path.isfile(os.path.join(path, "HEAD")) and os.path.isdir(os.path.join(path, "objects"))
        and os.path.isdir(os.path.join(path, "refs")))


def resolve(dest: Union[str, os.PathLike], relpath: str, repo_name: str = "") -> Path:
    """Absolute path of relpath under dest, verified after resolving symlinks.

    Also refuses a path inside another repository already under dest: GitLab
    allows a project `g/a` next to a subgroup `g/a` holding `g/a/b`, and `b`
    must not be cloned into `a`'s working tree.
    """
    name = repo_name or relpath
    check_relpath(relpath, name)
    root = os.path.realpath(os.fspath(dest))
    target = os.path.realpath(os.path.join(root, *relpath.split("/")))
    try:
        inside = os.path.commonpath([root, target]) == root and target != root
    except ValueError:
        inside = False
    if not inside:
        raise PathError(name, "the path %r resolves to %s, outside dest %s (a symlink?)" % (relpath, target, root))
    parent = os.path.dirname(target)
    while parent != root and len(parent) > len(root):
        if _is_repository(parent):
            raise PathError(name, "the path %r would be inside the repository at %s; change path_template "
                                  "(e.g. {full_path} with a suffix) or exclude one of them"
                            % (relpath, os.path.relpath(parent, root)))
        parent = os.path.dirname(parent)
    return Path(target)
