# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# SPDX-License-Identifier: MIT
"""Placeholder until this service is implemented."""

from __future__ import annotations

from typing import Any

from .web import Request, Response, json_response


class GitLabApi:
    def __init__(self, app: Any) -> None:
        self.app = app

    def handle(self, req: Request, *args: Any) -> Response:
        return json_response(404, {"message": "404 Not Found"})
