# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Forge options per listing flavour, shared by the listing tests."""

from __future__ import annotations

from typing import Any, Dict

TOKEN = "forge-token"
SERVICES = ["github", "graphql", "gitlab", "gitea"]


def kwargs_for(forge: Any, flavour: str, fast: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    """build_forge_config arguments for one flavour, with tiny waits (`fast`) so no test sleeps."""
    base = {
        "github": dict(provider="github", api_url=forge.github_api),
        "graphql": dict(provider="github", api_url=forge.github_api, api="graphql"),
        "gitlab": dict(provider="gitlab", api_url=forge.gitlab_url),
        "gitea": dict(provider="gitea", api_url=forge.url),
    }[flavour]
    out = dict(base, token=TOKEN, **fast)
    out.update(extra)
    return out
