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
  - Keeps local work. Uncommitted changes, untracked files, unpushed commits, local branches and
    stashes in a working copy survive every strategy; such a clone is held back (RV(held_back)) with
    the reason, and with O(force=true) the old state is kept in a stash and a C(bulk-clone/backup/...)
    branch. What each strategy may discard is listed under O(strategy).
  - The token reaches git only through the environment of each git process, never its arguments,
    a URL, C(.git/config), logs or results, and only for the forge's own host (and O(git_hosts)).
  - SIGTERM, SIGINT or SIGHUP, or the end of the process that started the module, stop the run cleanly
    within seconds; the task then fails with what was done so far, and a re-run resumes.
author:
  - gizzahub developers (@gizzahub)
extends_documentation_fragment:
  - gizzahub.bulk_clone.forge
  - gizzahub.bulk_clone.forge.selection
attributes:
  check_mode:
    support: full
    description: Lists and plans, counting what would be cloned and updated (RV(counts)); touches nothing.
  diff_mode:
    support: full
    description: Each changed repository shows its commit before and after (or C(new clone)).
options:
  dest:
    description:
      - Folder the repositories are cloned into. Created if missing; its parent must exist.
      - One run at a time per O(dest); a second run fails at once naming the first (or waits O(lock_timeout)).
    type: path
    required: true
    aliases: [path]
  path_template:
    description:
      - Where each repository goes under O(dest). Placeholders C({owner}) (the organization, user,
        or the GitLab namespace including subgroups), C({name}), C({full_path}), C({host}),
        C({provider}).
      - A relative path of folders separated by C(/). Refused before any work, naming this option, is a
        template that is absolute (C(/...)) or starts with C(~) (not expanded), has a backslash or a control
        character, an empty, C(.), C(..) or C(.git) folder, a folder starting with C(.bulk-clone-), or a folder
        made only of one placeholder and a dot (C({name}.), C(.{name})), which a name C(.) would turn into C(..).
      - What the placeholders bring is checked per repository. C({owner}) and C({full_path}) hold C(/) for
        GitLab subgroups and stay inside O(dest), and a repository name that would leave O(dest) (or lead
        through a symlink out of it) is refused for that repository, with a reason.
    type: str
    default: '{owner}/{name}'
  strategy:
    description:
      - V(clone) clones new repositories and leaves existing clones alone; it discards nothing.
      - V(fetch) also fetches existing clones (C(git fetch --prune)); it discards only remote-tracking
        branches (C(origin/*)) deleted upstream. The work tree, local branches, tags and stashes are untouched.
      - V(pull) also fast-forwards the checked-out branch when it tracks the default branch and
        nothing local is in the way; a diverged branch is held back. It discards only remote-tracking
        branches deleted upstream.
      - V(reset) also moves the work tree to the remote default branch; clones with local work are held
        back unless O(force=true), which moves that work into a stash and a backup branch first.
      - V(mirror) keeps bare C(--mirror) copies (for backups). A mirror is a copy of the forge and holds no
        work of its own, so each update discards refs deleted or rewritten upstream (C(git fetch --prune)).
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
      - Every repository's outcome of the last run is written beside it, one JSON line each
        (C(.bulk-clone-state.report.jsonl)); see RV(report_file).
    type: path
  prune:
    description:
      - Prune clones of repositories the forge confirmed gone. A repository counts as gone only when it is
        absent from a complete listing of an owner listed in this run; one left out by O(include),
        O(exclude), other filters, O(shard) or owners not in this run is kept and reported as such.
      - A pruned clone is moved into C(.bulk-clone-trash/<time>/) under O(dest), not deleted, and reported
        with that path (RV(gone)); O(prune_delete) deletes for good. This applies to mirrors too, since a mirror of a
        repository deleted upstream may be its last copy.
      - A working copy with local work is never pruned.
    type: bool
    default: false
  prune_delete:
    description:
      - With O(prune), delete pruned clones for good instead of moving them into the trash folder.
    type: bool
    default: false
  max_prune:
    description:
      - With O(prune), the most clones one run may prune. Above it nothing is pruned and the task fails,
        naming the number, like rsync's C(--max-delete). V(-1) sets no limit.
    type: int
    default: 20
  full_listing_interval:
    description:
      - Seconds between two full listings of an owner. In between, when the forge's repository count is the
        one the last full listing saw and the last run ended clean, a re-sync lists only the repositories
        pushed since the last run, most recent first, with conditional requests (C(If-None-Match)); a
        no-change re-sync then costs a few API requests and no rate-limit budget on GitHub.
      - Deletions, renames and archive flips that leave the count unchanged are seen by the next full listing;
        O(prune) acts only after a full listing. V(0) lists in full every time.
    type: float
    default: 86400.0
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
        held back or failed.
    type: str
    default: changed
    choices: [none, changed, all]
  return_limit:
    description:
      - The most entries each list of the result (RV(repos), RV(failures), RV(held_back), RV(gone)) holds,
        so that a result stays small at 100,000 repositories. Lists cut short are named in RV(truncated);
        every entry is in RV(report_file).
    type: int
    default: 1000
  progress_file:
    description:
      - A JSON file rewritten every few seconds with done, total, rate and ETA, for runs started
        with C(async).
    type: path
  git_hosts:
    description:
      - Further hosts (V(host) or V(host:port), or an origin like V(https://git.example.com)) that serve this
        forge's git and may receive the token.
      - By default the token goes only to the forge's own host (C(github.com) for C(api.github.com), the API's
        host otherwise). A listed repository whose clone URL points at another host is cloned without
        credentials and its reason says so.
    type: list
    elements: str
    default: []
  lock_timeout:
    description:
      - Seconds to wait for another run into the same O(dest) to finish before failing.
    type: float
    default: 0.0
  stall_timeout:
    description:
      - A git transfer that receives no byte for this many seconds is aborted and retried (a stalled pack).
    type: float
    default: 30.0
  wikis:
    description:
      - Also clone each repository's wiki (GitHub, GitLab, Gitea) beside it as C(NAME.wiki), from C(NAME.wiki.git).
      - Only wikis the forge reports enabled are tried (GitHub and Gitea C(has_wiki), GitLab C(wiki_access_level)).
        A wiki that is enabled but was never written to has no git repository; it is reported as unchanged with
        the reason C(no wiki), never as a failure or as held back.
      - A wiki has no change marker of its own, so each re-sync costs one C(git ls-remote) request per wiki; it is
        fetched only when the forge advertises other refs than the clone holds. A wiki moves without a push, so
        with wikis every listing is full (O(full_listing_interval) does not apply).
    type: bool
    default: false
  gists:
    description:
      - Also clone gists and snippets through their git pull URLs. GitHub - each user owner's public gists
        (C(GET /users/{user}/gists)), or with O(owner_kind=self) the token's own, secret ones included
        (C(GET /gists)); organizations have no gists. GitLab - each listed project's snippets
        (C(GET /projects/:id/snippets), one request per project) and, for the owner that is the token's own user,
        its personal snippets (C(GET /snippets); GitLab lists no other user's).
      - They go where O(gists_path_template) says, C({owner}/gists/{id}) by default. Each is re-synced when its
        C(updated_at) moves.
      - On github.com gists live on C(gist.github.com), which belongs to GitHub and receives the token like
        C(github.com); GitHub Enterprise Server serves them on its own host under C(/gist/).
    type: bool
    default: false
  gists_path_template:
    description:
      - Where each gist or snippet goes under O(dest), with the placeholders of O(path_template); C({name}) is the
        gist's or snippet's id and C({owner}) its owner (a project snippet's, the project's namespace).
    type: str
    default: "{owner}/gists/{name}"
  lfs:
    description:
      - Fetch and check out Git LFS files after each clone or update (C(git lfs pull); a mirror gets
        C(git lfs fetch --all)). Needs git-lfs on the host that runs git; without it the run fails before any
        request with a message naming the C(git-lfs) package.
      - Whatever this says, clones never stall or fail on LFS objects; every git process runs with
        C(GIT_LFS_SKIP_SMUDGE=1) and C(filter.lfs.required=false), so LFS files are checked out as pointer files
        and the LFS server is never contacted by the clone itself.
    type: bool
    default: false
  push_to:
    description:
      - URL template of a second remote each changed mirror is pushed to with C(git push --mirror), for
        example V(https://gitlab.example.com/backup/{owner_slug}/{name}.git). Placeholders C({owner}),
        C({name}), C({full_path}), C({owner_slug}), C({full_path_slug}), C({host}), C({provider}).
      - Needs O(strategy=mirror). Credentials in the URL are refused; use O(push_token).
    type: str
  push_token:
    description:
      - Token for O(push_to), sent only to the push target's host, through the environment of git.
    type: str
  push_username:
    description:
      - User name sent with O(push_token) (GitLab accepts any name, GitHub C(x-access-token)).
    type: str
    default: x-access-token
  summary_template:
    description:
      - A Jinja2 template that renders the end report instead of the built-in one; it receives the result.
      - The console and the Action print and write it; the module renders it into RV(summary).
    type: path
notes:
  - GitLab moves C(last_activity_at) at most about once an hour. A GitLab repository is therefore
    skipped without git only when it was last synced more than an hour after that marker; otherwise
    it is fetched.
seealso:
  - module: gizzahub.bulk_clone.org_repos_info
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

- name: Every repository of acme with its wiki beside it (acme/api.wiki next to acme/api)
  gizzahub.bulk_clone.bulk_clone:
    owners: acme
    dest: ~/src
    wikis: true

- name: A GitHub user's repositories and public gists (under alice/gists/ID)
  gizzahub.bulk_clone.bulk_clone:
    owners: alice
    owner_kind: user
    dest: ~/src
    gists: true

- name: Clones with their Git LFS files (needs the git-lfs package on the host)
  gizzahub.bulk_clone.bulk_clone:
    owners: ml-team
    dest: ~/src
    lfs: true

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

- name: Bare mirrors of every project of a GitLab instance (an administrator's token)
  gizzahub.bulk_clone.bulk_clone:
    provider: gitlab
    api_url: https://gitlab.example.com
    owner_kind: all
    dest: /backup/gitlab
    strategy: mirror
    token: "{{ gitlab_admin_token }}"

- name: A GitLab group and the projects other groups shared with it
  gizzahub.bulk_clone.bulk_clone:
    provider: gitlab
    owners: platform
    with_shared: true
    dest: ~/src

- name: Every repository the token's own user starred on GitHub, each under its own owner
  gizzahub.bulk_clone.bulk_clone:
    owner_kind: starred
    dest: ~/stars
    token: "{{ github_token }}"

- name: Active, popular repositories only, chosen with globs beside a regular expression
  gizzahub.bulk_clone.bulk_clone:
    owners: big-org
    pushed_within: 365d
    min_stars: 5
    include: ["glob:api-*", "glob:platform/**"]
    exclude: ["-old$"]
    dest: ~/src
'''

RETURN = r'''
counts:
  description:
    - Repositories per outcome, and their C(total). In check mode C(would clone) and C(would update) count
      what would change. C(gone) counts journal entries this run did not sync, and C(pruned) those pruned.
  returned: always
  type: dict
  sample: {cloned: 3, updated: 2, unchanged: 995, skipped: 1, failed: 0, gone: 0, total: 1001}
failures:
  description: The repositories that failed, with a reason a person can act on (at most O(return_limit)).
  returned: always
  type: list
  elements: dict
  sample: [{full_path: acme/api, path: acme/api, outcome: failed, reason: "git clone failed: repository not found (404)", head: null, changed: false}]
held_back:
  description:
    - The repositories left alone, counted as C(skipped), with the reason (local changes, a diverged branch...).
      Not named C(skipped), which Ansible reads as "the task was skipped".
  returned: always
  type: list
  elements: dict
  sample: [{full_path: acme/web, path: acme/web, outcome: skipped, reason: "local changes: 2 modified files", head: 0c1f2e3, changed: false}]
repos:
  description:
    - The repositories chosen by O(return_repos), with path, outcome, reason and HEAD (at most O(return_limit)).
    - Each with C(duration), the seconds its git work took, and C(bytes), what git received for it.
  returned: always
  type: list
  elements: dict
gone:
  description:
    - Journal entries this run did not sync, what was done with each (C(action)) and why (C(reason)).
    - C(action) is C(kept) (not selected, or not in this run's owners), C(gone upstream), C(trashed) (with
      C(trash_path)) or C(removed).
  returned: always
  type: list
  elements: dict
  sample:
    - key: "github:github.com:42"
      full_path: acme/old
      path: acme/old
      action: trashed
      reason: "gone upstream; moved to /src/.bulk-clone-trash/20260101T000000Z/acme/old"
      trash_path: /src/.bulk-clone-trash/20260101T000000Z/acme/old
truncated:
  description: The lists cut short at O(return_limit); every entry is in RV(report_file).
  returned: always
  type: list
  elements: str
  sample: [repos]
report_file:
  description: The per-repository report of this run, one JSON line per repository (none in check mode).
  returned: always
  type: str
  sample: /home/dev/src/.bulk-clone-state.report.jsonl
per_owner:
  description: Outcomes per owner asked for.
  returned: always
  type: dict
  sample: {acme: {cloned: 3, unchanged: 995}}
run:
  description: What was asked (provider, API URL, owners, strategy, concurrency, dest, shard, check).
  returned: always
  type: dict
duration:
  description: Seconds the run took.
  returned: always
  type: float
  sample: 12.5
stats:
  description:
    - What the listing cost (requests, pages, retries, seconds waited, rate-limit budget left, listed, selected, excluded).
    - And how the run flowed (version_added 0.2.0) - C(expected), the forge's announced count of repositories;
      C(listing_seconds), from the start until the listing ended; C(backpressure_seconds), how long the listing
      waited for busy git workers; C(work_seconds), git work summed over repositories; C(bytes_received), what git
      received; C(peak_queue), the most repositories waiting for a worker at once.
  returned: always
  type: dict
  sample: {requests: 3, pages: 3, listed: 230, selected: 230, expected: 224, listing_seconds: 2.1,
           backpressure_seconds: 1.4, work_seconds: 35.2, bytes_received: 12900000, peak_queue: 16}
slowest:
  description: The ten repositories whose git work took longest, with C(duration) (seconds) and C(bytes) received.
  returned: always
  type: list
  elements: dict
  version_added: 0.2.0
  sample: [{full_path: acme/monorepo, outcome: cloned, duration: 48.2, bytes: 734003200}]
state_file:
  description: Path of the state journal.
  returned: always
  type: str
  sample: /home/dev/src/.bulk-clone-state.jsonl
push:
  description: With O(push_to), what was pushed (pushed, up_to_date, failed, failures).
  returned: when push_to is set
  type: dict
interrupted:
  description: What stopped the run early (a signal, or the end of the process that started it).
  returned: when interrupted
  type: str
  sample: interrupted by SIGTERM
summary:
  description: The end report rendered with O(summary_template).
  returned: when summary_template is set
  type: str
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.errors import BulkCloneError
from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.job import (
    Hooks, build_job, door_redactor, result_of, run_job, watch_parent)
from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.listing import missing_library
from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.options import BULK_CLONE, module_kwargs
from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.signals import stop_on_signals
from ansible_collections.gizzahub.bulk_clone.plugins.module_utils.summary import render_template


def main():
    module = AnsibleModule(**module_kwargs(BULK_CLONE))
    missing = missing_library(module.params["provider"])
    if missing:
        module.fail_json(msg=missing_required_lib(missing[0]), exception=missing[1])
    # no_log masks only the exact values; the redactor masks every form they take
    # (redact.py), and Ansible's own echo of the arguments (-vvv) must not show them.
    redactor = door_redactor(module.params)
    module.no_log_values.update(redactor.secrets)
    try:
        spec = build_job(module.params, BULK_CLONE, check_mode=module.check_mode, diff=module._diff)
        for secret in spec.secrets:           # a token read from token_file is a secret too
            redactor.add(secret)
        module.no_log_values.update(spec.secrets)
        hooks = Hooks()
        watch_parent(hooks)
        with stop_on_signals(hooks.stop):
            report = run_job(spec, hooks)
    except BulkCloneError as exc:
        module.fail_json(msg=redactor(str(exc)))
    except OSError as exc:
        # What the up-front checks of dest cannot foresee (it changed under us).
        module.fail_json(msg=redactor("cannot write under dest %s: %s" % (module.params["dest"], exc)))
    result = result_of(report, spec)
    for warning in result.pop("warnings", None) or []:
        module.warn(warning)
    if module._diff and report.diffs.items:
        result["diff"] = redactor.redact_data(list(report.diffs.items))
    if spec.summary_template:
        result["summary"] = redactor(render_template(spec.summary_template, result))
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
