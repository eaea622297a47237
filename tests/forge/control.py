# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The control surface over HTTP (/_forge/<method>), and ForgeClient, which
offers the same methods as Forge for a forge running in another process.

Control calls are not counted and need no token: they are the test's
hands, not a client's.
"""

from __future__ import annotations

import json
import traceback
import urllib.error
import urllib.request
from typing import Any, Dict, Iterable, List, Optional

from .web import Request, Response, json_response

METHODS = ("info", "repos", "counters", "reset_counters", "git_requests_by_repo", "inject", "clear_faults",
           "list_faults", "push_commits", "add_repos", "delete_repos", "rename_repo", "archive_repos",
           "set_rate_limit", "reset_rate_limits", "owner_info", "all_owners")


def handle_control(app: Any, req: Request) -> Response:
    name = req.path[len("/_forge/"):].strip("/")
    if name not in METHODS:
        return json_response(404, {"error": "unknown control method %r" % name, "methods": list(METHODS)})
    try:
        kwargs = req.json() if req.body else {}
        result = getattr(app, name)(**kwargs)
    except Exception as exc:  # the caller re-raises it on its side
        return json_response(400, {"error": "%s: %s" % (type(exc).__name__, exc),
                                   "traceback": traceback.format_exc()})
    return json_response(200, {"result": result})


class ForgeControlError(RuntimeError):
    pass


class ForgeClient:
    """Drives a forge in another process; same control methods as Forge."""

    def __init__(self, url: str, timeout: float = 120.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, name: str, **kwargs: Any) -> Any:
        data = json.dumps(kwargs).encode("utf-8")
        request = urllib.request.Request(self.url + "/_forge/" + name, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                return json.loads(resp.read().decode("utf-8"))["result"]
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace")
            try:
                message = json.loads(body)["error"]
            except (ValueError, KeyError):
                message = body
            raise ForgeControlError("forge control %s failed: %s" % (name, message)) from None

    def info(self) -> Dict[str, Any]:
        return self._call("info")

    def repos(self, service: str, owner: str) -> List[Dict[str, Any]]:
        return self._call("repos", service=service, owner=owner)

    def counters(self) -> Dict[str, int]:
        return self._call("counters")

    def reset_counters(self) -> None:
        self._call("reset_counters")

    def git_requests_by_repo(self, service: Optional[str] = None) -> Dict[str, Dict[str, int]]:
        return self._call("git_requests_by_repo", service=service)

    def inject(self, fault: Dict[str, Any]) -> str:
        return self._call("inject", fault=fault)

    def clear_faults(self) -> None:
        self._call("clear_faults")

    def list_faults(self) -> List[Dict[str, Any]]:
        return self._call("list_faults")

    def push_commits(self, service: str, full_paths: Optional[Iterable[str]] = None,
                     count: Optional[int] = None) -> List[str]:
        return self._call("push_commits", service=service,
                          full_paths=None if full_paths is None else list(full_paths), count=count)

    def add_repos(self, service: str, owner: str, n: int) -> List[str]:
        return self._call("add_repos", service=service, owner=owner, n=n)

    def delete_repos(self, service: str, full_paths: Iterable[str]) -> List[str]:
        return self._call("delete_repos", service=service, full_paths=list(full_paths))

    def rename_repo(self, service: str, full_path: str, new_name: str) -> str:
        return self._call("rename_repo", service=service, full_path=full_path, new_name=new_name)

    def archive_repos(self, service: str, full_paths: Iterable[str]) -> List[str]:
        return self._call("archive_repos", service=service, full_paths=list(full_paths))

    def set_rate_limit(self, service: str = "github", limit: int = 5000, remaining: Optional[int] = None,
                       reset_in: float = 3600, resource: str = "core", token: Optional[str] = None) -> None:
        self._call("set_rate_limit", service=service, limit=limit, remaining=remaining, reset_in=reset_in,
                   resource=resource, token=token)

    def reset_rate_limits(self) -> None:
        self._call("reset_rate_limits")

    def owner_info(self, service: str, owner: str) -> Optional[Dict[str, Any]]:
        return self._call("owner_info", service=service, owner=owner)

    def all_owners(self, service: str) -> List[Dict[str, Any]]:
        return self._call("all_owners", service=service)
