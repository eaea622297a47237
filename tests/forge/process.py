# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ForgeProcess: the forge in a child process (`python -m tests.forge`), so a
benchmark's RSS is the client's alone. Control calls go through ForgeClient."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import Any, Dict, Optional, Sequence

from .control import ForgeClient
from .urls import ForgeUrls

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ForgeProcess(ForgeClient, ForgeUrls):
    def __init__(self, specs: Sequence[str] = (), root: Optional[str] = None,
                 tokens: Sequence[str] = ("forge-token",), host: str = "127.0.0.1", port: int = 0,
                 python: Optional[str] = None, **options: Any) -> None:
        self.specs = list(specs)
        self.root = root
        self.token_list = list(tokens)
        self.host, self.port = host, port
        self.python = python or sys.executable
        self.options = options          # e.g. activity_granularity=0, gitea_max_items=50
        self.proc: Optional[subprocess.Popen] = None
        self._info: Dict[str, Any] = {}
        super().__init__("http://%s:%d" % (host, port))

    def start(self) -> "ForgeProcess":
        cmd = [self.python, "-m", "tests.forge", "--host", self.host, "--port", str(self.port)]
        for spec in self.specs:
            cmd += ["--spec", spec]
        for tok in self.token_list:
            cmd += ["--token", tok]
        if self.root:
            cmd += ["--root", self.root]
        for key, value in self.options.items():
            cmd += ["--" + key.replace("_", "-"), str(value)]
        env = dict(os.environ)
        env["PYTHONPATH"] = REPO_ROOT + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, env=env)
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise RuntimeError("forge process exited (%s) before it was ready" % code)
        self._info = json.loads(line)
        self.url = self._info["url"]
        self.port = int(self.url.rsplit(":", 1)[1])
        self.root = self._info["root"]
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None

    def __enter__(self) -> "ForgeProcess":
        return self.start() if self.proc is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def pid(self) -> Optional[int]:
        return None if self.proc is None else self.proc.pid

    @property
    def tokens(self) -> tuple:
        return tuple(self._info.get("tokens", self.token_list))

    @property
    def token(self) -> str:
        return self.tokens[0]
