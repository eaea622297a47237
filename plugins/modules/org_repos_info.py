#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: org_repos_info
short_description: List every repository of GitHub, GitLab, Gitea and Bitbucket owners
version_added: 0.1.0
description:
  - Lists the repositories of organizations, GitLab groups (with all their subgroups) or users,
    with the same selection and sharding as M(gizzahub.bulk_clone.bulk_clone).
  - The listing streams page by page, obeys the forge's rate limits, and lists every repository
    once even when repositories are added, removed or renamed while it runs.
  - Never changes anything, on the forge or on the host.
  - This module was called C(gizzahub.bulk_clone.org_repos) before 0.2.0; that name still works and
    redirects here.
author:
  - gizzahub developers (@gizzahub)
extends_documentation_fragment:
  - gizzahub.bulk_clone.forge
  - gizzahub.bulk_clone.forge.selection
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
options:
  fields:
    description:
      - Which fields of each repository to return. Empty returns all of them.
    type: list
    elements: str
    default: []
    choices: [provider, host, owner, name, full_path, id, clone_url, ssh_url, web_url, default_branch,
              archived, fork, visibility, empty, disabled, topics, language, size_kb, marker, pushed_at, stars,
              wiki]
notes:
  - The whole list is returned to Ansible, which holds it in memory; for very large owners, prefer
    O(fields) with the few fields you need, or M(gizzahub.bulk_clone.bulk_clone), which streams.
seealso:
  - module: gizzahub.bulk_clone.bulk_clone
'''

EXAMPLES = r'''
- name: List every repository of two GitHub organizations
  gizzahub.bulk_clone.org_repos_info:
    owners: [acme, acme-labs]
    token: "{{ github_token }}"
  register: listing

- name: Loop over the non-archived Python repos of a GitLab group and its subgroups
  gizzahub.bulk_clone.org_repos_info:
    provider: gitlab
    api_url: https://gitlab.example.com
    owners: platform/backend
    token: "{{ gitlab_token }}"
    archived: exclude
    languages: [python]
    fields: [full_path, clone_url]
  register: backend

- name: One shard of four, by GraphQL, from GitHub Enterprise Server
  gizzahub.bulk_clone.org_repos_info:
    api_url: https://ghes.example.com/api/v3
    owners: big-org
    api: graphql
    shard: "1/4"

- name: The repositories of a Bitbucket Cloud workspace, with a workspace access token
  gizzahub.bulk_clone.org_repos:
    provider: bitbucket
    owners: acme
    token: "{{ bitbucket_workspace_token }}"
    fields: [full_path, clone_url, marker]

- name: Every project of a GitLab instance the token can see
  gizzahub.bulk_clone.org_repos_info:
    provider: gitlab
    api_url: https://gitlab.example.com
    owner_kind: all
    fields: [full_path, clone_url]
  register: instance

- name: What a GitLab user starred
  gizzahub.bulk_clone.org_repos_info:
    provider: gitlab
    owner_kind: starred
    owners: alice
  register: stars

- name: What was pushed to in the last four weeks, with its push time and stars
  gizzahub.bulk_clone.org_repos_info:
    owners: big-org
    pushed_within: 4w
    fields: [full_path, pushed_at, stars]
  register: recent
'''

RETURN = r'''
repos:
  description: The selected repositories, with the fields named in O(fields).
  returned: success
  type: list
  elements: dict
  sample:
    - provider: github
      host: github.com
      owner: acme
      name: api
      full_path: acme/api
      id: 1296269
      clone_url: https://github.com/acme/api.git
      ssh_url: git@github.com:acme/api.git
      web_url: https://github.com/acme/api
      default_branch: main
      archived: false
      fork: false
      visibility: public
      empty: false
      disabled: false
      topics: [api]
      language: Python
      size_kb: 108
      marker: "2026-11-20T10:00:00Z"
      pushed_at: "2026-11-20T10:00:00Z"
      stars: 12
count:
  description: How many repositories were selected.
  returned: success
  type: int
  sample: 42
stats:
  description: What the listing cost.
  returned: success
  type: dict
  contains:
    requests:
      description: API requests made, retries included.
      type: int
      returned: success
    pages:
      description: Listing pages read.
      type: int
      returned: success
    duplicates_dropped:
      description:
        - Repositories seen twice and listed once. Offset pages repeat a repository when the owner
          changes during the listing, and a probe page may be read twice.
      type: int
      returned: success
    retries:
      description: Requests retried after a rate limit or a transient failure.
      type: int
      returned: success
    seconds_waited:
      description: Seconds spent waiting for rate limits and back-off.
      type: float
      returned: success
    rate_limit:
      description: The last rate-limit budget the forge announced, per resource (limit, remaining, reset_at).
      type: dict
      returned: success
    listed:
      description: Repositories the forge listed.
      type: int
      returned: success
    selected:
      description: Repositories kept by the selection.
      type: int
      returned: success
    excluded:
      description: Repositories dropped, counted by the rule that dropped them.
      type: dict
      returned: success
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.errors import BulkCloneError
from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.job import build_job, door_redactor, list_repos
from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.listing import missing_library
from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.options import ORG_REPOS, module_kwargs


def main():
    module = AnsibleModule(**module_kwargs(ORG_REPOS))
    missing = missing_library(module.params["provider"])
    if missing:
        module.fail_json(msg=missing_required_lib(missing[0]), exception=missing[1])
    # no_log masks only the exact values; the redactor masks every form they take
    # (redact.py), and Ansible's own echo of the arguments (-vvv) must not show them.
    redactor = door_redactor(module.params)
    module.no_log_values.update(redactor.secrets)
    try:
        spec = build_job(module.params, ORG_REPOS)
        for secret in spec.secrets:           # a token read from token_file is a secret too
            redactor.add(secret)
        module.no_log_values.update(spec.secrets)
        result = list_repos(spec)
    except BulkCloneError as exc:
        module.fail_json(msg=redactor(str(exc)))
    module.exit_json(changed=False, **redactor.redact_data(result))


if __name__ == "__main__":
    main()
