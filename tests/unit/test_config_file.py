# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""--config profiles, their precedence under flags and the environment, and
the token from a file or a command (real files, a real child process). The
console running with them against a forge: tests/integration/test_console_doors.py."""

from __future__ import annotations

import os
import sys

import pytest

from bulk_clone_engine.config_file import load_profile
from bulk_clone_engine.console import build_parser, resolve_options
from bulk_clone_engine.credentials import read_token_file, run_token_command
from bulk_clone_engine.errors import ConfigError
from bulk_clone_engine.options import CONSOLE, ORG_REPOS

SECRET = "ghp_ConfigSecretTok3n-Zz11-never-print"

CONFIG = """\
api_url: https://ghe.example.com/api/v3
concurrency: 4
token_command: gh auth token
default_profile: oss
profiles:
  oss:
    owners: [ansible, pallets]
    dest: src/oss
  work:
    provider: gitlab
    url: https://gitlab.example.com
    org: platform
    dest: ~/work
    token_file: secrets/token
    strategy: mirror
"""


def config(tmp_path, text=CONFIG, mode=0o600):
    path = tmp_path / "bulk-clone.yml"
    path.write_text(text)
    os.chmod(str(path), mode)
    return str(path)


def options(argv=(), env=None):
    return resolve_options(build_parser().parse_args(list(argv)), env or {})


def test_profiles_aliases_and_paths_from_the_files_folder(tmp_path):
    path = config(tmp_path)
    oss = options(["--config", path])                       # default_profile
    assert oss["owners"] == ["ansible", "pallets"] and oss["concurrency"] == 4
    assert oss["dest"] == str(tmp_path / "src" / "oss")     # relative to the file, not the current folder
    assert oss["token_command"] == ["gh", "auth", "token"]
    work = options(["--config", path, "--profile", "work"])
    assert work["provider"] == "gitlab" and work["api_url"] == "https://gitlab.example.com"
    assert work["owners"] == ["platform"] and work["strategy"] == "mirror"
    assert work["dest"] == os.path.expanduser("~/work")
    assert work["token_file"] == str(tmp_path / "secrets" / "token")
    assert work["api_url"] != oss["api_url"]                # the profile wins over the top level
    via_env = options(env={"BULK_CLONE_CONFIG": path, "BULK_CLONE_PROFILE": "work"})
    assert via_env["provider"] == "gitlab"


def test_flags_then_environment_then_file_then_defaults(tmp_path):
    path = config(tmp_path)
    got = options(["--config", path, "--concurrency", "9"], {"BULK_CLONE_CONCURRENCY": "7"})
    assert got["concurrency"] == 9                          # flag
    got = options(["--config", path], {"BULK_CLONE_CONCURRENCY": "7", "BULK_CLONE_OWNERS": "x"})
    assert got["concurrency"] == 7 and got["owners"] == ["x"]      # environment
    assert got["api_url"] == "https://ghe.example.com/api/v3"      # file
    assert got["strategy"] == "pull"                                 # default
    # A credential from a flag or the environment replaces every credential of the file.
    got = options(["--config", path, "--profile", "work"], {"BULK_CLONE_TOKEN": SECRET})
    assert got["token"] == SECRET and got["token_file"] is None and got["token_command"] == []
    got = options(["--config", path, "--token-file", "/run/token"])
    assert got["token_file"] == "/run/token" and got["token_command"] == []


@pytest.mark.parametrize("text,profile,message", [
    ("ownrs: [a]\n", None, "unknown key 'ownrs' (did you mean owners?)"),
    ("profiles:\n  a: {owners: [x], strategy: yolo}\n", "a", ", profile a: strategy 'yolo' is not known"),
    ("profiles:\n  a: {}\n  b: {}\n", None, "has the profiles a, b: choose one with --profile NAME"),
    ("profiles:\n  a: {}\n", "c", "has no profile 'c': it has a"),
    ("owners: [a]\n", "a", "--profile a: "),
    ("mode: merge-reports\n", None, "mode is not an option of the console: the console names the job as a "
                                    "subcommand"),
    ("owners: [a]\norgs: [b]\n", None, "owners is given twice"),
    ("[1, 2]\n", None, "must hold a mapping"),
    ("owners: [a\n", None, "is not valid YAML"),
    ("concurrency: lots\n", None, "concurrency must be a whole number"),
])
def test_mistakes_name_the_file_the_profile_and_the_key(tmp_path, text, profile, message):
    path = config(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_profile(path, profile, (CONSOLE, ORG_REPOS))
    assert message in str(info.value)
    assert path in str(info.value)


def test_a_token_in_the_file_only_when_no_one_else_can_read_it(tmp_path):
    path = config(tmp_path, "token: %s\nowners: [a]\n" % SECRET, mode=0o644)
    with pytest.raises(ConfigError) as info:
        load_profile(path, None, (CONSOLE,))
    assert "holds token and others can read it: chmod 600" in str(info.value)
    assert SECRET not in str(info.value)
    os.chmod(path, 0o600)
    assert load_profile(path, None, (CONSOLE,))["token"] == SECRET


def test_token_file_and_token_command(tmp_path):
    token = tmp_path / "token"
    token.write_text(SECRET + "\n")
    assert read_token_file(str(token)) == SECRET
    with pytest.raises(ConfigError, match="token_file .* cannot be read"):
        read_token_file(str(tmp_path / "missing"))
    token.write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        read_token_file(str(token))
    token.write_text("tok en\n")
    with pytest.raises(ConfigError, match="a space or a character that is not plain ASCII"):
        read_token_file(str(token))

    assert run_token_command([sys.executable, "-c", "print(%r)" % SECRET]) == SECRET
    # A failing command: its stderr is shown, without what it printed on stdout.
    failing = "import sys; print(%r); sys.stderr.write('auth failed for %s\\n'); sys.exit(3)" % (SECRET, SECRET)
    with pytest.raises(ConfigError) as info:
        run_token_command([sys.executable, "-c", failing])
    assert "failed (exit status 3): auth failed for ***" in str(info.value)
    assert SECRET not in str(info.value)
    with pytest.raises(ConfigError, match="was not found"):
        run_token_command(["no-such-command-for-bulk-clone"])
    with pytest.raises(ConfigError, match="printed no token"):
        run_token_command([sys.executable, "-c", "pass"])
