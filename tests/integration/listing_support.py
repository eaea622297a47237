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


def open_listing(forge: Dict[str, Any], owners: Any, owner_kind: Any, selection: Dict[str, Any],
                 on_wait: Any = None) -> Any:
    """A Listing the way the doors build one: every option checked first (job.build_job)."""
    from bulk_clone_engine.job import build_job
    from bulk_clone_engine.listing import make_listing
    values = dict(forge, owners=list(owners), owner_kind=owner_kind, **selection)
    spec = build_job(values, "org_repos", environ={})
    return make_listing(spec.forge, spec.owners, spec.selection, on_wait=on_wait)


def list_repos(forge: Dict[str, Any], owners: Any, owner_kind: Any, selection: Dict[str, Any],
               fields: Any = ()) -> Dict[str, Any]:
    """What org_repos_info returns."""
    from bulk_clone_engine import job
    values = dict(forge, owners=list(owners), owner_kind=owner_kind, fields=list(fields), **selection)
    return job.list_repos(job.build_job(values, "org_repos", environ={}))
