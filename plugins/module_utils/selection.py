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

Why a "glob:" prefix rather than separate options: include and exclude keep
one meaning (keep a repo when any pattern matches; drop it when any matches)
whatever kind of pattern each entry is, and a list can mix both. A glob is
anchored and case-insensitive, as ghorg and gitlabber users expect; a
regular expression is searched, as before.

Why filters never prune: every filter here runs on the client, after the
listing; the listing records every id it saw (Listing.saw), so a repository
filtered out is "not selected, kept", never "gone".
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
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
# pushed_within: a whole number and a unit (hours, days, weeks).
_DURATION_FORM = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}
GLOB_PREFIX = "glob:"


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
class NamePattern:
    """One include/exclude entry: a regular expression (searched) or a glob
    (``glob:`` prefix; anchored, case-insensitive), compiled once.

    ``on_path``: the entry mentions a "/", so it is about the place
    (group/sub/name); otherwise about the name alone.
    """

    pattern: str                  # as the user wrote it, prefix included
    regex: Pattern
    on_path: bool

    def matches(self, repo: Repo) -> bool:
        return self.regex.search(repo.full_path if self.on_path else repo.name) is not None


@dataclass(frozen=True)
class Selection:
    """Compiled filters; build it with compile_selection()."""

    include: Tuple[NamePattern, ...] = ()
    exclude: Tuple[NamePattern, ...] = ()
    topics_any: FrozenSet[str] = frozenset()
    topics_all: FrozenSet[str] = frozenset()
    archived: str = "include"
    forks: str = "include"
    empty: str = "include"
    disabled: str = "exclude"
    visibility: FrozenSet[str] = frozenset()
    languages: FrozenSet[str] = frozenset()
    shard: Optional[Shard] = None
    pushed_within: Optional[str] = None     # as given, e.g. "365d"
    pushed_after: Optional[float] = None    # the epoch it means, fixed when compiled
    min_stars: Optional[int] = None

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
        if self.min_stars is not None and repo.stars < self.min_stars:
            return "min_stars: %d stars, fewer than %d" % (repo.stars, self.min_stars)
        if self.pushed_after is not None:
            when = parse_time(repo.pushed_at)
            if when is None:
                return "pushed_within: the forge lists no activity time"
            if when < self.pushed_after:
                return "pushed_within: last activity %s, more than %s ago" % (repo.pushed_at, self.pushed_within)
        if self.include and not any(p.matches(repo) for p in self.include):
            return "include: no pattern matches %s" % repo.full_path
        for pattern in self.exclude:
            if pattern.matches(repo):
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
            "pushed_within": self.pushed_within,
            "min_stars": self.min_stars,
        }


# (option, Repo attribute, noun for messages)
_FLAGS = (("archived", "archived", "archived"), ("forks", "fork", "forked"),
          ("empty", "empty", "empty"), ("disabled", "disabled", "disabled"))


def parse_time(text: str) -> Optional[float]:
    """An ISO 8601 time as the forges render it (Z, +00:00, fractions) -> epoch; None if absent or unreadable."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def _show(values: Iterable[str]) -> str:
    return "[%s]" % ", ".join(sorted(values))


# --------------------------------------------------------------------------
# Building and validating
# --------------------------------------------------------------------------

OPTIONS = ("include", "exclude", "topics_any", "topics_all", "archived", "forks", "empty", "disabled",
           "visibility", "languages", "shard", "pushed_within", "min_stars")

# What a provider's listing cannot tell, so that a filter on it would select nothing.
_NO_ACTIVITY = {"bitbucket_server": "Bitbucket Data Center lists no activity time"}
_NO_STARS = {"bitbucket": "Bitbucket Cloud has no stars", "bitbucket_server": "Bitbucket Data Center has no stars"}


def check_for_provider(selection: Selection, provider: str) -> None:
    """Refuse a filter the provider's listing cannot answer (it would drop every repository)."""
    if selection.pushed_within is not None and provider in _NO_ACTIVITY:
        raise ConfigError("pushed_within: %s, so it would select nothing; remove pushed_within"
                          % _NO_ACTIVITY[provider])
    if selection.min_stars is not None and provider in _NO_STARS:
        raise ConfigError("min_stars: %s, so it would select nothing; remove min_stars" % _NO_STARS[provider])


def compile_selection(now: Optional[float] = None, **options: Any) -> Selection:
    """Validate the selection options and compile them.

    Lists may also be given as one string; None means the default.
    ``now`` fixes the moment pushed_within counts back from (default: the
    time of compiling, so one run uses one cut-off).
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ConfigError("unknown selection option %s; expected some of %s"
                          % (", ".join(unknown), ", ".join(OPTIONS)))
    modes = {}
    for option, default in DEFAULT_MODES.items():
        modes[option] = _mode(option, options.get(option), default)
    within = parse_duration(options.get("pushed_within"))
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
        pushed_within=within[0] if within else None,
        pushed_after=(time.time() if now is None else now) - within[1] if within else None,
        min_stars=_min_stars(options.get("min_stars")),
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


def parse_duration(value: Any) -> Optional[Tuple[str, int]]:
    """ "365d" -> ("365d", seconds); None or "" -> no limit. Units: h, d, w."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    match = _DURATION_FORM.match(value) if isinstance(value, str) else None
    if match and int(match.group(1)) > 0:
        text = "%d%s" % (int(match.group(1)), match.group(2).lower())
        return text, int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
    raise ConfigError("pushed_within: %r is not valid; expected a whole number above 0 and a unit, h (hours), "
                      "d (days) or w (weeks), e.g. \"365d\", \"12h\" or \"4w\"" % (value,))


def _min_stars(value: Any) -> Optional[int]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(value) if not isinstance(value, bool) and str(value).strip().isdigit() else -1
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise ConfigError("min_stars: %r is not valid; expected a whole number, 0 or more" % (value,))
    return number


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


def glob_regex(glob: str) -> str:
    """A glob as an anchored regular expression: * and ? stay within one path
    segment, ** crosses "/" (``**/`` also matches no folder at all), [...] is a
    set ([!...] its complement). A leading "/" (gitlabber writes them) is dropped."""
    out = []
    glob = glob.lstrip("/")
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = glob.find("]", i + 2)
            if end < 0:
                out.append(re.escape(c))
                i += 1
                continue
            body = glob[i + 1:end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[%s]" % body.replace("\\", "\\\\"))
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return r"\A%s\Z" % "".join(out)


def _patterns(option: str, value: Any) -> Tuple[NamePattern, ...]:
    compiled = []
    for text in _strings(option, value, strip=False):
        if text.startswith(GLOB_PREFIX):
            glob = text[len(GLOB_PREFIX):].strip()
            if not glob:
                raise ConfigError("%s: %r has no pattern after glob:; expected e.g. 'glob:api-*' or "
                                  "'glob:platform/**'" % (option, text))
            try:
                compiled.append(NamePattern(text, re.compile(glob_regex(glob), re.IGNORECASE), "/" in glob))
            except re.error as exc:
                raise ConfigError("%s: %r is not a valid glob (%s); use *, ?, ** and [abc]" % (option, text, exc))
            continue
        try:
            compiled.append(NamePattern(text, re.compile(text), "/" in text))
        except re.error as exc:
            raise ConfigError("%s: %r is not a valid regular expression (%s); expected a Python "
                              "regular expression matched anywhere in the name, or in the full path "
                              "when it contains \"/\", e.g. '^api-' or '^platform/backend/' (or a glob, 'glob:api-*')"
                              % (option, text, exc))
    return tuple(compiled)
