# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offset pages and Link headers, in each forge's exact spelling."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, TypeVar

from .web import Request

T = TypeVar("T")


def page_slice(items: Sequence[T], page: int, per_page: int) -> List[T]:
    start = (page - 1) * per_page
    return list(items[start:start + per_page])


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def replace_param(params: List[Tuple[str, str]], name: str, value: str) -> List[Tuple[str, str]]:
    """Carry every query parameter into the link, in place, with `name` set
    to value (appended when absent)."""
    result: List[Tuple[str, str]] = []
    replaced = False
    for k, v in params:
        if k != name:
            result.append((k, v))
        elif not replaced:
            result.append((k, value))
            replaced = True
    if not replaced:
        result.append((name, value))
    return result


def link_header(req: Request, path: str, page: int, last: Optional[int], rels_order: Sequence[str],
                sep: str = ", ", page_param: str = "page", always_first_last: bool = False,
                params: Optional[List[Tuple[str, str]]] = None, has_next: Optional[bool] = None) -> Optional[str]:
    """`<url>; rel="next", <url>; rel="last"` (GitHub, GitLab) or with sep=","
    (Gitea). GitHub and Gitea give next/last only before the last page and
    prev/first only after the first; GitLab always gives first/last.
    `last` None leaves rel=last out (GitLab above 10,000 rows); then
    `has_next` says whether a next page exists."""
    base_params = list(req.query if params is None else params)
    targets = {}
    if page > 1:
        targets["prev"] = page - 1
    if has_next is None:
        has_next = last is None or page < last
    if has_next:
        targets["next"] = page + 1
    if always_first_last or page > 1:
        targets["first"] = 1
    if last is not None and (always_first_last or page < last):
        targets["last"] = last
    parts = []
    for rel in rels_order:
        if rel in targets:
            url = req.url_with(path, replace_param(base_params, page_param, str(targets[rel])))
            parts.append('<%s>; rel="%s"' % (url, rel))
    return sep.join(parts) if parts else None
