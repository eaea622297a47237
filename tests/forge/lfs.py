# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A minimal Git LFS server: the Batch API (download) and basic transfers.

Follows git-lfs's docs/api/batch.md and docs/api/basic-transfers.md (the
spec every forge implements; GitHub, GitLab and Gitea serve it at the same
place):

- `POST {repo}.git/info/lfs/objects/batch` with `Accept` and `Content-Type`
  `application/vnd.git-lfs+json`, body `{operation, transfers, ref, objects:
  [{oid, size}], hash_algo}`; answer `{transfer: "basic", objects: [{oid,
  size, authenticated, actions: {download: {href, header, expires_in}}}],
  hash_algo: "sha256"}`, an object the server does not have carrying
  `error: {code: 404, message: "Object does not exist"}` instead of
  actions. Private repos need the token (401 with `LFS-Authenticate`
  otherwise); `upload` is refused with 403 (nothing here accepts pushes of
  LFS objects).
- `GET` of the download `href` (here `{repo}.git/info/lfs/objects/{oid}`,
  authorised by the one-time header the batch answer handed out, as a
  forge's storage URL is) answers the raw bytes.

Which repos have LFS files: an owner spec's `lfs=K` gives its first K
non-empty repos a `.gitattributes` (`*.bin filter=lfs diff=lfs merge=lfs
-text`) and `assets/model.bin` committed as a pointer file (version, oid
sha256:..., size), the object itself kept here.
Counters: lfs:batch, lfs:download.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import urllib.parse
from typing import Any, Dict, Optional, Tuple

from .web import Request, Response, credentials, json_response, text_response

MEDIA = "application/vnd.git-lfs+json"
ATTRIBUTES = b"*.bin filter=lfs diff=lfs merge=lfs -text\n"
LFS_PATH = "assets/model.bin"
_PREFIXES = (("/gitlab/", "gitlab"), ("/gitea/", "gitea"))


def lfs_content(full_path: str) -> bytes:
    """The object a repo's LFS file holds: deterministic, a few KB."""
    return ("large file of %s\n" % full_path).encode() * 200


def pointer(content: bytes) -> Tuple[str, bytes]:
    """(oid, pointer file) as git-lfs writes it (docs/spec.md)."""
    oid = hashlib.sha256(content).hexdigest()
    text = "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n" % (oid, len(content))
    return oid, text.encode()


def lfs_files(full_path: str, objects: Dict[str, bytes]) -> Dict[str, bytes]:
    """The files a repo with LFS commits; the object goes into `objects`."""
    content = lfs_content(full_path)
    oid, text = pointer(content)
    objects[oid] = content
    return {".gitattributes": ATTRIBUTES, LFS_PATH: text}


def _lfs_json(status: int, body: Dict[str, Any], headers: Optional[list] = None) -> Response:
    resp = json_response(status, body, headers)
    resp.headers = [(k, v) for k, v in resp.headers if k.lower() != "content-type"] + [("Content-Type", MEDIA)]
    return resp


class LfsServer:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state
        self._grants: Dict[str, str] = {}       # one-time download header value -> oid
        self._lock = threading.Lock()

    @staticmethod
    def parse(path: str) -> Optional[Tuple[str, str, str]]:
        """(service, repo full path, rest after info/lfs/) or None."""
        raw = urllib.parse.unquote(path)
        marker = ".git/info/lfs/"
        if marker not in raw:
            return None
        repo_part, rest = raw.split(marker, 1)
        service = "github"
        for prefix, name in _PREFIXES:
            if repo_part.startswith(prefix):
                service, repo_part = name, repo_part[len(prefix) - 1:]
                break
        return service, repo_part.lstrip("/"), rest

    def handle(self, req: Request, parsed: Tuple[str, str, str]) -> Response:
        service, full_path, rest = parsed
        with self.state.lock:
            repo = self.state.get(service, full_path)
        if repo is None:
            return _lfs_json(404, {"message": "Not Found"})
        if rest == "objects/batch" and req.method == "POST":
            self.app.count("lfs:batch")
            return self._batch(req, repo, full_path)
        if rest.startswith("objects/") and req.method == "GET":
            self.app.count("lfs:download")
            return self._download(req, rest[len("objects/"):])
        return _lfs_json(404, {"message": "Not Found"})

    def _batch(self, req: Request, repo: Any, full_path: str) -> Response:
        if repo.private and not self.app.tokens.is_valid(credentials(req)):
            return _lfs_json(401, {"message": "Credentials needed"},
                             [("LFS-Authenticate", 'Basic realm="Git LFS"')])
        try:
            body = json.loads(req.body.decode("utf-8") or "{}")
        except ValueError:
            return _lfs_json(422, {"message": "Unprocessable Entity"})
        if body.get("operation") != "download":
            return _lfs_json(403, {"message": "You do not have permission to upload LFS objects here"})
        if body.get("hash_algo", "sha256") != "sha256":
            return _lfs_json(409, {"message": "Unsupported hash algorithm"})
        objects = []
        for item in body.get("objects") or []:
            oid, size = str(item.get("oid", "")), item.get("size")
            content = self.state.lfs_objects.get(oid)
            if content is None:
                objects.append({"oid": oid, "size": size, "error": {"code": 404, "message": "Object does not exist"}})
                continue
            grant = "RemoteAuth " + secrets.token_hex(16)
            with self._lock:
                self._grants[grant] = oid
            base = req.base + ("/%s" % service_prefix(repo.service)).rstrip("/")
            objects.append({"oid": oid, "size": len(content), "authenticated": True, "actions": {"download": {
                "href": "%s/%s.git/info/lfs/objects/%s" % (base, full_path, oid),
                "header": {"Authorization": grant}, "expires_in": 3600}}})
        return _lfs_json(200, {"transfer": "basic", "objects": objects, "hash_algo": "sha256"})

    def _download(self, req: Request, oid: str) -> Response:
        grant = req.header("Authorization") or ""
        with self._lock:
            allowed = self._grants.get(grant) == oid
        content = self.state.lfs_objects.get(oid)
        if not allowed or content is None:
            return text_response(404, "Not Found\n")
        return Response(status=200, body=content, headers=[("Content-Type", "application/octet-stream")])


def service_prefix(service: str) -> str:
    return {"gitlab": "gitlab", "gitea": "gitea"}.get(service, "")
