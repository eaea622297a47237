# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 13 point 2: the result is bounded, the report file has every repository.

The result keeps at most return_limit entries per list and says which lists
were cut (truncated); every repository is in the JSON-lines report file
beside the journal, written as it finished; the counts cover them all.
"""

from __future__ import annotations

import json

from bulk_clone_support import run  # noqa: E402


def test_truncated_result_points_to_a_report_file_with_every_repository(fresh_forge, tmp_path):
    forge = fresh_forge(["github:many:9"])
    listed = [r for r in forge.repos("github", "many") if not r["disabled"]]
    selected = {r["full_path"] for r in listed}
    empty = {r["full_path"] for r in listed if r["empty"]}
    result = run(forge, tmp_path / "src", owners=("many",), return_repos="all", return_limit=3)
    assert result["counts"]["cloned"] == result["counts"]["total"] == len(selected) > 3
    assert len(result["repos"]) == 3 and result["truncated"] == ["repos"]
    assert result["report_file"] == str(tmp_path / "src" / ".bulk-clone-state.report.jsonl")
    with open(result["report_file"], encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh]
    assert {entry["full_path"] for entry in lines} == selected
    assert all(entry["outcome"] == "cloned" and bool(entry["head"]) != (entry["full_path"] in empty) for entry in lines)
    assert {r["full_path"] for r in result["repos"]} <= selected

    again = run(forge, tmp_path / "src", owners=("many",), return_repos="all", return_limit=3)
    assert again["counts"]["unchanged"] == len(selected) and again["truncated"] == ["repos"]
    with open(again["report_file"], encoding="utf-8") as fh:
        assert {json.loads(line)["outcome"] for line in fh} == {"unchanged"}      # this run's, not appended


def test_within_the_limit_nothing_is_truncated(fresh_forge, tmp_path):
    forge = fresh_forge(["github:few:2"])
    result = run(forge, tmp_path / "src", owners=("few",), return_repos="all", return_limit=1000)
    assert result["truncated"] == [] and len(result["repos"]) == result["counts"]["total"]
