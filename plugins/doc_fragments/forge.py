# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    # The forge, its credentials and the owners to list (group "forge" of plugins/module_utils/options.py).
    DOCUMENTATION = r'''
options:
  provider:
    description:
      - Which kind of forge to talk to.
      - V(bitbucket) is Bitbucket Cloud (bitbucket.org), V(bitbucket_server) is Bitbucket Data Center (and Server).
    type: str
    default: github
    choices: [github, gitlab, gitea, bitbucket, bitbucket_server]
  api_url:
    description:
      - Base URL of the forge's API.
      - GitHub.com is V(https://api.github.com) (the default for O(provider=github)); GitHub Enterprise
        Server is V(https://HOST/api/v3).
      - GitLab is the instance URL, for example V(https://gitlab.com) (the default for O(provider=gitlab)).
      - Gitea and Forgejo have no default; give the server's URL, for example V(https://gitea.example.com).
      - Must not carry credentials (V(https://user:token@host), C(?token=)); give the token in O(token).
        An API answering with a redirect to another address is reported, never followed with the token.
      - Bitbucket Cloud is V(https://api.bitbucket.org/2.0) (the default for O(provider=bitbucket)).
      - Bitbucket Data Center has no default; give the instance's base URL with its context path, for example
        V(https://bitbucket.example.com) or V(https://host/bitbucket) (C(/rest/api/1.0) is added).
    type: str
    aliases: [url]
  token:
    description:
      - Token used for the API and, through the process environment only, for git.
      - When not given, taken from the environment of the host running the module,
        E(BULK_CLONE_TOKEN), then E(GITHUB_TOKEN) or E(GH_TOKEN) (GitHub), E(GITLAB_TOKEN) (GitLab),
        E(GITEA_TOKEN) (Gitea), E(BITBUCKET_TOKEN) (Bitbucket Cloud and Data Center).
      - Without a token only public repositories are listed, under the forge's anonymous rate limit.
      - Surrounding whitespace (the newline of a token read from a file) is removed. A token with a control
        character, a space or a non-ASCII character inside is refused before any request.
      - Bitbucket Cloud takes a repository, project or workspace access token alone (git then uses the user
        C(x-token-auth)), or an Atlassian API token together with O(username) (git then uses the user
        C(x-bitbucket-api-token-auth)). App passwords were switched off in 2026 and are refused.
      - Bitbucket Data Center takes an HTTP access token, sent as a C(Bearer) token for the API and git
        (the only way project and repository tokens work), or with O(username) as Basic auth.
    type: str
  username:
    description:
      - Bitbucket only. Turns O(token) into a Basic login.
      - For O(provider=bitbucket), your Atlassian account email, with an Atlassian API token in O(token). The email
        is used for the API only; git gets the fixed user C(x-bitbucket-api-token-auth), so the email is never
        written to a clone's configuration.
      - For O(provider=bitbucket_server), the user name owning the personal HTTP access token in O(token).
      - Leave it out for Bitbucket access tokens (Cloud) and project or repository tokens (Data Center).
    type: str
  app_id:
    description:
      - GitHub App ID (or client ID), to authenticate as an app installation instead of with O(token).
      - Requires O(app_private_key) and O(app_installation_id). Installation tokens are renewed before they expire.
    type: str
  app_private_key:
    description:
      - PEM private key of the GitHub App named by O(app_id).
    type: str
  app_installation_id:
    description:
      - Installation ID of the GitHub App named by O(app_id).
    type: int
  token_file:
    description:
      - A file on the host running the module that holds the token (surrounding whitespace removed), used
        when O(token) is not given. Keeps the token out of the task's arguments, for example a file written
        by a secrets agent.
      - Takes precedence over the environment variables listed under O(token). Cannot be used with O(token)
        or O(app_id).
    type: path
    version_added: 0.2.0
  owners:
    description:
      - Organizations, GitLab groups (full path, subgroups included) or users whose repositories to list.
      - Bitbucket Cloud workspaces (the V(WORKSPACE) in C(bitbucket.org/WORKSPACE/REPO)).
      - Bitbucket Data Center project keys (V(PRJ)), or V(~USER) for a personal project.
      - Leave empty with O(owner_kind=self) or O(owner_kind=installation).
    type: list
    elements: str
    default: []
    aliases: [owner, org, orgs]
  owner_kind:
    description:
      - What the names in O(owners) are. V(auto) asks the forge (organization or group first, then user).
      - V(self) lists the repositories the token's own user owns (GitHub).
      - V(installation) lists every repository a GitHub App installation can see.
      - V(org) exists on GitHub and Gitea, V(group) on GitLab.
      - V(workspace) is the only kind on Bitbucket Cloud (V(auto) means the same).
      - V(project) and V(user) exist on Bitbucket Data Center; V(user) lists the personal project of the user
        named in O(owners), and V(auto) reads a name starting with C(~) as a personal project, any other as a
        project key.
      - V(all) (GitLab) lists every project of the instance the token can see (all of them with an
        administrator's token), with keyset pagination over C(GET /projects); leave O(owners) empty. A project
        missing from this complete listing counts as gone for O(gizzahub.bulk_clone.bulk_clone#module:prune)
        like any owner's. Refused on gitlab.com, where it would mean every public project of the site.
      - V(starred) (GitHub, GitLab, Gitea) lists the repositories the users in O(owners) starred, or with
        O(owners) empty those of the token's own user. Each repository keeps its own owner, so the default
        O(gizzahub.bulk_clone.bulk_clone#module:path_template) puts it at C(OWNER/NAME) whoever starred it.
        Unstarring is not deleting, so O(gizzahub.bulk_clone.bulk_clone#module:prune) never removes a clone
        because its repository is no longer starred (it is reported as kept).
        On GitHub the listing always uses the REST API, whatever O(api) says.
    type: str
    default: auto
    choices: [auto, org, user, group, self, installation, workspace, project, all, starred]
  with_shared:
    description:
      - GitLab only. Also list the projects of other groups and users shared with each group in O(owners)
        (GitLab's C(with_shared=true)); by default a group lists only its own projects and its subgroups'.
      - Shared projects keep their own path (C({owner}) is their own namespace), so they never mix with the
        group's folders. A project no longer shared is not gone, so
        O(gizzahub.bulk_clone.bulk_clone#module:prune) never removes its clone.
    type: bool
    default: false
  api:
    description:
      - GitHub only. V(graphql) moves an order of magnitude fewer bytes per repository than V(rest).
    type: str
    default: rest
    choices: [rest, graphql]
  max_wait:
    description:
      - Longest single wait in seconds for a rate limit to reset. A longer one fails with a message
        naming the limit and the reset time, instead of hanging.
    type: float
    default: 900.0
  max_calls_per_second:
    description:
      - Optional ceiling on API calls per second, on top of the forge's own rate-limit headers.
    type: float
  validate_certs:
    description:
      - Verify the forge's TLS certificate.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for one API response. Must be more than 0.
    type: float
    default: 30.0
requirements:
  - PyGithub >= 2.4 (O(provider=github))
  - python-gitlab >= 4.4 (O(provider=gitlab))
  - requests, backoff, ratelimit
'''

    # Which repositories to keep (group "selection" of plugins/module_utils/options.py).
    SELECTION = r'''
options:
  include:
    description:
      - Keep only repositories matching one of these regular expressions (Python C(re.search)).
      - A pattern containing C(/) is matched against the full path (C(owner/name), GitLab subgroups
        included), any other against the name.
      - An entry starting with C(glob:) is a glob pattern instead, as ghorg and gitlabber users write them,
        for example V(glob:api-*) or V(glob:platform/**). A glob matches the whole name (or the whole full
        path when it contains C(/)), ignoring case; C(*) and C(?) stay within one path segment, C(**) crosses
        C(/), C([abc]) and C([!abc]) are sets. Globs and regular expressions mix in one list.
    type: list
    elements: str
    default: []
  exclude:
    description:
      - Drop repositories matching one of these regular expressions or C(glob:) patterns (matched like
        O(include)).
    type: list
    elements: str
    default: []
  topics_any:
    description:
      - Keep only repositories carrying at least one of these topics.
    type: list
    elements: str
    default: []
  topics_all:
    description:
      - Keep only repositories carrying all of these topics.
    type: list
    elements: str
    default: []
  archived:
    description:
      - Whether archived repositories are included, excluded, or the only ones kept.
    type: str
    default: include
    choices: [include, exclude, only]
  forks:
    description:
      - Whether forks are included, excluded, or the only ones kept.
    type: str
    default: include
    choices: [include, exclude, only]
  empty:
    description:
      - Whether repositories without commits are included, excluded, or the only ones kept.
    type: str
    default: include
    choices: [include, exclude, only]
  disabled:
    description:
      - Whether repositories the forge has disabled are included, excluded, or the only ones kept.
      - GitHub refuses all git access to a disabled repository, so they are excluded by default;
        they are still counted in the C(excluded) statistics.
    type: str
    default: exclude
    choices: [include, exclude, only]
  visibility:
    description:
      - Keep only repositories of these visibilities. Empty keeps all.
    type: list
    elements: str
    default: []
    choices: [public, private, internal]
  languages:
    description:
      - Keep only repositories whose primary language is one of these (case-insensitive).
    type: list
    elements: str
    default: []
  shard:
    description:
      - V(i/N) keeps only the repositories of shard V(i) of V(N) (V(i) counts from 0).
      - A stable hash of the full path assigns every repository to exactly one shard, so N hosts
        or N CI jobs each given a different V(i) cover the owners once between them.
    type: str
  pushed_within:
    description:
      - Keep only repositories with activity within this long before the run started, a whole number and a
        unit, V(h) (hours), V(d) (days) or V(w) (weeks), for example V(365d), V(12h) or V(4w).
      - Activity is GitHub's C(pushed_at), GitLab's C(last_activity_at) (which GitLab updates at most about
        once an hour), Gitea's C(updated_at) and Bitbucket Cloud's C(updated_on); returned as C(pushed_at).
        A repository without such a time (never pushed) is left out. Bitbucket Data Center lists no such time
        and refuses the option.
      - A repository left out by this or any other filter is never pruned.
    type: str
  min_stars:
    description:
      - Keep only repositories starred by at least this many users (GitHub C(stargazers_count), GitLab
        C(star_count), Gitea C(stars_count); returned as C(stars)). Bitbucket has no stars and refuses it.
    type: int
'''
