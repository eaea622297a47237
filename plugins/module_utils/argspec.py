# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The option specs that bulk_clone and org_repos share, defined once.

Plain dicts in AnsibleModule's argument_spec format, so this file needs no
Ansible import; plugins/doc_fragments/forge.py documents the same options.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Optional

OUTCOME_MODES = ["include", "exclude", "only"]

FORGE_SPEC: Dict[str, Dict[str, Any]] = dict(
    provider=dict(type="str", default="github", choices=["github", "gitlab", "gitea", "bitbucket", "bitbucket_server"]),
    api_url=dict(type="str", aliases=["url"]),
    token=dict(type="str", no_log=True),
    username=dict(type="str"),
    app_id=dict(type="str"),
    app_private_key=dict(type="str", no_log=True),
    app_installation_id=dict(type="int"),
    owners=dict(type="list", elements="str", default=[], aliases=["owner", "org", "orgs"]),
    owner_kind=dict(type="str", default="auto",
                    choices=["auto", "org", "user", "group", "self", "installation", "workspace", "project"]),
    api=dict(type="str", default="rest", choices=["rest", "graphql"]),
    max_wait=dict(type="float", default=900.0),
    max_calls_per_second=dict(type="float"),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="float", default=30.0),
)

SELECTION_SPEC: Dict[str, Dict[str, Any]] = dict(
    include=dict(type="list", elements="str", default=[]),
    exclude=dict(type="list", elements="str", default=[]),
    topics_any=dict(type="list", elements="str", default=[]),
    topics_all=dict(type="list", elements="str", default=[]),
    archived=dict(type="str", default="include", choices=OUTCOME_MODES),
    forks=dict(type="str", default="include", choices=OUTCOME_MODES),
    empty=dict(type="str", default="include", choices=OUTCOME_MODES),
    disabled=dict(type="str", default="exclude", choices=OUTCOME_MODES),
    visibility=dict(type="list", elements="str", default=[], choices=["public", "private", "internal"]),
    languages=dict(type="list", elements="str", default=[]),
    shard=dict(type="str"),
)

# Environment variables a token is taken from when the option is not given,
# the names CI systems and the forges' own CLIs already use.
TOKEN_ENV = {
    "github": ("BULK_CLONE_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"),
    "gitlab": ("BULK_CLONE_TOKEN", "GITLAB_TOKEN"),
    "gitea": ("BULK_CLONE_TOKEN", "GITEA_TOKEN"),
    "bitbucket": ("BULK_CLONE_TOKEN", "BITBUCKET_TOKEN"),
    "bitbucket_server": ("BULK_CLONE_TOKEN", "BITBUCKET_TOKEN"),
}


def token_from_env(provider: str, environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    env = os.environ if environ is None else environ
    for name in TOKEN_ENV.get(provider, ()):
        if env.get(name):
            return env[name]
    return None


def forge_kwargs(params: Mapping[str, Any]) -> Dict[str, Any]:
    """The build_forge_config arguments out of module parameters."""
    token = params.get("token")
    if not token and not params.get("app_id"):
        token = token_from_env(params["provider"])
    return dict(
        provider=params["provider"], api_url=params.get("api_url"), token=token, username=params.get("username"),
        app_id=params.get("app_id"), app_private_key=params.get("app_private_key"),
        app_installation_id=params.get("app_installation_id"), api=params.get("api"),
        max_wait=params.get("max_wait"), max_calls_per_second=params.get("max_calls_per_second"),
        validate_certs=params.get("validate_certs", True), timeout=params.get("timeout"),
    )


def selection_kwargs(params: Mapping[str, Any]) -> Dict[str, Any]:
    return {name: params.get(name) for name in SELECTION_SPEC}


def module_kwargs(extra_spec: Mapping[str, Dict[str, Any]]) -> Dict[str, Any]:
    """AnsibleModule(**...) for a module taking the forge and selection options plus its own."""
    spec: Dict[str, Dict[str, Any]] = dict(FORGE_SPEC)
    spec.update(SELECTION_SPEC)
    spec.update(extra_spec)
    return dict(
        argument_spec=spec,
        supports_check_mode=True,
        required_together=[("app_id", "app_private_key", "app_installation_id")],
        mutually_exclusive=[("token", "app_id")],
    )
