# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What happened to one repository: one enum, counted once (report.py).

A str enum so that results, journal lines and templates carry the plain
words ("cloned", "would clone") people read, while code compares members.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional


class Outcome(str, Enum):
    CLONED = "cloned"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"            # held back: local work, a diverged branch, not a git repo...
    FAILED = "failed"
    WOULD_CLONE = "would clone"    # check mode
    WOULD_UPDATE = "would update"  # check mode

    def __str__(self) -> str:
        return self.value

    @property
    def synced(self) -> bool:
        """The clone on disk now matches the forge's state (as the strategy defines it)."""
        return self in (Outcome.CLONED, Outcome.UPDATED, Outcome.UNCHANGED)


# The order results and summaries list them in.
ORDER = tuple(Outcome)


@dataclass(frozen=True)
class SyncResult:
    """One repository's result, never an exception: one repository's trouble
    never stops a run of ten thousand."""

    outcome: Outcome
    head: Optional[str]          # HEAD after the sync; None for an empty repository
    reason: str = ""             # for a person; always set for skipped and failed
    changed: bool = False        # something on disk changed (clone, moved HEAD, new or moved refs)
    before: Optional[str] = None  # HEAD before the sync (diff mode); None for a new clone

    def with_reason(self, extra: str) -> "SyncResult":
        reason = "%s; %s" % (self.reason, extra) if self.reason else extra
        return SyncResult(self.outcome, self.head, reason, self.changed, self.before)
