# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`python -m tests.forge --spec github:acme:50 ...`: serve until SIGTERM/SIGINT.

Prints ONE JSON line on stdout once ready:
{"url", "github_api", "github_graphql", "gitlab_url", "gitea_api", "bitbucket_api", "bitbucket_server_url",
 "root", "tokens", "build_seconds"}
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import List, Optional

from .forge import Forge


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.forge", description=__doc__)
    parser.add_argument("--spec", action="append", default=[], help="SERVICE:OWNER:COUNT[:opt=v,...]")
    parser.add_argument("--root", default=None, help="where bare repos live (default: a temp dir)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", action="append", default=[], help="valid token; the first is the admin's")
    parser.add_argument("--activity-granularity", type=int, default=3600)
    parser.add_argument("--gitea-max-items", type=int, default=50)
    parser.add_argument("--gitea-default-limit", type=int, default=30)
    parser.add_argument("--app-id", default=None)
    parser.add_argument("--app-token-lifetime", type=int, default=3600)
    parser.add_argument("--admin-repos", type=int, default=3)
    parser.add_argument("--bitbucket-api-tokens", default="", help="comma-separated Atlassian API tokens of forge-admin")
    parser.add_argument("--bitbucket-app-passwords", default="", help="comma-separated app passwords (all refused)")
    parser.add_argument("--bitbucket-server-max-limit", type=int, default=1000)
    args = parser.parse_args(argv)

    forge = Forge(specs=args.spec, root=args.root, tokens=tuple(args.token) or ("forge-token",),
                  host=args.host, port=args.port, activity_granularity=args.activity_granularity,
                  gitea_max_items=args.gitea_max_items, gitea_default_limit=args.gitea_default_limit,
                  app_id=args.app_id, app_token_lifetime=args.app_token_lifetime, admin_repos=args.admin_repos,
                  bitbucket_api_tokens=args.bitbucket_api_tokens, bitbucket_app_passwords=args.bitbucket_app_passwords,
                  bitbucket_server_max_limit=args.bitbucket_server_max_limit)
    done = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    forge.start()
    info = forge.info()
    info["build_seconds"] = round(forge.build_seconds, 3)
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
    try:
        while not done.wait(0.5):
            pass
    finally:
        forge.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
