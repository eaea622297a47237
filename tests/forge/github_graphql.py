# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GitHub GraphQL (POST /api/graphql) for repository listings (docs/forge-wire.md, "GitHub GraphQL").

Schema subset served (unknown fields answer GitHub's undefinedField error):
  Query: organization(login), user(login), repositoryOwner(login), viewer,
         repository(owner, name), rateLimit(dryRun)
  Organization/User: login, id, databaseId, name, url, __typename,
         repositories(first|last, after|before, orderBy{field: CREATED_AT|
         UPDATED_AT|PUSHED_AT|NAME, direction}, privacy: PUBLIC|PRIVATE,
         isFork, isArchived, ownerAffiliations)
  RepositoryConnection: totalCount, pageInfo{hasNextPage hasPreviousPage
         startCursor endCursor}, nodes, edges{cursor node}
  Repository: databaseId id name nameWithOwner url sshUrl isArchived isFork
         isDisabled isEmpty isPrivate isMirror isLocked isTemplate visibility
         pushedAt updatedAt createdAt diskUsage description hasWikiEnabled stargazerCount
         defaultBranchRef{name target{oid}} owner{login __typename}
         primaryLanguage{name} repositoryTopics(first){totalCount nodes{topic{name}}}
  RateLimit: cost limit remaining used resetAt nodeCount
Cursors are keyset cursors: opaque base64 of the sort key, so repos added or
deleted between pages shift nothing. Default order: databaseId ascending.
"""

from __future__ import annotations

import base64
import bisect
import json
from typing import Any, Dict, List, Optional, Tuple

from .auth import AuthError, Principal
from .data import fake_node_id
from .graphql_parse import Field, GraphQLSyntaxError, parse, resolve_value
from .state import ForgeOwner, ForgeRepo, iso
from .web import Request, Response, credentials, json_response

DOCS = "https://docs.github.com/graphql"
ORDER_FIELDS = {"CREATED_AT": "created_at", "UPDATED_AT": "updated_at", "PUSHED_AT": "pushed_at", "NAME": "name"}


class QueryError(Exception):
    def __init__(self, message: str, field: Optional[Field] = None, path: Optional[List[str]] = None,
                 type_: Optional[str] = None, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.field, self.path, self.type, self.code = field, path or [], type_, code

    def as_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"message": str(self)}
        if self.type:
            out["type"] = self.type
        if self.path:
            out["path"] = self.path
        if self.field is not None:
            out["locations"] = [{"line": self.field.line, "column": self.field.column}]
        if self.code:
            out["extensions"] = {"code": self.code}
        return out


def encode_cursor(key: Tuple[Any, int]) -> str:
    return base64.b64encode(("cursor:v2:" + json.dumps(list(key))).encode()).decode()


def decode_cursor(text: str) -> Tuple[Any, int]:
    try:
        raw = base64.b64decode(text.encode(), validate=True).decode()
        if not raw.startswith("cursor:v2:"):
            raise ValueError(raw)
        value, rid = json.loads(raw[len("cursor:v2:"):])
        return (value, int(rid))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise QueryError("`%s` does not appear to be a valid cursor." % text, code="argumentLiteralsIncompatible")


def cost_of(fields: List[Field], variables: Dict[str, Any], multiplier: int = 1) -> Tuple[int, int]:
    """(requests, nodes): every connection costs one request per parent
    node, assuming each `first`/`last` is filled (GitHub's own rule)."""
    requests = nodes = 0
    for f in fields:
        size = resolve_value(f.args.get("first", f.args.get("last")), variables)
        if isinstance(size, int):
            requests += multiplier
            nodes += multiplier * size
            sub_r, sub_n = cost_of(f.selections, variables, multiplier * size)
        else:
            sub_r, sub_n = cost_of(f.selections, variables, multiplier)
        requests += sub_r
        nodes += sub_n
    return requests, nodes


class GitHubGraphQL:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state

    def handle(self, req: Request, fault: Any) -> Response:
        if req.method != "POST":
            return json_response(404, {"message": "Not Found", "documentation_url": DOCS})
        try:
            who = self.app.tokens.identify(credentials(req))
        except AuthError:
            return json_response(401, {"message": "Bad credentials", "documentation_url": DOCS})
        if who is None:
            return json_response(401, {"message": "This endpoint requires you to be authenticated.",
                                       "documentation_url": DOCS + "/guides/forming-calls-with-graphql"
                                                                   "#authenticating-with-graphql"})
        key = "token:" + who.token
        budgets = self.app.gh_budgets
        if fault is not None and fault.kind == "secondary":
            return self.app.github.secondary(fault, key, "graphql", False)
        if fault is not None and fault.kind in ("graphql_rate_limited", "primary"):
            budgets.exhaust(key, "graphql", float(fault.get("reset_in", 60)), 200, False)
            return self._rate_limited(who, key)
        try:
            body = req.json()
            op = parse(body.get("query") or "", body.get("operationName"))
        except GraphQLSyntaxError as exc:
            return self._answer({"errors": [{"message": str(exc), "locations": [
                {"line": exc.line, "column": exc.column}]}]}, key)
        except (ValueError, AttributeError):
            return json_response(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
        if op.kind != "query":
            return self._answer({"errors": [{"message": "Only queries are served by the forge"}]}, key)
        variables = dict(op.var_defaults)
        variables.update(body.get("variables") or {})
        requests_needed, node_count = cost_of(op.selections, variables)
        cost = max(1, int(round(requests_needed / 100.0)))
        bucket = budgets.bucket(key, "graphql")
        if bucket.remaining < cost:
            return self._rate_limited(who, key)
        _granted, bucket = budgets.take(key, "graphql", cost)
        ctx = {"who": who, "vars": variables, "base": req.base, "cost": cost, "nodes": node_count,
               "bucket": bucket, "errors": []}
        try:
            data = self._object(op.selections, None, "Query", ctx, [])
        except QueryError as exc:
            return self._answer({"errors": [exc.as_json()]}, key)
        out: Dict[str, Any] = {"data": data}
        if ctx["errors"]:
            out["errors"] = ctx["errors"]
        return self._answer(out, key)

    def _answer(self, payload: Dict[str, Any], key: str) -> Response:
        resp = json_response(200, payload)
        self.app.github.rate_headers(resp, self.app.gh_budgets.bucket(key, "graphql"), "graphql")
        return resp

    def _rate_limited(self, who: Principal, key: str) -> Response:
        return self._answer({"errors": [{"type": "RATE_LIMITED", "code": "graphql_rate_limit",
                                         "message": "API rate limit exceeded for user ID %d." % who.user_id}]},
                            key)

    # -- execution ---------------------------------------------------------
    def _included(self, f: Field, ctx: Dict[str, Any]) -> bool:
        for name, args in f.directives:
            cond = bool(resolve_value(args.get("if"), ctx["vars"]))
            if (name == "include" and not cond) or (name == "skip" and cond):
                return False
        return True

    def _object(self, fields: List[Field], obj: Any, type_name: str, ctx: Dict[str, Any],
                path: List[str]) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for f in fields:
            if not self._included(f, ctx):
                continue
            args = {k: resolve_value(v, ctx["vars"]) for k, v in f.args.items()}
            if f.name == "__typename":
                out[f.alias] = type_name
                continue
            resolver = getattr(self, "_%s_%s" % (type_name, f.name), None)
            if resolver is None:
                raise QueryError("Field '%s' doesn't exist on type '%s'" % (f.name, type_name), f,
                                 ["query"] + path + [f.alias], code="undefinedField")
            out[f.alias] = resolver(obj, args, f, ctx, path + [f.alias])
        return out

    def _sub(self, value: Any, type_name: str, f: Field, ctx: Dict[str, Any], path: List[str]) -> Any:
        if value is None:
            return None
        return self._object(f.selections, value, type_name, ctx, path)

    # Query
    def _owner(self, login: str, kinds: Tuple[str, ...]) -> Optional[ForgeOwner]:
        owner = self.state.owner("github", login or "")
        return owner if owner is not None and owner.kind in kinds else None

    def _not_found(self, what: str, login: str, f: Field, ctx: Dict[str, Any], path: List[str]) -> None:
        article = "an" if what[0] in "AEIOU" else "a"
        ctx["errors"].append(QueryError("Could not resolve to %s %s with the login of '%s'." % (article, what, login),
                                        f, path, type_="NOT_FOUND").as_json())

    def _Query_organization(self, obj: Any, args: Dict[str, Any], f: Field, ctx: Dict[str, Any], path: List[str]):
        owner = self._owner(args.get("login"), ("org",))
        if owner is None:
            self._not_found("Organization", args.get("login"), f, ctx, path)
            return None
        return self._sub(owner, "Organization", f, ctx, path)

    def _Query_user(self, obj: Any, args: Dict[str, Any], f: Field, ctx: Dict[str, Any], path: List[str]):
        owner = self._owner(args.get("login"), ("user",))
        if owner is None:
            self._not_found("User", args.get("login"), f, ctx, path)
            return None
        return self._sub(owner, "User", f, ctx, path)

    def _Query_repositoryOwner(self, obj: Any, args: Dict[str, Any], f: Field, ctx: Dict[str, Any],
                               path: List[str]):
        owner = self._owner(args.get("login"), ("user", "org"))
        if owner is None:
            return None
        return self._sub(owner, "Organization" if owner.kind == "org" else "User", f, ctx, path)

    def _Query_viewer(self, obj: Any, args: Dict[str, Any], f: Field, ctx: Dict[str, Any], path: List[str]):
        owner = self.state.ensure_owner("github", "user", ctx["who"].login)
        return self._sub(owner, "User", f, ctx, path)

    def _Query_repository(self, obj: Any, args: Dict[str, Any], f: Field, ctx: Dict[str, Any], path: List[str]):
        repo = self.state.get("github", "%s/%s" % (args.get("owner"), args.get("name")))
        if repo is None:
            ctx["errors"].append(QueryError("Could not resolve to a Repository with the name '%s/%s'."
                                            % (args.get("owner"), args.get("name")), f, path,
                                            type_="NOT_FOUND").as_json())
            return None
        return self._sub(repo, "Repository", f, ctx, path)

    def _Query_rateLimit(self, obj: Any, args: Dict[str, Any], f: Field, ctx: Dict[str, Any], path: List[str]):
        bucket = ctx["bucket"]
        values = {"cost": ctx["cost"], "limit": bucket.limit, "remaining": bucket.remaining, "used": bucket.used,
                  "resetAt": iso(bucket.reset_at), "nodeCount": ctx["nodes"]}
        out = {}
        for sub in f.selections:
            if sub.name not in values and sub.name != "__typename":
                raise QueryError("Field '%s' doesn't exist on type 'RateLimit'" % sub.name, sub,
                                 ["query"] + path + [sub.alias], code="undefinedField")
            out[sub.alias] = "RateLimit" if sub.name == "__typename" else values[sub.name]
        return out

    # Organization / User: scalar fields are attached below the class.
    def _Organization_repositories(self, owner: ForgeOwner, args: Dict[str, Any], f: Field, ctx: Dict[str, Any],
                                   path: List[str]):
        return self._connection(owner, args, f, ctx, path)

    _User_repositories = _Organization_repositories

    def _connection(self, owner: ForgeOwner, args: Dict[str, Any], f: Field, ctx: Dict[str, Any],
                    path: List[str]) -> Dict[str, Any]:
        first, last = args.get("first"), args.get("last")
        if first is None and last is None:
            raise QueryError("You must provide a `first` or `last` value to properly paginate the "
                             "`repositories` connection.", f, path, code="missingRequiredArguments")
        for word, size in (("first", first), ("last", last)):
            if size is not None and (not isinstance(size, int) or size < 0 or size > 100):
                raise QueryError("Requesting %s records on the `repositories` connection exceeds the `%s` limit "
                                 "of 100 records." % (size, word), f, path)
        order = args.get("orderBy") or {}
        field_name = ORDER_FIELDS.get(order.get("field") or "", "id")
        desc = (order.get("direction") or "ASC") == "DESC"
        privacy = args.get("privacy")
        is_fork = args.get("isFork")
        is_archived = args.get("isArchived")
        who = ctx["who"]

        def key_of(r: ForgeRepo) -> Tuple[Any, int]:
            if field_name == "name":
                return (r.name.lower(), r.id)
            if field_name == "id":
                return (r.id, r.id)
            return (getattr(r, field_name), r.id)

        with self.state.lock:
            def build() -> List[Tuple[Any, int]]:
                rows = self.state.in_namespace("github", owner.path)
                if privacy == "PUBLIC":
                    rows = [r for r in rows if not r.private]
                elif privacy == "PRIVATE":
                    rows = [r for r in rows if r.private]
                if is_fork is not None:
                    rows = [r for r in rows if r.fork == bool(is_fork)]
                if is_archived is not None:
                    rows = [r for r in rows if r.archived == bool(is_archived)]
                if who is None:
                    rows = [r for r in rows if not r.private]
                return sorted(key_of(r) for r in rows)
            asc = self.state.cached(("gql", owner.path.lower(), field_name, privacy, is_fork, is_archived), build)
            n = len(asc)
            lo, hi = 0, n
            if args.get("after"):
                ck = decode_cursor(args["after"])
                lo = n - bisect.bisect_left(asc, ck) if desc else bisect.bisect_right(asc, ck)
            if args.get("before"):
                ck = decode_cursor(args["before"])
                hi = n - bisect.bisect_right(asc, ck) if desc else bisect.bisect_left(asc, ck)
            hi = max(lo, hi)
            if first is not None:
                start, end = lo, min(hi, lo + first)
            else:
                start, end = max(lo, hi - last), hi
            if desc:
                keys = [asc[n - 1 - i] for i in range(start, end)]
            else:
                keys = asc[start:end]
            table = self.state.repos["github"]
            repos = [table[k[1]] for k in keys if k[1] in table]
            page_info = {"hasNextPage": end < hi if first is not None else end < n,
                         "hasPreviousPage": start > 0,
                         "startCursor": encode_cursor(keys[0]) if keys else None,
                         "endCursor": encode_cursor(keys[-1]) if keys else None}
            out: Dict[str, Any] = {}
            for sub in f.selections:
                if not self._included(sub, ctx):
                    continue
                sub_path = path + [sub.alias]
                if sub.name == "totalCount":
                    out[sub.alias] = n
                elif sub.name == "pageInfo":
                    out[sub.alias] = {s.alias: ("PageInfo" if s.name == "__typename" else page_info[s.name])
                                      for s in sub.selections if s.name in page_info or s.name == "__typename"}
                elif sub.name == "nodes":
                    out[sub.alias] = [self._object(sub.selections, r, "Repository", ctx, sub_path) for r in repos]
                elif sub.name == "edges":
                    edges = []
                    for k, r in zip(keys, repos):
                        edge = {}
                        for e in sub.selections:
                            if e.name == "cursor":
                                edge[e.alias] = encode_cursor(k)
                            elif e.name == "node":
                                edge[e.alias] = self._object(e.selections, r, "Repository", ctx, sub_path)
                            elif e.name == "__typename":
                                edge[e.alias] = "RepositoryEdge"
                        edges.append(edge)
                    out[sub.alias] = edges
                elif sub.name == "__typename":
                    out[sub.alias] = "RepositoryConnection"
                else:
                    raise QueryError("Field '%s' doesn't exist on type 'RepositoryConnection'" % sub.name, sub,
                                     ["query"] + sub_path, code="undefinedField")
            return out

    # Repository: scalar fields are attached below the class.
    def _Repository_defaultBranchRef(self, r: ForgeRepo, args: Dict[str, Any], f: Field, ctx: Dict[str, Any],
                                     path: List[str]):
        if r.empty:
            return None
        return self._sub(r, "Ref", f, ctx, path)

    def _Ref_name(self, r: ForgeRepo, *rest: Any) -> str:
        return r.default_branch

    def _Ref_target(self, r: ForgeRepo, args: Dict[str, Any], f: Field, ctx: Dict[str, Any], path: List[str]):
        return self._sub(r, "Commit", f, ctx, path)

    def _Commit_oid(self, r: ForgeRepo, *rest: Any) -> Optional[str]:
        return r.refs.get("refs/heads/" + r.default_branch)

    def _Repository_owner(self, r: ForgeRepo, args: Dict[str, Any], f: Field, ctx: Dict[str, Any], path: List[str]):
        owner = self.state.owner("github", r.namespace)
        return self._sub(owner, "Organization" if owner and owner.kind == "org" else "User", f, ctx, path)

    def _Repository_primaryLanguage(self, r: ForgeRepo, args: Dict[str, Any], f: Field, ctx: Dict[str, Any],
                                    path: List[str]):
        return None if r.language is None else self._sub(r.language, "Language", f, ctx, path)

    def _Language_name(self, language: str, *rest: Any) -> str:
        return language

    def _Repository_repositoryTopics(self, r: ForgeRepo, args: Dict[str, Any], f: Field, ctx: Dict[str, Any],
                                     path: List[str]):
        topics = list(r.topics)[: int(args.get("first") or 100)]
        out: Dict[str, Any] = {}
        for sub in f.selections:
            if sub.name == "totalCount":
                out[sub.alias] = len(r.topics)
            elif sub.name == "nodes":
                out[sub.alias] = [self._object(sub.selections, t, "RepositoryTopic", ctx, path) for t in topics]
            elif sub.name == "__typename":
                out[sub.alias] = "RepositoryTopicConnection"
            else:
                raise QueryError("Field '%s' doesn't exist on type 'RepositoryTopicConnection'" % sub.name, sub,
                                 ["query"] + path + [sub.alias], code="undefinedField")
        return out

    def _RepositoryTopic_topic(self, topic: str, args: Dict[str, Any], f: Field, ctx: Dict[str, Any],
                               path: List[str]):
        return self._sub(topic, "Topic", f, ctx, path)

    def _Topic_name(self, topic: str, *rest: Any) -> str:
        return topic


def _owner_field(name: str) -> Any:
    def resolver(self: GitHubGraphQL, owner: ForgeOwner, args: Dict[str, Any], f: Field, ctx: Dict[str, Any],
                 path: List[str]) -> Any:
        values = {"login": owner.path, "id": fake_node_id("O" if owner.kind == "org" else "U", owner.id),
                  "databaseId": owner.id, "name": owner.path, "url": "%s/%s" % (ctx["base"], owner.path)}
        return values[name]
    return resolver


def _repo_field(name: str) -> Any:
    def resolver(self: GitHubGraphQL, r: ForgeRepo, args: Dict[str, Any], f: Field, ctx: Dict[str, Any],
                 path: List[str]) -> Any:
        base = ctx["base"]
        host = base.split("//", 1)[1].split(":")[0]
        values = {
            "databaseId": lambda: r.id,
            "id": lambda: fake_node_id("R", r.id),
            "name": lambda: r.name,
            "nameWithOwner": lambda: r.full_path,
            "url": lambda: "%s/%s" % (base, r.full_path),
            "sshUrl": lambda: "git@%s:%s.git" % (host, r.full_path),
            "isArchived": lambda: r.archived,
            "isFork": lambda: r.fork,
            "isDisabled": lambda: r.disabled,
            "isEmpty": lambda: r.empty,
            "isPrivate": lambda: r.private,
            "isMirror": lambda: r.mirror,
            "isLocked": lambda: False,
            "isTemplate": lambda: False,
            "visibility": r.visibility.upper,
            "pushedAt": lambda: iso(r.pushed_at),
            "updatedAt": lambda: iso(r.updated_at),
            "createdAt": lambda: iso(r.created_at),
            "diskUsage": lambda: r.size_kb,
            "stargazerCount": lambda: r.index % 50,
            "description": lambda: r.description,
            "hasWikiEnabled": lambda: r.has_wiki,
        }
        return values[name]()
    return resolver


# Resolvers are looked up as _<Type>_<field>; scalar ones are generated here.
for _type in ("Organization", "User"):
    for _name in ("login", "id", "databaseId", "name", "url"):
        setattr(GitHubGraphQL, "_%s_%s" % (_type, _name), _owner_field(_name))
for _name in ("databaseId", "id", "name", "nameWithOwner", "url", "sshUrl", "isArchived", "isFork", "isDisabled",
              "isEmpty", "isPrivate", "isMirror", "isLocked", "isTemplate", "visibility", "pushedAt", "updatedAt",
              "createdAt", "diskUsage", "description", "hasWikiEnabled", "stargazerCount"):
    setattr(GitHubGraphQL, "_Repository_" + _name, _repo_field(_name))
