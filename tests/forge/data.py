# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Deterministic, realistic variety: every trait of a generated repo is a pure
function of its service and index, so the same spec gives the same data (and
the same commit shas) on every run.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .gitstore import CommitPlan

EPOCH = 1420070400                      # 2015-01-01T00:00:00Z
WORDS = ("api", "web", "cli", "infra", "docs", "lib", "svc", "tool", "data", "auth", "ops", "ui", "sdk")
LANGUAGES = ("Python", "Go", "Shell", None, "JavaScript", "Rust", "TypeScript", "Java")
TOPICS = ("python", "infra", "ansible", "web", "cli", "data", "security", "ci", "k8s")
BRANCHES = ("main", "main", "main", "main", "master", "develop", "trunk")
BIG_BLOB_BYTES = 3 * 1024 * 1024


@dataclass(frozen=True)
class Traits:
    name: str              # path segment (GitLab `path`)
    display_name: str      # GitLab `name` (sometimes differs from path)
    visibility: str        # public | private | internal
    archived: bool
    fork: bool
    disabled: bool
    empty: bool
    mirror: bool
    default_branch: str
    topics: Tuple[str, ...]
    language: Optional[str]
    description: str


def traits(service: str, index: int) -> Traits:
    i = index
    word = WORDS[(i * 7) % len(WORDS)]
    if i % 17 == 4:
        word = word.capitalize()        # names are case-insensitive on the forges
    elif i % 19 == 6:
        word = word + "_kit"
    elif i % 23 == 11:
        word = word + ".core"
    name = "%s-%d" % (word, i)
    display = name
    if service == "gitlab" and i % 9 == 4:
        display = name.replace("-", " ").replace("_", " ").title()
    if service in ("bitbucket", "bitbucket-server"):
        # Bitbucket slugifies the name it was given: the slug (the URL and
        # folder name) is lower case, the display name keeps its capitals.
        name = name.lower()
    visibility = "public"
    if i % 5 == 1:
        visibility = "private"
    elif service == "gitlab" and i % 7 == 2:
        visibility = "internal"
    n_topics = 0 if service in ("bitbucket", "bitbucket-server") else i % 4   # Bitbucket has no topics
    topics = tuple(sorted({TOPICS[(i + k * 5) % len(TOPICS)] for k in range(n_topics)}))
    return Traits(
        name=name,
        display_name=display,
        visibility=visibility,
        archived=(i % 11 == 3 and service != "bitbucket"),   # Bitbucket Cloud has no archiving
        fork=(i % 13 == 5),
        disabled=(service == "github" and i % 97 == 50),
        empty=(i % 23 == 7),
        mirror=(service == "gitea" and i % 31 == 17),
        default_branch=BRANCHES[i % len(BRANCHES)],
        topics=topics,
        language=None if service == "bitbucket-server" else LANGUAGES[i % len(LANGUAGES)],
        description="%s component number %d" % (word, i),
    )


def timestamps(seq: int, index: int, empty: bool) -> Tuple[int, int]:
    """(created, pushed): creation follows the global sequence; pushes are
    scattered so sort=pushed differs from sort=created. 20 minutes apart, so
    that up to about 270,000 repositories of one forge all lie in the past
    (a forge never reports a push in the future; the changed-first listing
    relies on it)."""
    created = EPOCH + seq * 1201
    pushed = created if empty else created + 60 + (index * 7919) % 5_000_000
    return created, pushed


def big_blob(seed: int) -> bytes:
    """Incompressible (random) but deterministic, so packs really are big."""
    return random.Random(seed).randbytes(BIG_BLOB_BYTES)


_SOURCE = {
    "Python": ("main.py", "print('hello from %s')\n"),
    "Go": ("main.go", "package main\n\n// %s\nfunc main() {}\n"),
    "Shell": ("run.sh", "#!/bin/sh\necho %s\n"),
    "JavaScript": ("index.js", "console.log('%s');\n"),
    "Rust": ("main.rs", "fn main() { println!(\"%s\"); }\n"),
    "TypeScript": ("index.ts", "export const name = '%s';\n"),
    "Java": ("Main.java", "class Main { /* %s */ }\n"),
}


def initial_commits(key: str, full_path: str, t: Traits, created: int, pushed: int,
                    big: bool, seed: int) -> List[CommitPlan]:
    """Two commits (the second moves README); big repos get a large blob."""
    src_name, src_text = _SOURCE.get(t.language or "", ("NOTES.txt", "notes for %s\n"))
    files: Dict[str, bytes] = {
        "README.md": ("# %s\n\n%s\n" % (full_path, t.description)).encode(),
        src_name: (src_text % full_path).encode(),
    }
    if big:
        files["assets/big.bin"] = big_blob(seed)
    first = CommitPlan(key=key + "#1", message="Initial commit of %s\n" % full_path,
                       timestamp=created, files=files)
    second = CommitPlan(key=key + "#2", message="Describe %s\n" % full_path, timestamp=pushed,
                        parent=first.key,
                        files={"README.md": ("# %s\n\n%s\n\nSecond revision.\n" % (full_path, t.description)).encode()})
    return [first, second]


def refs_for(index: int, default_branch: str, shas: Dict[str, str], key: str) -> Dict[str, str]:
    refs = {"refs/heads/" + default_branch: shas[key + "#2"]}
    if index % 4 == 0:
        refs["refs/heads/feature/%s" % WORDS[index % len(WORDS)]] = shas[key + "#1"]
        refs["refs/tags/v1.0"] = shas[key + "#2"]
    return refs


def push_commit(key: str, full_path: str, parent: Optional[str], number: int, timestamp: int) -> CommitPlan:
    body = ("change %d of %s\n" % (number, full_path)).encode()
    return CommitPlan(key=key, message="Change %d of %s\n" % (number, full_path), timestamp=timestamp,
                      files={"CHANGES.md": body}, parent=parent)


def fake_node_id(kind: str, ident: int) -> str:
    return "%s_%s" % (kind, hashlib.sha1(b"%d" % ident).hexdigest()[:14])
