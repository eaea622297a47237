# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`bulk-clone list` output: JSON lines for scripts, a table or a tree for people.

- ``jsonl`` writes each repository as it arrives from the forge, one JSON
  object per line (the fields asked for, all by default): nothing is kept,
  so a 100,000-repository listing streams in flat memory and ``| head``
  stops the listing.
- ``table`` aligns columns under a header on a terminal; in a pipe it writes
  tab-separated values without a header, as gh does, so ``cut`` and ``awk``
  read it. It keeps the rows to size the columns.
- ``tree`` nests groups and repositories by path (``platform/backend/api``),
  what gitlabber's ``-p`` shows; it keeps the paths.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Mapping, Sequence, TextIO

FORMATS = ("table", "jsonl", "tree")
TABLE_FIELDS = ("full_path", "visibility", "default_branch", "archived", "fork", "language")


def write_jsonl(rows: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n")
        out.flush()
        count += 1
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return " ".join(str(value).split())


def write_table(rows: Iterable[Mapping[str, Any]], fields: Sequence[str], out: TextIO, aligned: bool) -> int:
    cells = [[_cell(row.get(f)) for f in fields] for row in rows]
    if not aligned:
        for line in cells:
            out.write("\t".join(line) + "\n")
        return len(cells)
    header = [f.upper() for f in fields]
    widths = [max([len(header[i])] + [len(line[i]) for line in cells]) for i in range(len(fields))]
    for line in [header] + cells:
        out.write("  ".join(value.ljust(widths[i]) for i, value in enumerate(line)).rstrip() + "\n")
    return len(cells)


def _nest(paths: Iterable[str]) -> Dict[str, Any]:
    root: Dict[str, Any] = {}
    for path in paths:
        node = root
        for part in path.split("/"):
            node = node.setdefault(part, {})
    return root


def tree_lines(paths: Iterable[str]) -> List[str]:
    """Groups end in "/", repositories do not; groups first, then by name."""
    lines: List[str] = []

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        names = sorted(node, key=lambda n: (not node[n], n.lower()))
        for i, name in enumerate(names):
            last = i == len(names) - 1
            child = node[name]
            lines.append(prefix + ("└── " if last else "├── ") + name + ("/" if child else ""))
            walk(child, prefix + ("    " if last else "│   "))

    top = _nest(paths)
    for name in sorted(top, key=str.lower):
        lines.append(name + "/")
        walk(top[name], "")
    return lines


def write_tree(paths: Iterable[str], out: TextIO) -> int:
    paths = list(paths)
    for line in tree_lines(paths):
        out.write(line + "\n")
    return len(paths)


__all__ = ["FORMATS", "TABLE_FIELDS", "tree_lines", "write_jsonl", "write_table", "write_tree"]
