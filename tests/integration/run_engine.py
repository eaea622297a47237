# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the bulk_clone engine once, as a process of its own, for tests that
must kill it (kill -9) or hold its lock from outside.

Reads one JSON object on stdin, never argv (the token is in it):
    {"values": {...option values, options.py names...}, "check_mode": false}
Prints the result as one JSON line on stdout. Exit status: 0 done, 1 the run
went past max_failures, 2 a BulkCloneError (message on stderr).
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    from bulk_clone_engine.errors import BulkCloneError
    from bulk_clone_engine.job import Hooks, build_job, result_of, run_job
    from bulk_clone_engine.signals import stop_on_signals

    config = json.load(sys.stdin)
    try:
        spec = build_job(config["values"], check_mode=bool(config.get("check_mode")), environ={})
        hooks = Hooks()
        with stop_on_signals(hooks.stop):
            result = result_of(run_job(spec, hooks), spec)
    except BulkCloneError as exc:
        sys.stderr.write("%s: %s\n" % (exc.__class__.__name__, exc))
        return 2
    sys.stdout.write(json.dumps(result) + "\n")
    return 1 if result.get("failed") else 0


if __name__ == "__main__":
    sys.exit(main())
