# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local forge: GitHub REST + GraphQL, GitLab v4, Gitea v1, Bitbucket Cloud
2.0, Bitbucket Data Center 1.0 and real git over smart HTTP, on 127.0.0.1,
for integration tests, benchmarks and demos.

    from tests.forge import Forge, ForgeClient, ForgeProcess
    with Forge(specs=["github:acme:500", "gitlab:platform:60", "gitea:tools:20"]) as forge:
        forge.github_api, forge.github_graphql, forge.gitlab_url, forge.gitea_api,
        forge.bitbucket_api, forge.bitbucket_server_url

Spec grammar: ``SERVICE:OWNER:COUNT[:opt=v,...]``
    SERVICE  github | github-user | gitlab | gitlab-user | gitea | gitea-user |
             bitbucket | bitbucket-server | bitbucket-server-user
             (github/gitea: an organization; gitlab: a group; *-user: a user;
             bitbucket: a Cloud workspace; bitbucket-server: a Data Center
             project key; bitbucket-server-user: a personal project, ~USER)
    OWNER    login, or for gitlab a group path that may be nested (a/b); parents
             are created as needed
    COUNT    number of repos (0 is fine: an empty owner)
    opts     big=K    K repos carry a 3 MiB incompressible, deterministic blob
             flat=1   gitlab group without subgroups; otherwise GROUP,
                      GROUP/sub-a, GROUP/sub-a/deep, GROUP/sub-b are created
                      and the projects spread round-robin over them
             projects=K  bitbucket workspace: the repos spread round-robin
                      over K projects PRJ0..PRJ(K-1) (default 1)
             lfs=K    the first K non-empty repos commit assets/model.bin as
                      a Git LFS pointer; the Batch API serves the object
                      (lfs.py; ``forge.lfs_truth(service, full_path)``)
             gists=K  github-user: K gists (every third one secret), at
                      /users/U/gists, /gists and git /gist/ID.git (gists.py)
             snippets=K  gitlab-user: K personal snippets (/snippets);
                      gitlab group: its first K projects get one snippet
                      each (/projects/:id/snippets); git
                      /gitlab/[PROJECT/]snippets/ID.git
             shared=K gitlab group: K of forge-admin's projects are shared
                      with it, so /groups/:id/projects lists them unless
                      with_shared=false (GitLab's default is true); they are
                      not in forge.repos(..., GROUP)
             starred=K  *-user: the user stars K repos of the service (spread
                      evenly by id: several owners, often the user's own);
                      listed by GitHub /users/U/starred and /user/starred,
                      GitLab /users/:id/starred_projects, Gitea
                      /users/U/starred and /user/starred. Truth:
                      ``forge.starred(service, login)``, oldest star first;
                      ``forge.star_repos`` / ``unstar_repos`` change it
Always present: user ``forge-admin`` (the first token's login) with 3 repos on
every service (``admin_repos=``), and owner ``mirror-target`` (org/group)
which accepts pushes that create repos (push-to-create). Other tokens are
``forge-user-N``. Every valid token sees private repos; anonymous callers see
public ones only.

Variety is a pure function of the repo's index within its owner (see data.py):
empty (i%23==7), archived (i%11==3), fork (i%13==5), private (i%5==1), GitLab
internal (i%7==2), GitHub disabled (i%97==50), Gitea mirror (i%31==17),
default branch main/master/develop/trunk, 0-3 topics, language (sometimes
null), names like ``web-12`` with some capitalised (``Docs-4``), ``_kit`` and
``.core`` names; GitLab display names sometimes differ from the path (the
truth's ``name`` is always the path). Two commits each; every fourth repo
also has a ``feature/...`` branch and a ``v1.0`` tag. Same spec, same data,
same commit shas.

Ground truth ``forge.repos(service, owner)`` -> list of dicts sorted by id:
id, full_path, name, owner (namespace incl. subgroups), private, visibility,
archived, fork, empty, disabled, default_branch, marker (GitHub pushed_at,
GitLab last_activity_at, Gitea updated_at, as the API renders them),
clone_url, topics, language, head (sha of the default branch), big.

Git URLs: GitHub ``{url}/{owner}/{name}.git``, GitLab ``{url}/gitlab/{path}.git``,
Gitea ``{url}/gitea/{owner}/{name}.git``, Bitbucket Cloud
``{url}/bitbucket/{ws}/{slug}.git``, Data Center ``{url}/bbs/scm/{key}/{slug}.git``
(key in lower case). Private repos need the token (Basic
password or user, ``Bearer``/``token`` header); the answer is 401 with
``WWW-Authenticate: Basic realm="forge"`` otherwise.

Bitbucket repos have lower-case slugs, no topics; Cloud repos are never
archived and carry ``uuid`` and ``project`` in the truth; Data Center repos
have no marker (""), no language. Bitbucket credentials follow Bitbucket's
rules (see bitbucket_auth.py): Cloud access tokens are the forge's tokens
(Bearer; git user x-token-auth), Cloud API tokens are
``bitbucket_api_tokens`` of forge-admin (Basic forge-admin@forge.test; git
user forge-admin or x-bitbucket-api-token-auth), ``bitbucket_app_passwords``
are always refused; Data Center takes the forge's tokens as Bearer or Basic
with the token's login.

Counters (``forge.counters()``): api:github:list, api:github:rest,
api:github:graphql, api:gitlab, api:gitlab:list, api:gitea, api:gitea:list,
api:bitbucket, api:bitbucket:list, api:bitbucket-server,
api:bitbucket-server:list,
lfs:batch, lfs:download,
git:info-refs, git:upload-pack, git:receive-pack, status:<code>, bytes:sent.

Faults (``forge.inject(dict) -> id``; ``forge.clear_faults()``). Common keys:
    kind, service (github|gitlab|gitea|bitbucket|bitbucket-server|git;
    GraphQL is github), path (regex
    searched in the raw request target, path?query), after (fire from the Nth
    matching request, 1-based, default 1), times (default 1; -1 forever).
Kinds and their own keys:
    secondary   GitHub secondary limit: status 403|429 (403), retry_after (s,
                optional), message; rate headers keep remaining > 0
    primary     GitHub budget exhausted: status 403|429 (403), reset_in (60 s);
                the caller's core budget then stays at 0 until reset
    graphql_rate_limited  HTTP 200 with errors[type=RATE_LIMITED], remaining 0;
                reset_in (60 s) exhausts the graphql budget for real
    gitlab_429  retry_after (s, default 1) or retry_after_date (seconds from now,
                sent as an HTTP date; or a literal string); form="endpoint" for
                the per-endpoint JSON body without RateLimit headers
    bitbucket_429  Bitbucket Cloud's 429 "Rate limit for this resource has been
                exceeded", no Retry-After
    status      status (500), body (dict -> JSON, str -> text), headers (dict)
    truncate    valid headers, JSON body cut in half
    slow        seconds (2) before answering normally
    mutate      mutation {op: add|delete|rename|archive|push|star|unstar, service,
                owner, n, full_paths, full_path, new_name, count, login} applied just before the
                matching request is answered (the op keys may also be top-level)
    reset_pack  git: the upload-pack that carries a pack sends `bytes` (half)
                of its answer, then the connection is reset; rate (bytes/s,
                optional) trickles that part instead of sending it at once
    stall_pack  git: like reset_pack, but waits `seconds` (30) before the reset
                (with rate, git shows bytes received before the stall)
    git_status  git: status 404 | 403 | 401 (no WWW-Authenticate), body
    git_redirect  git: answers the matching git requests (info/refs and the
                POSTs alike; narrow with path) with status 302 | 301 | 303 |
                307 | 308 and Location = `location` + the request's own
                path?query (keep_path false: `location` verbatim). Before any
                auth check, like a forge that moved the repo
    foreign_clone_url  github|gitlab|gitea: the https clone URL in listing and
                repo answers (REST clone_url, GitLab http_url_to_repo, Gitea
                clone_url, GraphQL url) gets origin `base` (path kept), for
                the repos in `repos` (full paths; all if absent)
    drop_field  field ("archived") removed from every repo object of the answer
    strip_link  rels (["last"]) removed from the Link header; GitLab's
                X-Total/X-Total-Pages go too when "last" is removed
    api_redirect  API: status (302) with Location = location + the request's
                path?query (keep_path=False: location alone); see api_capture.py

Constructor options (also --flags of ``python -m tests.forge`` and keyword
arguments of ForgeProcess): activity_granularity (GitLab last_activity_at
moves only when older than this, default 3600 s), gitea_max_items (50),
gitea_default_limit (30), app_id (check the JWT's iss; default: any),
app_token_lifetime (3600 s), admin_repos (3), bitbucket_api_tokens (()),
bitbucket_app_passwords (()), bitbucket_server_max_limit (1000; Data
Center's cap on `limit`).

A stranger's host for those two: ``tests.forge.capture.CaptureServer`` records
every request (line, headers, body) and answers 401 with a Basic challenge;
``credential_like(request, *secrets)`` lists what in one looks like a
credential.

Wikis (wikis.py): a repo's ``NAME.wiki.git`` is served when its wiki is
enabled (has_wiki: index % 3 != 0) and created (index % 3 == 2, or after
``forge.push_wiki(service, full_path)``); enabled but never created answers
404 like the forges. ``forge.wiki_truth(service, full_path)``. Gists and
snippets: ``forge.gists_truth(service)``, ``forge.push_gist(service, id)``.

Served API surface: see github_rest.py, github_graphql.py (the GraphQL schema
subset and query language subset), gitlab_api.py, gitea_api.py,
bitbucket_api.py, bitbucket_server_api.py, githttp.py.
Budgets: GitHub 5,000/h per token for core and graphql separately (60/h
anonymous), GitLab 2,000/min per token, Bitbucket Cloud 1,000 per rolling
hour per caller (60 anonymous); ``set_rate_limit(...)`` changes them
(service="bitbucket": reset_in is the rolling window's length),
``reset_rate_limits()`` restores them.
"""

from __future__ import annotations

from .control import ForgeClient, ForgeControlError
from .forge import Forge
from .process import ForgeProcess
from .specs import OwnerSpec, parse_spec

__all__ = ["Forge", "ForgeClient", "ForgeControlError", "ForgeProcess", "OwnerSpec", "parse_spec"]
