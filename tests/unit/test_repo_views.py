# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`bulk-clone list` views on rows written by hand; the command against a
forge: tests/integration/test_console_doors.py."""

from __future__ import annotations

import io

from bulk_clone_engine.repo_views import tree_lines, write_table


def test_tree_nests_groups_first_then_repositories():
    paths = ["platform/web", "platform/backend/api", "platform/backend/svc/worker", "platform/Backend-tools",
             "alice/dots"]
    assert tree_lines(paths) == [
        "alice/",
        "└── dots",
        "platform/",
        "├── backend/",
        "│   ├── svc/",
        "│   │   └── worker",
        "│   └── api",
        "├── Backend-tools",
        "└── web",
    ]


def test_table_aligned_for_people_and_tab_separated_in_a_pipe():
    rows = [{"full_path": "acme/api", "archived": False, "topics": ["a", "b"]},
            {"full_path": "acme/a-much-longer-name", "archived": True, "topics": []}]
    aligned, plain = io.StringIO(), io.StringIO()
    assert write_table(rows, ["full_path", "archived", "topics"], aligned, aligned=True) == 2
    assert aligned.getvalue().splitlines() == [
        "FULL_PATH                ARCHIVED  TOPICS",
        "acme/api                 no        a,b",
        "acme/a-much-longer-name  yes",
    ]
    write_table(rows, ["full_path", "archived"], plain, aligned=False)
    assert plain.getvalue() == "acme/api\tno\nacme/a-much-longer-name\tyes\n"
