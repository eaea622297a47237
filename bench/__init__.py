# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`: the listing and sync promises of issues 3 and 4, measured.

A benchmark, not a test: it prints what it saw next to the targets and says
PASS or MISS; it never asserts. Everything runs in one go against the local
forge (tests/forge), which lives in its own process so that its memory never
counts as the client's.

Every measured client - our listing, our bulk_clone, PyGithub's naive
`list(org.get_repos())`, `xargs -P C git clone|fetch` - runs in a process of
its own (bench/client.py or the xargs command), so each peak RSS belongs to
one client and nothing else. Requests and bytes are counted by the forge, not
by the client: that is what a forge operator would see.

    python -m bench                   # the full run (~13 minutes on 2 quiet cores)
    python -m bench --quick           # small sizes, to try it out
    python -m bench --help

Layout: client.py (the measured programs), measure.py (running them and
reading their cost), scenarios.py (what is measured), journal_timing.py (the
state journal's load and record() costs, no forge), report.py (tables,
targets, latest.json), __main__.py (arguments and order).
"""

from __future__ import annotations
