# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""stall_timeout reaches git from every door: a stalled pack is given up on
after that many seconds, said so, and retried."""

from __future__ import annotations

import pytest

from bulk_clone_support import run
from bulk_clone_engine.errors import ConfigError


def test_a_stalled_pack_is_retried_after_stall_timeout(fresh_forge, hermetic_git, tmp_path):
    forge = fresh_forge(["github:acme:2"])
    forge.inject({"kind": "stall_pack", "service": "git", "seconds": 60, "times": 1})
    result = run(forge, tmp_path / "src", stall_timeout=2, concurrency=1, git_tries=2)
    assert not result.get("failed"), result["failures"]
    assert result["counts"]["cloned"] == 2
    # The stalled repository needed a second try: its pack was asked for twice.
    assert max(r.get("upload-pack", 0) for r in forge.git_requests_by_repo("github").values()) >= 3


def test_stall_timeout_below_one_second_is_refused(fresh_forge, tmp_path):
    forge = fresh_forge(["github:acme:1"])
    with pytest.raises(ConfigError, match="stall_timeout must be 1 second or more, not 0.5"):
        run(forge, tmp_path / "src", stall_timeout=0.5)
