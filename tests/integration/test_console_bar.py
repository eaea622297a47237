# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 12, points 7 and 8: what a person sees while the console runs.

The installed `bulk-clone` runs on a real pseudo-terminal (python's pty
module: the child's stdin, stdout and stderr are the terminal) against the
local forge, with a large repository whose pack the forge trickles (so
bytes are received for seconds; the terminal tests) and one repository git
cannot find (a failure). On a terminal: a live bar with done/total, rate, ETA, failures so
far and the repositories in flight with their bytes; NO_COLOR: the same
without colours. In a pipe and in CI: plain progress lines, no escape codes.
"""

from __future__ import annotations

import errno
import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from ansible_support import TOKEN_VARIABLES

TOKEN = "forge-token"
COMMAND = shutil.which("bulk-clone", path=str(Path(sys.executable).parent))
BASE = [COMMAND] if COMMAND else [sys.executable, "-m", "bulk_clone_engine.console"]
RATE = 512 << 10          # half of the big pack in about 3 s, then a reset: git retries and succeeds
SGR = re.compile(r"\x1b\[([0-9;]*)m")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def org(fresh_forge, hermetic_git):
    forge = fresh_forge(["github:acme:10:big=1"], tokens=(TOKEN,))
    repos = forge.repos("github", "acme")
    big = next(r["full_path"] for r in repos if r["big"])
    lost = sorted(r["full_path"] for r in repos if not r["empty"] and not r["big"])[0]
    forge.inject({"kind": "git_status", "path": "^/%s\\.git/" % re.escape(lost), "status": 404, "times": -1})
    forge.big, forge.lost, forge.total = big, lost, len(repos)  # type: ignore[attr-defined]
    return forge


def environment(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in TOKEN_VARIABLES and not k.startswith(("GITHUB_", "BULK_CLONE_"))
           and k not in ("CI", "NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "LINES")}
    env.update(BULK_CLONE_TOKEN=TOKEN, TERM="xterm-256color", GIT_TERMINAL_PROMPT="0")
    env.update(extra)
    return env


def argv(forge, dest: Path) -> List[str]:
    return BASE + ["--api-url", forge.github_api, "--owners", "acme", "--dest", str(dest), "--concurrency", "4",
                   "--max-failures", "1", "--progress-every", "1"]


def on_a_terminal(cmd: List[str], env: Dict[str, str]) -> Tuple[int, str]:
    """Run cmd with a pseudo-terminal (120x40) as its stdin, stdout and stderr; (status, all it wrote)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError as exc:          # EIO: the child closed the terminal
            if exc.errno != errno.EIO:
                raise
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=300), b"".join(chunks).decode("utf-8", "replace")


def colours(text: str) -> List[str]:
    """The SGR sequences that set a colour (foreground or background), not bold or dim."""
    found = []
    for params in SGR.findall(text):
        codes = [int(p) for p in params.split(";") if p.isdigit()]
        if any(30 <= c <= 49 or 90 <= c <= 107 for c in codes):
            found.append(params)
    return found


def frames(text: str) -> str:
    """The screen output without its escape codes, one line per line drawn: a redraw
    (cursor up, erase line) starts a new line instead of gluing frames together."""
    return ANSI.sub("", re.sub(r"\x1b\[\d*[AK]", "\n", text)).replace("\r", "")


def trickle(forge) -> None:
    """The big repository's pack arrives slowly, then the connection resets; git's retry succeeds."""
    forge.inject({"kind": "reset_pack", "path": forge.big, "rate": RATE, "times": 1})


def test_a_terminal_gets_the_live_bar(org, tmp_path):
    trickle(org)
    code, out = on_a_terminal(argv(org, tmp_path / "src"), environment())
    plain = frames(out)
    assert code == 0, plain[-3000:]
    assert "━" in plain, "no bar drawn:\n" + plain[-3000:]
    bar_lines = [ln for ln in plain.splitlines() if ln.startswith("syncing ") and "━" in ln]
    assert bar_lines, plain[-3000:]
    assert any(re.search(r"\d+/~?\d+(\+)? repos", ln) for ln in bar_lines)
    assert any("ETA" in ln and "/s" in ln for ln in bar_lines), "no rate and ETA in the bar"
    assert any("1 failed" in ln for ln in bar_lines), "no failure count in the bar"
    # The large repository in flight, with the bytes received so far.
    assert re.search(r"↓ %s\s+[\d.]+ (KiB|MiB)\s+\d+s" % re.escape(org.big), plain), plain[-3000:]
    # The last frame stays: everything done, with the time it took.
    assert re.search(r"syncing .*%d/%d repos 100\.0%% in \d+s" % (org.total, org.total), bar_lines[-1])
    assert "running:" not in plain                     # no plain progress lines on a terminal
    assert colours(out), "a terminal without NO_COLOR gets colours"
    assert re.search(r"^bulk-clone: %d repositories in" % org.total, plain, re.M)


def test_no_color_keeps_the_bar_without_colours(org, tmp_path):
    trickle(org)
    code, out = on_a_terminal(argv(org, tmp_path / "src"), environment(NO_COLOR="1"))
    assert code == 0, frames(out)[-3000:]
    assert "━" in frames(out)
    assert colours(out) == []


@pytest.mark.parametrize("where", ["pipe", "ci"])
def test_plain_lines_in_a_pipe_and_in_ci(org, tmp_path, where):
    if where == "pipe":
        proc = subprocess.run(argv(org, tmp_path / "src"), env=environment(), capture_output=True, text=True,
                              timeout=300, check=False)
        code, out = proc.returncode, proc.stdout + proc.stderr
    else:
        code, out = on_a_terminal(argv(org, tmp_path / "src"), environment(CI="true"))
        out = out.replace("\r", "")
    assert code == 0, out[-3000:]
    assert "\x1b" not in out and "━" not in out
    lines = [ln for ln in out.splitlines() if re.match(r"^\d+/~?\d+\+? repos", ln)]
    assert lines and re.match(r"^%d/%d repos \(100\.0%%\) in \d+s" % (org.total, org.total), lines[-1]), out
    assert any(re.search(r", \d+ failed", ln) for ln in lines)


def test_the_first_progress_line_has_a_total_and_later_ones_an_eta(org, tmp_path):
    """Point 7 end to end: from the first line, done/total (the forge's count), then rate and ETA."""
    trickle(org)           # a run long enough for progress lines between the first and the last
    proc = subprocess.run(argv(org, tmp_path / "src"), env=environment(GITHUB_ACTIONS="true"),
                          capture_output=True, text=True, timeout=300, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if re.match(r"^\d+/\S+ repos", ln)]
    assert lines, proc.stdout
    assert re.match(r"^0/~?%d repos \(0\.0%%\)$" % org.total, lines[0]), lines[0]
    assert all("(listing)" not in ln for ln in lines)
    assert any(re.search(r", ETA \d+", ln) for ln in lines[1:-1])
