# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 10, points 3, 4, 14 and 16, against the local forge: a token read
from a file (trailing newline) works on every provider; a token with a control
character inside, credentials in api_url or push_to, a path_template that
could leave dest, or timeout 0 are refused before any request, naming the
option and never the secret; and the Action's console shows the token in no
form, even when the forge echoes it back. (The Ansible door:
test_input_ansible.py.)"""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from bulk_clone_support import git_requests, outcomes, run
from bulk_clone_engine.console import main
from bulk_clone_engine.errors import ConfigError
from listing_support import list_repos  # noqa: E402
import listing_support
from secret_forms import leaks

TOKEN = "ghp_TrustInput0123456789abcdefXYZ"
FROM_A_FILE = TOKEN + "\n"
CONTROL = {"newline": TOKEN[:14] + "\n" + TOKEN[14:], "bell": TOKEN[:14] + "\x07" + TOKEN[14:],
           "carriage return": TOKEN[:14] + "\r" + TOKEN[14:]}
FAST = dict(max_wait=30, secondary_min_wait=0.05, max_tries=2, retry_base=0.01)
FLAVOURS = ["github", "graphql", "gitlab", "gitea"]
OWNER = {"github": "acme", "graphql": "acme", "gitlab": "grp", "gitea": "tea"}
SERVICE = {"github": "github", "graphql": "github", "gitlab": "gitlab", "gitea": "gitea"}


@pytest.fixture
def org(fresh_forge, hermetic_git):
    return fresh_forge(["github:acme:6", "gitlab:grp:5:flat=1", "gitea:tea:5"], tokens=(TOKEN,))


def api_requests(forge) -> int:
    return sum(v for k, v in forge.counters().items() if k.startswith("api:"))


def kwargs_for(forge, flavour: str, **extra):
    return listing_support.kwargs_for(forge, flavour, FAST, **extra)


# ---- the token ---------------------------------------------------------------------------------

@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_token_read_from_a_file_works_on_every_provider(org, flavour):
    result = list_repos(kwargs_for(org, flavour, token=FROM_A_FILE), [OWNER[flavour]], None, {})
    clean = list_repos(kwargs_for(org, flavour, token=TOKEN), [OWNER[flavour]], None, {})
    private = {r["full_path"] for r in org.repos(SERVICE[flavour], OWNER[flavour]) if r["private"]}
    listed = {r["full_path"] for r in result["repos"]}
    assert listed == {r["full_path"] for r in clean["repos"]}
    assert private & listed, "private repos listed: the token was accepted"


def test_a_token_read_from_a_file_clones_private_repos(org, tmp_path):
    """git gets the stripped token too (a newline in its extra header would break the request)."""
    result = run(org, tmp_path / "src", token=FROM_A_FILE)
    private = [r["full_path"] for r in org.repos("github", "acme") if r["private"] and not r["disabled"]]
    assert private and all(outcomes(result)[p] == "cloned" for p in private)
    assert not result.get("failed") and leaks(TOKEN, [json.dumps(result)]) == []


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("kind", sorted(CONTROL))
def test_a_control_character_in_the_token_is_refused_before_any_request(org, flavour, kind):
    token = CONTROL[kind]
    with pytest.raises(ConfigError) as info:
        list_repos(kwargs_for(org, flavour, token=token), [OWNER[flavour]], None, {})
    message = str(info.value)
    assert message.startswith("token contains a control character or a line break inside it")
    assert api_requests(org) == 0
    assert leaks(token, [message]) == []


def test_the_engine_refuses_it_before_any_request_or_git(org, tmp_path):
    with pytest.raises(ConfigError, match="^token contains a control character"):
        run(org, tmp_path / "src", token=CONTROL["newline"])
    assert api_requests(org) == 0 and git_requests(org) == 0


# ---- the console (the Action's step) -----------------------------------------------------------

def run_console(forge, tmp_path: Path, env: Dict[str, str], argv: List[str], name: str = "run"
                ) -> Tuple[int, str, List[str]]:
    """(exit status, what was printed minus ::add-mask:: lines, every file the run wrote for people)."""
    out = io.StringIO()
    files = tmp_path / name
    files.mkdir()
    environ = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(files / "output"),
               "GITHUB_STEP_SUMMARY": str(files / "summary"), "RUNNER_TEMP": str(files),
               "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")}
    environ.update(env)
    code = main(["--api-url", forge.github_api, "--owners", "acme", "--path", str(tmp_path / "mirrors"),
                 "--report-file", str(files / "report.json")] + argv, environ=environ, out=out, err=out)
    # ::add-mask:: lines are instructions to the runner, which never shows them.
    printed = "\n".join(ln for ln in out.getvalue().splitlines() if not ln.startswith("::add-mask::"))
    written = [p.read_text() for p in sorted(files.iterdir()) if p.is_file()]
    return code, printed, written


def test_console_strips_a_trailing_newline_and_shows_the_token_nowhere(org, tmp_path):
    code, printed, written = run_console(org, tmp_path, {"BULK_CLONE_TOKEN": FROM_A_FILE}, [])
    assert code == 0, printed
    report = json.loads(next(text for text in written if text.startswith("{")))
    private = [r for r in org.repos("github", "acme") if r["private"] and not r["disabled"]]
    assert private and report["counts"]["cloned"] == report["counts"]["total"] >= len(private)
    assert len(written) == 3                       # outputs, the report, the summary
    per_repo = (tmp_path / "mirrors" / ".bulk-clone-state.report.jsonl").read_text()
    assert leaks(TOKEN, [printed, per_repo] + written) == []


@pytest.mark.parametrize("variable", ["BULK_CLONE_TOKEN", "GITHUB_TOKEN"])
def test_console_refuses_a_control_character_before_any_request(org, tmp_path, variable):
    code, printed, written = run_console(org, tmp_path, {variable: CONTROL["newline"]}, [])
    assert code == 2, printed
    errors = [ln for ln in printed.splitlines() if ln.startswith("::error")]
    assert len(errors) == 1
    assert errors[0].startswith("::error title=bulk-clone%%3A configuration::token (from the environment variable "
                                "%s) contains a control character" % variable)
    assert api_requests(org) == 0 and git_requests(org) == 0
    assert leaks(CONTROL["newline"], [printed] + written) == []


def test_console_refuses_a_control_character_in_the_push_token(org, tmp_path):
    push = "glpat-" + CONTROL["bell"]
    code, printed, written = run_console(org, tmp_path, {"BULK_CLONE_TOKEN": TOKEN, "BULK_CLONE_PUSH_TOKEN": push},
                                         ["--push-to", org.url + "/mirror-target/{name}.git", "--strategy", "mirror"])
    assert code == 2, printed
    assert "push_token (from the environment variable BULK_CLONE_PUSH_TOKEN) contains a control character" in printed
    assert api_requests(org) == 0 and git_requests(org) == 0
    assert leaks(push, [printed] + written) == [] and leaks(TOKEN, [printed] + written) == []


def test_an_error_that_echoes_the_token_is_redacted_at_the_console(org, tmp_path):
    """A proxy or forge that repeats the request's credentials in its error body:
    raw, as the Basic header git sends (another user name), and quoted."""
    basic = base64.b64encode(("oauth2:" + TOKEN).encode()).decode()
    echoed = "you sent token %s, Basic %s, %s, %r" % (TOKEN, basic, json.dumps(TOKEN), {"auth": "token " + TOKEN})
    org.inject({"kind": "status", "service": "github", "status": 422, "path": "^/api/v3/orgs/acme",
                "body": {"message": echoed}, "times": -1})
    code, printed, written = run_console(org, tmp_path, {"BULK_CLONE_TOKEN": TOKEN}, [])
    assert code == 1 and "GitHub answered 422" in printed, printed
    assert leaks(TOKEN, [printed] + written) == []


# ---- credentials in URLs -----------------------------------------------------------------------

def test_credentials_in_api_url_are_refused_before_any_request_everywhere(org, tmp_path):
    url = org.github_api.replace("http://", "http://alice:%s@" % TOKEN)
    with pytest.raises(ConfigError) as info:
        run(org, tmp_path / "src", forge_extra={"api_url": url})
    assert str(info.value).startswith("api_url must not carry credentials in the URL (%s)"
                                      % org.github_api.replace("http://", "http://***@"))
    with pytest.raises(ConfigError, match="^api_url must not carry credentials"):
        list_repos(dict(provider="gitea", api_url=org.url + "?token=" + TOKEN), ["tea"], None, {})
    code, printed, written = run_console(org, tmp_path, {"BULK_CLONE_TOKEN": TOKEN}, ["--api-url", url])
    assert code == 2 and "must not carry credentials" in printed and "BULK_CLONE_TOKEN" in printed
    assert api_requests(org) == 0 and git_requests(org) == 0 and not (tmp_path / "src").exists()
    assert leaks(TOKEN, [str(info.value), printed] + written) == [] and "alice" not in printed


@pytest.mark.parametrize("check", [False, True])
def test_credentials_in_push_to_are_refused_before_anything_prints_them(org, tmp_path, check):
    template = org.url.replace("http://", "http://bob:%s@" % TOKEN) + "/mirror-target/{name}.git"
    argv = ["--push-to", template] + (["--check"] if check else [])
    code, printed, written = run_console(org, tmp_path, {"BULK_CLONE_TOKEN": TOKEN}, argv)
    assert code == 2, printed
    assert "push_to must not carry credentials in the URL (http://***@127.0.0.1:" in printed
    assert "BULK_CLONE_PUSH_TOKEN" in printed and "push to:" not in printed
    assert api_requests(org) == 0 and git_requests(org) == 0
    assert leaks(TOKEN, [printed] + written) == [] and "bob" not in printed


# ---- options refused before any request --------------------------------------------------------

@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("timeout", [0, -5])
def test_timeout_zero_or_negative_is_refused_not_called_unreadable_json(org, flavour, timeout):
    with pytest.raises(ConfigError) as info:
        list_repos(kwargs_for(org, flavour, token=TOKEN, timeout=timeout), [OWNER[flavour]], None, {})
    assert str(info.value).startswith("timeout must be more than 0 seconds")
    assert api_requests(org) == 0


@pytest.mark.parametrize("flavour", ["github", "graphql"])
def test_a_fractional_timeout_works(org, flavour):
    """PyGithub takes whole seconds: 0.5 used to become 0 and fail as 'unreadable JSON'
    (python-gitlab and requests take fractions as they are)."""
    result = list_repos(kwargs_for(org, flavour, token=TOKEN, timeout=0.5), [OWNER[flavour]], None, {})
    assert result["count"] > 0


@pytest.mark.parametrize("template", ["../{name}", "/tmp/{name}", "~/{name}", "{owner}\\{name}", "{name}."])
def test_a_path_template_that_could_leave_dest_is_refused_before_any_work(org, tmp_path, template):
    with pytest.raises(ConfigError) as info:
        run(org, tmp_path / "src", token=TOKEN, path_template=template)
    assert str(info.value).startswith("path_template %r" % template)
    assert api_requests(org) == 0 and git_requests(org) == 0 and not (tmp_path / "src").exists()


@pytest.mark.parametrize("argv, message", [
    (["--timeout", "0"], "timeout must be more than 0 seconds"),
    (["--max-failures", "-2"], "max_failures must be -1 (never fail), 0 or more, not -2"),
    (["--path-template", "../{name}"], "path_template '../{name}' has a '..' folder and would leave dest"),
])
def test_console_refuses_these_options_before_any_request(org, tmp_path, argv, message):
    code, printed, _written = run_console(org, tmp_path, {"BULK_CLONE_TOKEN": TOKEN}, argv)
    assert code == 2 and message in printed, printed
    assert api_requests(org) == 0


def test_console_dest_under_a_file(org, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, printed, _written = run_console(org, tmp_path, {"BULK_CLONE_TOKEN": TOKEN},
                                          ["--path", str(blocker / "mirrors")])
    assert code == 2 and "dest's parent %s is a file, not a folder" % blocker in printed, printed
    assert api_requests(org) == 0
