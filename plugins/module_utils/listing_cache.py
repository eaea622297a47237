# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the last listing saw, kept beside the journal, so the next one can
ask the forge "has this changed?" instead of "send it all again".

Why a directory of small files and not the journal: a page answered 304
(Not Modified) has no body, so its repositories must come from somewhere;
they are kept here, one file per page, read back one page at a time (memory
stays flat at any size). The index holds only keys, ETags and a few numbers
per owner. Everything here is a cache: losing or corrupting it costs one
full listing, never a wrong result, so a file that does not read is ignored.

What it holds (docs/architecture.md, "Conditional listing"):
- per request (method + path + query, never a credential): the forge's ETag,
  and the answer's useful part (an owner record, or a page's repositories,
  its item count and its Link relations);
- per owner: the count the forge announced at the last full listing, when
  that was, when the last listing of any kind started, and whether that run
  ended clean (nothing failed, nothing interrupted).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from .progress import write_json_atomic
from .repo import REPO_FIELDS, Repo

log = logging.getLogger(__name__)

VERSION = 1


def cache_dir_for(journal_path: str) -> str:
    return journal_path + ".listing"


def request_key(method: str, path: str, params: Optional[Dict[str, Any]] = None) -> str:
    query = "&".join("%s=%s" % (k, params[k]) for k in sorted(params or {}))
    return "%s %s?%s" % (method, path, query)


@dataclass
class OwnerState:
    count: Optional[int] = None         # the forge's count at the last full listing
    full_at: float = 0.0                # when the last full listing started (epoch s)
    listed_at: float = 0.0              # when the last listing of any kind started
    clean: bool = False                 # that run had no failure and was not interrupted
    gone: bool = False                  # the last full listing left repositories gone upstream in the journal
    selection: str = ""                 # what the last run selected (owners, filters, shard): Listing.selection_key


class ListingCache:
    """ETags and bodies of the last listing's answers, on disk."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._index: Dict[str, Any] = {"version": VERSION, "answers": {}, "owners": {}}
        self._touched: Dict[str, bool] = {}
        self.hits = 0          # answers 304: reused from here
        self.stored = 0
        try:
            with open(os.path.join(path, "index.json"), encoding="utf-8") as handle:
                index = json.load(handle)
            if isinstance(index, dict) and index.get("version") == VERSION:
                self._index = index
        except (OSError, ValueError):
            pass

    # ---- answers ------------------------------------------------------------

    def etag(self, key: str) -> Optional[str]:
        entry = self._index["answers"].get(key)
        return entry.get("etag") if isinstance(entry, dict) else None

    def load(self, key: str) -> Optional[Any]:
        """The stored answer for key, or None when it is gone or unreadable
        (the caller then asks again without If-None-Match)."""
        entry = self._index["answers"].get(key)
        if not isinstance(entry, dict):
            return None
        try:
            with open(os.path.join(self.path, entry["file"]), encoding="utf-8") as handle:
                value = json.load(handle)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        self.hits += 1
        self._touched[key] = True
        return value

    def store(self, key: str, etag: Optional[str], value: Any) -> None:
        if not etag:
            self._index["answers"].pop(key, None)
            return
        name = hashlib.sha1(key.encode("utf-8")).hexdigest() + ".json"
        try:
            os.makedirs(self.path, exist_ok=True)
            write_json_atomic(os.path.join(self.path, name), value)
        except OSError as exc:
            log.warning("listing cache %s not written (%s)", self.path, exc)
            return
        self._index["answers"][key] = {"etag": etag, "file": name}
        self._touched[key] = True
        self.stored += 1

    # ---- owners -------------------------------------------------------------

    def owner(self, key: str) -> OwnerState:
        data = self._index["owners"].get(key)
        if not isinstance(data, dict):
            return OwnerState()
        return OwnerState(count=data.get("count"), full_at=float(data.get("full_at") or 0.0),
                          listed_at=float(data.get("listed_at") or 0.0), clean=bool(data.get("clean")),
                          gone=bool(data.get("gone")), selection=str(data.get("selection") or ""))

    def set_owner(self, key: str, state: OwnerState) -> None:
        self._index["owners"][key] = {"count": state.count, "full_at": state.full_at,
                                      "listed_at": state.listed_at, "clean": state.clean, "gone": state.gone,
                                      "selection": state.selection}

    def save(self) -> None:
        """Write the index; answers not used by a full listing are dropped
        only by a full listing (see forget_untouched)."""
        try:
            os.makedirs(self.path, exist_ok=True)
            write_json_atomic(os.path.join(self.path, "index.json"), self._index)
        except OSError as exc:
            log.warning("listing cache %s not written (%s)", self.path, exc)

    def forget_untouched(self) -> None:
        """After a full listing: answers this run neither used nor stored are
        stale (pages past the new end, an owner no longer listed)."""
        answers = self._index["answers"]
        for key in [k for k in answers if k not in self._touched]:
            entry = answers.pop(key)
            try:
                os.unlink(os.path.join(self.path, entry.get("file", "")))
            except OSError:
                pass


def repos_to_rows(repos: List[Repo]) -> Dict[str, Any]:
    """Compact: the field names once, then one list of values per repository."""
    return {"fields": list(REPO_FIELDS),
            "rows": [[getattr(r, f) if f != "topics" else list(r.topics) for f in REPO_FIELDS] for r in repos]}


def rows_fit(stored: Any) -> bool:
    """Whether a stored page was written with this version's Repo fields."""
    return isinstance(stored, dict) and stored.get("fields") == list(REPO_FIELDS)


def rows_to_repos(stored: Any) -> Optional[List[Repo]]:
    """The repositories of a stored page; None when it was written with other
    fields (another version of the collection): then the page is asked again."""
    if not rows_fit(stored):
        return None
    repos = []
    for row in stored.get("rows") or []:
        data = dict(zip(REPO_FIELDS, row))
        data["topics"] = tuple(data.get("topics") or ())
        repos.append(Repo(**data))
    return repos
