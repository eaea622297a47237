#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: bulk_clone
short_description: Clone and keep in sync every repository of GitHub, GitLab, Gitea and Bitbucket owners
version_added: 0.1.0
description:
  - Clones every selected repository of organizations, GitLab groups (subgroups kept as folders)
    or users under O(dest), and keeps the clones in sync on later runs.
  - Does the least work that is correct. A repository the forge reports unchanged since the last
    good sync (GitHub C(pushed_at), GitLab C(last_activity_at), Gitea C(updated_at), Bitbucket Cloud
    C(updated_on)) gets no git process at all. Bitbucket Data Center lists no such marker, so its
    repositories are fetched on every run.
  - Resumable. Each finished repository is recorded in a state journal as it completes, and clones
    are built in a temporary folder and moved into place only when complete, so a run killed at
    any point and started again redoes nothing already done and never takes a half clone for a
    repository.
  - Never loses local work. Uncommitted changes, untracked files, unpushed commits, local branches
    and stashes survive every strategy; such a clone is reported as skipped with the reason, and
    with O(force=true) the old state is kept in a stash and a C(bulk-clone/backup/...) branch.
  - The token reaches git only through the environment of each git process, never its
    arguments, a URL, C(.git/config), logs or results.
author:
  - gizzahub developers (@gizzahub)
extends_documentation_fragment:
  - gizzahub.bulk_clone.forge
  - gizzahub.bulk_clone.forge.selection
attributes:
  check_mode:
    support: full
    description: Lists and plans, returning what would be cloned or updated; touches nothing.
  diff_mode:
    support: none
    description: No diff is produced.
options:
  dest:
    description:
      - Folder the repositories are cloned into. Created if missing; its parent must exist.
    type: path
    required: true
  path_template:
    description:
      - Where each repository goes under O(dest). Placeholders C({owner}) (the organization, user,
        or the GitLab namespace including subgroups), C({name}), C({full_path}), C({host}),
        C({provider}).
      - A repository name that would leave O(dest) is refused for that repository, with a reason.
    type: str
    default: '{owner}/{name}'
  strategy:
    description:
      - V(clone) clones new repositories and leaves existing clones alone.
      - V(fetch) also fetches existing clones (C(git fetch --prune)); the work tree is not touched.
      - V(pull) also fast-forwards the checked-out branch when it tracks the default branch and
        nothing local is in the way; a diverged branch is reported and left alone.
      - V(reset) also moves the work tree to the remote default branch; refuses clones with local
        work unless O(force=true).
      - V(mirror) keeps bare C(--mirror) copies (for backups), updated with prune.
    type: str
    default: pull
    choices: [clone, fetch, pull, reset, mirror]
  concurrency:
    description:
      - How many git processes run at once. API calls stay serial, as the forges ask.
    type: int
    default: 8
  depth:
    description:
      - Shallow clones with this many commits. Not with O(strategy=mirror).
    type: int
  filter:
    description:
      - Partial clone filter, for example V(blob:none) (blobs are fetched on checkout when needed).
    type: str
  branch:
    description:
      - Check out and follow this branch instead of each repository's default branch.
    type: str
  submodules:
    description:
      - Clone and update submodules.
    type: bool
    default: false
  protocol:
    description:
      - Clone over V(https) (the token is used) or V(ssh) (the host's SSH keys are used).
    type: str
    default: https
    choices: [https, ssh]
  state_file:
    description:
      - The state journal. Defaults to C(.bulk-clone-state.jsonl) in O(dest).
      - Two runs on one state file cannot interleave; the second fails with a message naming the lock.
    type: path
  prune:
    description:
      - Remove clones of repositories that the forge no longer lists or the selection no longer keeps,
        but only those holding no local work. Without it they are only reported in RV(gone).
    type: bool
    default: false
  force:
    description:
      - With O(strategy=reset), reset clones that have local work too. Uncommitted work is stashed
        and the old HEAD kept on a C(bulk-clone/backup/<time>) branch, so nothing is lost.
    type: bool
    default: false
  max_failures:
    description:
      - How many repositories may fail before the task fails. V(-1) never fails the task.
      - Failures never stop the other repositories; every failure is returned with its reason.
    type: int
    default: 0
  return_repos:
    description:
      - Which repositories to return in RV(repos). V(changed) returns those cloned, updated,
        skipped or failed.
    type: str
    default: changed
    choices: [none, changed, all]
  progress_file:
    description:
      - A JSON file rewritten every few seconds with done, total, rate and ETA, for runs started
        with C(async).
    type: path
notes:
  - GitLab moves C(last_activity_at) at most about once an hour. A GitLab repository is therefore
    skipped without git only when it was last synced more than an hour after that marker; otherwise
    it is fetched.
seealso:
  - module: gizzahub.bulk_clone.org_repos
'''

EXAMPLES = r'''
- name: Clone or fast-forward every repository of an organization into ~/src
  gizzahub.bulk_clone.bulk_clone:
    owners: acme
    dest: ~/src
    token: "{{ github_token }}"

- name: Nightly bare mirrors of a GitLab group and all its subgroups
  gizzahub.bulk_clone.bulk_clone:
    provider: gitlab
    api_url: https://gitlab.example.com
    owners: platform
    dest: /srv/backup/gitlab
    strategy: mirror
    prune: true
    concurrency: 16

- name: GitHub Enterprise Server, blobless clones of non-archived repos, one shard of four
  gizzahub.bulk_clone.bulk_clone:
    api_url: https://ghes.example.com/api/v3
    owners: [big-org]
    dest: /work/src
    archived: exclude
    filter: blob:none
    shard: "{{ groups['devboxes'].index(inventory_hostname) }}/4"

- name: Long run in the background, with a progress file to poll
  gizzahub.bulk_clone.bulk_clone:
    owners: huge-org
    dest: /data/mirror
    strategy: mirror
    progress_file: /tmp/bulk-clone-progress.json
  async: 7200
  poll: 0

- name: A Bitbucket Cloud workspace, with an Atlassian API token and the account email
  gizzahub.bulk_clone.bulk_clone:
    provider: bitbucket
    owners: acme
    username: you@example.com
    token: "{{ bitbucket_api_token }}"
    dest: ~/src/bitbucket

- name: Bitbucket Data Center projects and a personal project, with an HTTP access token
  gizzahub.bulk_clone.bulk_clone:
    provider: bitbucket_server
    api_url: https://bitbucket.example.com
    owners: [PLATFORM, "~jdoe"]
    token: "{{ bitbucket_http_access_token }}"
    dest: /srv/src/bitbucket
'''

RETURN = r'''
counts:
  description:
    - Repositories per outcome, and their C(total). In check mode the outcomes are C(would clone) and
      C(would update). C(gone) and C(pruned) count repositories synced before that the forge no longer lists.
  returned: always
  type: dict
  sample: {cloned: 3, updated: 2, unchanged: 995, skipped: 1, failed: 0, total: 1001, gone: 0}
failures:
  description: Every repository that failed, with a reason a person can act on.
  returned: always
  type: list
  elements: dict
  sample: [{full_path: acme/api, path: acme/api, outcome: failed, reason: "git clone failed: repository not found (404)", head: null, changed: false}]
skipped:
  description: Every repository left alone, with the reason (for example local changes, or a diverged branch).
  returned: always
  type: list
  elements: dict
  sample: [{full_path: acme/web, path: acme/web, outcome: skipped, reason: "local changes: 2 modified files", head: 0c1f2e3, changed: false}]
repos:
  description: The repositories chosen by O(return_repos), with path, outcome, reason and HEAD.
  returned: always
  type: list
  elements: dict
gone:
  description: Repositories synced before that the forge no longer lists or the selection no longer keeps, and what was done with them.
  returned: always
  type: list
  elements: dict
  sample: [{key: "github:github.com:42", full_path: acme/old, path: acme/old, action: reported}]
duration:
  description: Seconds the run took.
  returned: always
  type: float
  sample: 12.5
stats:
  description: What the listing cost (requests, pages, retries, seconds waited, rate-limit budget left, listed, selected, excluded).
  returned: always
  type: dict
state_file:
  description: Path of the state journal.
  returned: always
  type: str
  sample: /home/dev/src/.bulk-clone-state.jsonl
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.argspec import (
    forge_kwargs, module_kwargs, selection_kwargs)
from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.engine import bulk_clone
from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.errors import BulkCloneError
from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.listing import missing_library

SYNC_SPEC = dict(
    dest=dict(type="path", required=True),
    path_template=dict(type="str", default="{owner}/{name}"),
    strategy=dict(type="str", default="pull", choices=["clone", "fetch", "pull", "reset", "mirror"]),
    concurrency=dict(type="int", default=8),
    depth=dict(type="int"),
    filter=dict(type="str"),
    branch=dict(type="str"),
    submodules=dict(type="bool", default=False),
    protocol=dict(type="str", default="https", choices=["https", "ssh"]),
    state_file=dict(type="path"),
    prune=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
    max_failures=dict(type="int", default=0),
    return_repos=dict(type="str", default="changed", choices=["none", "changed", "all"]),
    progress_file=dict(type="path"),
)


def main():
    module = AnsibleModule(**module_kwargs(SYNC_SPEC))
    missing = missing_library(module.params["provider"])
    if missing:
        module.fail_json(msg=missing_required_lib(missing[0]), exception=missing[1])
    sync = {name: module.params[name] for name in SYNC_SPEC}
    sync["check_mode"] = module.check_mode
    try:
        result = bulk_clone(forge_kwargs(module.params), module.params["owners"], module.params["owner_kind"],
                            selection_kwargs(module.params), sync)
    except BulkCloneError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        # What the up-front checks of dest cannot foresee (it changed under us).
        module.fail_json(msg="cannot write under dest %s: %s" % (sync["dest"], exc))
    for warning in result.pop("warnings", None) or []:
        module.warn(warning)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
