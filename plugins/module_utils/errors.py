# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Errors a user can act on.

Every error raised towards a front door carries a message that names what to
change; the front doors print it as is (fail_json msg, ::error::, stderr).
"""

from __future__ import annotations


class BulkCloneError(Exception):
    """Base class: the message is meant for a person."""


class ConfigError(BulkCloneError):
    """A wrong option value: the message names the option."""


class ForgeError(BulkCloneError):
    """The forge refused or failed in a way retries will not fix."""


class AuthError(ForgeError):
    """Bad or missing credentials."""


class NotFoundError(ForgeError):
    """Unknown owner (org, group, user) or wrong owner kind."""


class RateLimitError(ForgeError):
    """A rate limit would need a wait longer than max_wait."""


class TransientError(ForgeError):
    """A failure worth retrying (5xx, connection reset, truncated body)."""


class StateError(BulkCloneError):
    """The state journal is unreadable, corrupt or locked by another run."""


class Interrupted(BulkCloneError):
    """The run was asked to stop (a signal, a cancelled job, a dead parent)."""
