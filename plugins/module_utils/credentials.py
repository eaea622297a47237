# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the token comes from when it is not given as such: a file, a command, the environment.

Why a file and a command: a token in a shell variable ends up in shell
history and in every child's environment, and people already keep one where
their tools keep it (``gh auth token``, ``glab config get token``, a password
manager's CLI, a file a secrets agent writes). ``token_command`` runs an argv
without a shell, so nothing in it is ever interpreted; its standard output,
stripped, is the token. When the command fails, its standard error is shown
(the last lines, with anything that looks like the token masked), never its
standard output.

The order, first found wins: the token option (BULK_CLONE_TOKEN at the
console), token_file, token_command, then the provider's usual environment
variables (options.TOKEN_ENV). Without any, the run is anonymous: public
repositories only. That is allowed on purpose (mirroring public projects
needs no account); when the forge then refuses or cannot find an owner, the
error says that no token was given and where one was looked for
(``without_token_hint``).
"""

from __future__ import annotations

import os
import subprocess
from typing import Mapping, Optional, Sequence, Tuple

from .config import clean_secret
from .errors import ConfigError
from .options import TOKEN_ENV
from .redact import Redactor

TOKEN_COMMAND_TIMEOUT = 60.0
STDERR_LINES_SHOWN = 5


def read_token_file(path: str) -> str:
    """The token in a file (surrounding whitespace removed)."""
    path = os.path.expanduser(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ConfigError("token_file %s cannot be read (%s): give the path of a file that holds the token"
                          % (path, exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise ConfigError("token_file %s is not text: it must hold the token alone" % path) from None
    if not text.strip():
        raise ConfigError("token_file %s is empty: put the token in it, or remove token_file" % path)
    if "\n" in text.strip():
        raise ConfigError("token_file %s holds more than one line: it must hold the token alone" % path)
    return clean_secret(text, "the token in token_file %s" % path) or ""


def run_token_command(argv: Sequence[str], timeout: float = TOKEN_COMMAND_TIMEOUT,
                      environ: Optional[Mapping[str, str]] = None) -> str:
    """The token a command prints (``gh auth token``), run without a shell."""
    argv = [str(a) for a in argv]
    if not argv or not argv[0]:
        raise ConfigError("token_command is empty: give a command and its arguments, for example gh auth token")
    shown = " ".join(argv)
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                              env=dict(environ) if environ is not None else None, check=False)
    except FileNotFoundError:
        raise ConfigError("token_command %s: %s was not found; install it or fix the command" % (shown, argv[0])) \
            from None
    except PermissionError:
        raise ConfigError("token_command %s: %s cannot be run (permission denied)" % (shown, argv[0])) from None
    except subprocess.TimeoutExpired:
        raise ConfigError("token_command %s did not finish within %d seconds (does it wait for input?)"
                          % (shown, timeout)) from None
    out = proc.stdout.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        # What the command printed on stdout may be (part of) a secret: never shown,
        # and masked wherever it shows up in stderr.
        redactor = Redactor(line for line in out.splitlines() if line.strip())
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-STDERR_LINES_SHOWN:]
        detail = "\n".join(err).strip()
        raise ConfigError(redactor("token_command %s failed (exit status %d)%s" % (
            shown, proc.returncode, (": " + detail) if detail else " and printed nothing on stderr")))
    if not out:
        raise ConfigError("token_command %s printed no token on its standard output" % shown)
    if "\n" in out:
        raise ConfigError("token_command %s printed more than one line: it must print the token alone" % shown)
    return clean_secret(out, "the token printed by token_command %s" % shown) or ""


def looked_at(provider: str) -> Tuple[str, ...]:
    """Every place a token is looked for, in order, for messages."""
    return ("the token option",) + TOKEN_ENV.get(provider, ("BULK_CLONE_TOKEN",)) + ("token_file", "token_command")


def without_token_hint(provider: str) -> str:
    """The sentence added when a run without a token is refused or finds nothing."""
    names = TOKEN_ENV.get(provider, ("BULK_CLONE_TOKEN",))
    return ("no token was given (looked at %s, token_file and token_command), so only public repositories "
            "are visible: a private owner needs a token" % ", ".join(names))


__all__ = ["looked_at", "read_token_file", "run_token_command", "without_token_hint"]
