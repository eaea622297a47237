# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which listed repos this run keeps: the user's filters, then the shard.

Why compiled once: a listing may hold 100,000 repos, so every option is
validated and every pattern compiled before the first request, and `keep`
is a few set look-ups and regex searches per repo. A bad option fails there,
with a message naming the option, the bad value and the expected form.

Why sha256 for shards: Python's hash() of a str changes from process to
process (PYTHONHASHSEED), so hosts of an Ansible play or jobs of a workflow
matrix would disagree about who owns a repo. sha256 of the lower-cased full
path is the same everywhere, forever: every repo lands in exactly one shard.
The path is lower-cased because the forges treat names case-insensitively.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Optional, Pattern, Tuple

from .errors import ConfigError
from .repo import Repo

MODES = ("include", "exclude", "only")
VISIBILITIES = ("public", "private", "internal")

# Defaults when an option is absent or None (Ansible passes None for unset
# options). Disabled repos (GitHub: blocked by staff or billing) cannot be
# cloned at all, so they are left out unless asked for.
DEFAULT_MODES = {"archived": "include", "forks": "include", "empty": "include", "disabled": "exclude"}

_SHARD_FORM = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def shard_of(full_path: str, count: int) -> int:
    """The shard (0..count-1) that owns a repo, the same on every machine."""
    digest = hashlib.sha256(full_path.lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    def owns(self, full_path: str) -> bool:
        return shard_of(full_path, self.count) == self.index

    def __str__(self) -> str:
        return "%d/%d" % (self.index, self.count)


@dataclass(frozen=True)
class Selection:
    """Compiled filters; build it with compile_selection()."""

    include: Tuple[Pattern, ...] = ()
    exclude: Tuple[Pattern, ...] = ()
    topics_any: FrozenSet[str] = frozenset()
    topics_all: FrozenSet[str] = frozenset()
    archived: str = "include"
    forks: str = "include"
    empty: str = "include"
    disabled: str = "exclude"
    visibility: FrozenSet[str] = frozenset()
    languages: FrozenSet[str] = frozenset()
    shard: Optional[Shard] = None

    def keep(self, repo: Repo) -> bool:
        return self.why_not(repo) is None

    def filter(self, repos: Iterable[Repo]) -> Iterator[Repo]:
        """The kept repos of a stream, lazily."""
        for repo in repos:
            if self.why_not(repo) is None:
                yield repo

    def why_not(self, repo: Repo) -> Optional[str]:
        """None when kept, else "<option>: <why>" (the option first, so that
        reports can count exclusions per option)."""
        for option, attribute, noun in _FLAGS:
            mode = getattr(self, option)
            value = bool(getattr(repo, attribute))
            if mode == "exclude" and value:
                return "%s: %s repos are excluded" % (option, noun)
            if mode == "only" and not value:
                return "%s: only %s repos are kept" % (option, noun)
        if self.visibility and repo.visibility not in self.visibility:
            return "visibility: %s is not one of %s" % (repo.visibility, _show(self.visibility))
        if self.languages and (repo.language or "").lower() not in self.languages:
            return "languages: %s is not one of %s" % (repo.language or "no language", _show(self.languages))
        if self.topics_any or self.topics_all:
            topics = {topic.lower() for topic in repo.topics}
            if self.topics_any and not topics & self.topics_any:
                return "topics_any: has none of %s" % _show(self.topics_any)
            missing = self.topics_all - topics
            if missing:
                return "topics_all: lacks %s" % _show(missing)
        if self.include and not any(_matches(p, repo) for p in self.include):
            return "include: no pattern matches %s" % repo.full_path
        for pattern in self.exclude:
            if _matches(pattern, repo):
                return "exclude: %s matches %r" % (repo.full_path, pattern.pattern)
        if self.shard is not None:
            owner = shard_of(repo.full_path, self.shard.count)
            if owner != self.shard.index:
                return "shard: belongs to shard %d/%d, not %s" % (owner, self.shard.count, self.shard)
        return None

    def as_dict(self) -> Dict[str, Any]:
        """The options in normal form, for results and summaries."""
        return {
            "include": [p.pattern for p in self.include],
            "exclude": [p.pattern for p in self.exclude],
            "topics_any": sorted(self.topics_any),
            "topics_all": sorted(self.topics_all),
            "archived": self.archived,
            "forks": self.forks,
            "empty": self.empty,
            "disabled": self.disabled,
            "visibility": sorted(self.visibility),
            "languages": sorted(self.languages),
            "shard": str(self.shard) if self.shard else None,
        }


# (option, Repo attribute, noun for messages)
_FLAGS = (("archived", "archived", "archived"), ("forks", "fork", "forked"),
          ("empty", "empty", "empty"), ("disabled", "disabled", "disabled"))


def _matches(pattern: Pattern, repo: Repo) -> bool:
    # A pattern that mentions a "/" is about the place (group/sub/name),
    # any other about the name alone.
    return pattern.search(repo.full_path if "/" in pattern.pattern else repo.name) is not None


def _show(values: Iterable[str]) -> str:
    return "[%s]" % ", ".join(sorted(values))


# --------------------------------------------------------------------------
# Building and validating
# --------------------------------------------------------------------------

OPTIONS = ("include", "exclude", "topics_any", "topics_all", "archived", "forks", "empty", "disabled",
           "visibility", "languages", "shard")


def compile_selection(**options: Any) -> Selection:
    """Validate the selection options and compile them.

    Lists may also be given as one string; None means the default.
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ConfigError("unknown selection option %s; expected some of %s"
                          % (", ".join(unknown), ", ".join(OPTIONS)))
    modes = {}
    for option, default in DEFAULT_MODES.items():
        modes[option] = _mode(option, options.get(option), default)
    visibility = frozenset(v.lower() for v in _strings("visibility", options.get("visibility")))
    bad = sorted(visibility - set(VISIBILITIES))
    if bad:
        raise ConfigError("visibility: %s is not a visibility; expected a list of %s"
                          % (", ".join(repr(b) for b in bad), ", ".join(VISIBILITIES)))
    return Selection(
        include=_patterns("include", options.get("include")),
        exclude=_patterns("exclude", options.get("exclude")),
        topics_any=frozenset(t.lower() for t in _strings("topics_any", options.get("topics_any"))),
        topics_all=frozenset(t.lower() for t in _strings("topics_all", options.get("topics_all"))),
        visibility=visibility,
        languages=frozenset(lang.lower() for lang in _strings("languages", options.get("languages"))),
        shard=parse_shard(options.get("shard")),
        **modes
    )


def parse_shard(value: Any) -> Optional[Shard]:
    """ "i/N" (0-based) -> Shard; None or "" -> no sharding."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    match = _SHARD_FORM.match(value) if isinstance(value, str) else None
    if match:
        index, count = int(match.group(1)), int(match.group(2))
        if count >= 1 and 0 <= index < count:
            return Shard(index, count)
    raise ConfigError("shard: %r is not valid; expected \"i/N\" with 0 <= i < N, counting from 0 "
                      "(\"0/4\" to \"3/4\" split the repos into four parts)" % (value,))


def _mode(option: str, value: Any, default: str) -> str:
    if value is None:
        return default
    text = value.strip().lower() if isinstance(value, str) else None
    if text not in MODES:
        raise ConfigError("%s: %r is not allowed; expected one of %s (default %s)"
                          % (option, value, ", ".join(MODES), default))
    return text


def _strings(option: str, value: Any, strip: bool = True) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise ConfigError("%s: %r is not allowed; expected a list of strings" % (option, value))
    result = []
    for element in value:
        if not isinstance(element, str) or not element.strip():
            raise ConfigError("%s: %r in %r is not allowed; expected non-empty strings"
                              % (option, element, list(value)))
        result.append(element.strip() if strip else element)
    return result


def _patterns(option: str, value: Any) -> Tuple[Pattern, ...]:
    compiled = []
    for text in _strings(option, value, strip=False):
        try:
            compiled.append(re.compile(text))
        except re.error as exc:
            raise ConfigError("%s: %r is not a valid regular expression (%s); expected a Python "
                              "regular expression matched anywhere in the name, or in the full path "
                              "when it contains \"/\", e.g. '^api-' or '^platform/backend/'"
                              % (option, text, exc))
    return tuple(compiled)
