# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sets and maps of repository ids at 16 bytes per id, not ~100.

Why: a run remembers every repository id it listed (to tell "not selected"
from "gone") and the journal remembers where each repository's line is. In
Python sets and dicts that costs about 70-110 bytes per id (an int object
plus a hash slot): 20 MB at 100,000 repos, 200 MB at a million. Here the ids
live in a sorted ``array('q')`` (8 bytes each) with a parallel array of
values; new ids wait in a small dict that is merged into the arrays when it
grows past an eighth of them, so adding stays amortised O(log n) and the
dict never holds more than an eighth of the ids. Lookups are a bisection.
Measured figures: docs/architecture.md, "Memory at 100,000 repositories".
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from typing import Dict, Iterator, Optional, Set, Tuple

MIN_FRESH = 1024
FRESH_SHARE = 8         # the dict of new ids is merged in when it holds more than 1/8 of them
_ABSENT = -1


class IntMap:
    """id (int, fits in 64 bits) -> value (int >= 0); not thread-safe."""

    __slots__ = ("_ids", "_vals", "_fresh", "_live")

    def __init__(self) -> None:
        self._ids = array("q")
        self._vals = array("q")
        self._fresh: Dict[int, int] = {}
        self._live = 0

    def _slot(self, ident: int) -> int:
        index = bisect_left(self._ids, ident)
        return index if index < len(self._ids) and self._ids[index] == ident else -1

    def get(self, ident: int) -> Optional[int]:
        value = self._fresh.get(ident)
        if value is None:
            slot = self._slot(ident)
            if slot < 0:
                return None
            value = self._vals[slot]
        return None if value == _ABSENT else value

    def __contains__(self, ident: object) -> bool:
        return isinstance(ident, int) and self.get(ident) is not None

    def __len__(self) -> int:
        return self._live

    def set(self, ident: int, value: int) -> None:
        if value < 0:
            raise ValueError("IntMap values are 0 or more")
        self._put(ident, value)

    def add(self, ident: int) -> None:
        """Set semantics: remember the id."""
        self._put(ident, 0)

    def discard(self, ident: int) -> None:
        """Forget the id (a tombstone until the next merge)."""
        self._put(ident, _ABSENT)

    def append_or_set(self, ident: int, value: int) -> None:
        """set(), with a fast path for ids arriving in increasing order (a
        compacted journal is written in id order): straight onto the arrays."""
        if not self._fresh and value >= 0 and (not self._ids or ident > self._ids[-1]):
            self._ids.append(ident)
            self._vals.append(value)
            self._live += 1
        else:
            self._put(ident, value)

    def _put(self, ident: int, value: int) -> None:
        before = self.get(ident)
        if ident in self._fresh:
            self._fresh[ident] = value
        else:
            slot = self._slot(ident)
            if slot >= 0:
                self._vals[slot] = value
            elif value != _ABSENT:
                self._fresh[ident] = value
                if len(self._fresh) > max(MIN_FRESH, len(self._ids) // FRESH_SHARE):
                    self._merge()
        self._live += (value != _ABSENT) - (before is not None)

    def _merge(self) -> None:
        ids, vals = array("q"), array("q")
        for ident, value in heapq.merge(zip(self._ids, self._vals), sorted(self._fresh.items())):
            if value != _ABSENT:
                ids.append(ident)
                vals.append(value)
        self._ids, self._vals, self._fresh = ids, vals, {}

    def items(self) -> Iterator[Tuple[int, int]]:
        """(id, value) in id order, over a copy taken now: the map may change meanwhile."""
        merged = heapq.merge(zip(array("q", self._ids), array("q", self._vals)), sorted(self._fresh.items()))
        return ((ident, value) for ident, value in merged if value != _ABSENT)

    def __iter__(self) -> Iterator[int]:
        return (ident for ident, _value in self.items())


class IdSet:
    """A set of ids at 8 bytes each: a sorted array('q') and a small set of
    new ids, merged in when it holds more than 1/FRESH_SHARE of them (the
    merge streams, so it never holds the ids as Python ints); not thread-safe."""

    __slots__ = ("_ids", "_fresh")

    def __init__(self) -> None:
        self._ids = array("q")
        self._fresh: Set[int] = set()

    def __contains__(self, ident: object) -> bool:
        if not isinstance(ident, int):
            return False
        if ident in self._fresh:
            return True
        index = bisect_left(self._ids, ident)
        return index < len(self._ids) and self._ids[index] == ident

    def add(self, ident: int) -> None:
        if ident in self:
            return
        if not self._fresh and (not self._ids or ident > self._ids[-1]):
            self._ids.append(ident)
            return
        self._fresh.add(ident)
        if len(self._fresh) > max(MIN_FRESH, len(self._ids) // FRESH_SHARE):
            self._ids = array("q", heapq.merge(self._ids, sorted(self._fresh)))
            self._fresh = set()

    def __len__(self) -> int:
        return len(self._ids) + len(self._fresh)

    def __iter__(self) -> Iterator[int]:
        """The ids in order, over a copy taken now."""
        return heapq.merge(array("q", self._ids), sorted(self._fresh))


__all__ = ["IdSet", "IntMap"]
