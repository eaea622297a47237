# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input refused up front, naming the option and never echoing a secret:
tokens and keys, credentials in URLs, path templates that could leave dest,
timeout, dest under a file. (The same through the forge, the console and
Ansible: tests/integration/test_input_refused.py and test_input_ansible.py.)"""

from __future__ import annotations

import json

import pytest
import requests

from bulk_clone_engine.config import ForgeConfig, build_forge_config, clean_secret
from bulk_clone_engine.job import build_job
from bulk_clone_engine.job import build_sync_settings as _build_sync_settings
from bulk_clone_engine.options import defaults
from bulk_clone_engine.errors import ConfigError, ForgeError
from bulk_clone_engine.layout import validate_template
from bulk_clone_engine.limiter import Transient
from bulk_clone_engine.providers.base import api_redirect, transport_failure
from bulk_clone_engine.pushmirror import PushSettings, validate_push_template

TOKEN = "ghp_Input4711CheckToken0123456789"


def no_part_of(secret: str, text: str) -> bool:
    """Not the secret nor any 5 characters of it, raw or escaped."""
    for form in (secret, secret.encode("unicode_escape").decode()):
        if any(form[i:i + 5] in text for i in range(len(form) - 4)):
            return False
    return True


# ---- tokens and keys ---------------------------------------------------------------------

@pytest.mark.parametrize("given", [TOKEN + "\n", TOKEN + "\r\n", "  %s\t" % TOKEN, "\n" + TOKEN])
def test_surrounding_whitespace_is_stripped_from_the_token(given):
    assert build_forge_config("github", token=given).token == TOKEN


@pytest.mark.parametrize("inside", ["\n", "\r", "\t", "\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_a_control_character_inside_the_token_is_refused_naming_the_option_only(inside):
    token = TOKEN[:12] + inside + TOKEN[12:]
    with pytest.raises(ConfigError) as info:
        build_forge_config("github", token=token)
    message = str(info.value)
    assert message.startswith("token contains a control character or a line break inside it")
    assert no_part_of(token, message) and no_part_of(TOKEN, message)


@pytest.mark.parametrize("inside", [" ", "\u2013", "\u00a0", "\u201c"])
def test_a_space_or_a_typographic_character_inside_the_token_is_refused(inside):
    token = TOKEN[:12] + inside + TOKEN[12:]
    with pytest.raises(ConfigError, match="token contains a space or a character that is not plain ASCII") as info:
        build_forge_config("gitlab", token=token)
    assert no_part_of(TOKEN, str(info.value))


def build_sync_settings(dest, **values):
    """The sync settings a door would build for dest and these option values."""
    return _build_sync_settings(dict(defaults(), dest=dest, **values), check_mode=False)


def test_the_message_names_the_environment_variable_the_token_came_from():
    environ = {"GITLAB_TOKEN": "glpat-abc\ndef"}
    with pytest.raises(ConfigError) as info:
        build_job(dict(provider="gitlab", owners=["platform"]), "org_repos", environ=environ)
    assert str(info.value).startswith("token (from the environment variable GITLAB_TOKEN) contains a control")
    assert "abc" not in str(info.value)


def test_app_private_key_keeps_inner_newlines_and_loses_outer_whitespace():
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\r\nXYZ\n-----END RSA PRIVATE KEY-----"
    cfg = build_forge_config("github", app_id="1", app_private_key="\n  " + key + "\n\n", app_installation_id=2)
    assert cfg.app_private_key == key
    with pytest.raises(ConfigError) as info:
        build_forge_config("github", app_id="1", app_private_key=key.replace("XYZ", "X\x00YZ"), app_installation_id=2,
                           secret_sources={"app_private_key": "BULK_CLONE_APP_PRIVATE_KEY"})
    assert str(info.value).startswith("app_private_key (from the environment variable BULK_CLONE_APP_PRIVATE_KEY) "
                                      "contains a control character")
    assert "MIIE" not in str(info.value)


def test_a_blank_token_means_no_token():
    assert build_forge_config("github", token=" \n").token is None
    assert clean_secret(None, "token") is None


def test_push_token_is_stripped_and_checked_naming_its_variable():
    assert PushSettings("https://b/{name}.git", token="%s\n" % TOKEN).token == TOKEN
    with pytest.raises(ConfigError) as info:
        PushSettings("https://b/{name}.git", token=TOKEN[:9] + "\x07" + TOKEN[9:], token_source="BULK_CLONE_PUSH_TOKEN")
    assert str(info.value).startswith("push_token (from the environment variable BULK_CLONE_PUSH_TOKEN) contains")
    assert no_part_of(TOKEN, str(info.value))


# ---- credentials in URLs -----------------------------------------------------------------

@pytest.mark.parametrize("api_url", [
    "https://alice:%s@ghes.example.com/api/v3" % TOKEN,
    "https://%s@gitlab.example.com" % TOKEN,
    "https://:%s@gitea.example.com" % TOKEN,
    "https://gitea.example.com?token=%s" % TOKEN,
    "https://gitlab.example.com/?private_token=%s" % TOKEN,
])
def test_credentials_in_api_url_are_refused_naming_where_the_token_belongs(api_url):
    with pytest.raises(ConfigError) as info:
        build_forge_config("gitlab", api_url=api_url)
    message = str(info.value)
    assert message.startswith("api_url ") and "must not carry credentials in the URL" in message
    assert "the token option (or the BULK_CLONE_TOKEN environment variable)" in message
    assert no_part_of(TOKEN, message) and "alice" not in message
    if "@" in api_url:
        assert "https://***@" in message


@pytest.mark.parametrize("template", [
    "https://bob:%s@backup.example.com/{name}.git" % TOKEN,
    "https://%s@backup.example.com/{name}.git" % TOKEN,
    "https://%s@backup.example.com/{name" % TOKEN,            # malformed too: credentials are checked first
    "https://%s@backup.example.com/{secret}.git" % TOKEN,
    "ssh://git:%s@backup.example.com/{name}.git" % TOKEN,
    "https://backup.example.com/{name}.git?access_token=%s" % TOKEN,
])
def test_credentials_in_push_to_are_refused_without_echoing_them(template):
    with pytest.raises(ConfigError) as info:
        validate_push_template(template)
    message = str(info.value)
    assert message.startswith("push_to must not carry credentials in the URL")
    assert "push_token (the BULK_CLONE_PUSH_TOKEN environment variable" in message
    assert no_part_of(TOKEN, message) and "bob" not in message


def test_an_ssh_login_in_push_to_is_not_a_credential():
    validate_push_template("ssh://git@backup.example.com/{name}.git")


def test_the_forge_host_never_carries_userinfo():
    """{host} names folders, journal keys and reports."""
    cfg = ForgeConfig(provider="gitea", api_url="https://u:%s@Gitea.Example.com:3000/api/v1" % TOKEN)
    assert cfg.host == "Gitea.Example.com:3000"
    assert ForgeConfig(provider="github", api_url="https://x@api.github.com").host == "github.com"


# ---- timeout -----------------------------------------------------------------------------

@pytest.mark.parametrize("timeout", [0, 0.0, -1, float("nan")])
def test_timeout_must_be_above_zero(timeout):
    with pytest.raises(ConfigError, match=r"timeout must be more than 0 seconds"):
        build_forge_config("gitea", api_url="https://gitea.example.com", timeout=timeout)


def test_a_fractional_timeout_is_kept():
    assert build_forge_config("github", timeout=0.5).timeout == 0.5


# ---- transport failures ------------------------------------------------------------------

def test_a_refused_header_is_not_retried_and_its_text_is_left_out():
    exc = requests.exceptions.InvalidHeader(
        "Invalid leading whitespace, reserved character(s), or return character(s) in header value: %r"
        % ("token " + TOKEN + "\n"))
    failure = transport_failure(exc, "GET /orgs/acme", "https://api.github.com")
    assert isinstance(failure, ForgeError) and not isinstance(failure, Transient)
    assert "could not be sent (InvalidHeader)" in str(failure) and no_part_of(TOKEN, str(failure))
    for other in (ValueError("Attempted to set connect timeout to 0"), UnicodeEncodeError("latin-1", "x", 0, 1, "no")):
        assert not isinstance(transport_failure(other, "GET /x", "h"), Transient)
    # What is worth another try still gets one.
    bad_json = json.JSONDecodeError("Expecting value", "{", 1)
    assert isinstance(transport_failure(bad_json, "GET /x", "h"), Transient)
    assert "unreadable JSON" in str(transport_failure(bad_json, "GET /x", "h"))
    try:
        requests.get("http://127.0.0.1:1/", timeout=5).json()
    except requests.exceptions.ConnectionError as exc:
        assert "cannot reach h" in str(transport_failure(exc, "GET /x", "h"))


def test_redirect_message_names_the_target_and_the_api_url_to_use():
    err = api_redirect("https://ghes.example.com/api/v3", "GET /orgs/acme", 302,
                       "https://new.example.com/api/v3/orgs/acme?per_page=1", "/orgs/acme")
    assert str(err) == ("api_url https://ghes.example.com/api/v3 redirected GET /orgs/acme to https://new.example.com "
                        "(HTTP 302); bulk_clone does not follow a redirect to another address with the token: set "
                        "api_url to the final address (https://new.example.com/api/v3)")
    hidden = api_redirect("https://h", "GET /x", 307, "https://user:%s@evil.example/x" % TOKEN, "/x")
    assert no_part_of(TOKEN, str(hidden)) and "user" not in str(hidden)


# ---- path_template -----------------------------------------------------------------------

@pytest.mark.parametrize("template, why", [
    ("../{name}", "has a '..' folder and would leave dest"),
    ("{owner}/../{name}", "has a '..' folder and would leave dest"),
    ("{owner}/{name}/..", "has a '..' folder"),
    ("./{name}", "has a '.' folder"),
    ("/srv/{name}", "is absolute"),
    ("~/{name}", "starts with ~ (it is not expanded"),
    ("~alice/{name}", "starts with ~"),
    ("{owner}\\{name}", "contains a backslash"),
    ("..\\{name}", "contains a backslash"),
    ("{owner}//{name}", "has an empty folder name"),
    ("{owner}/{name}/", "has an empty folder name"),
    ("{name}.", "made of {name} and a dot"),
    (".{owner}/{name}", "made of {owner} and a dot"),
    ("{owner}/.git/{name}", "has a '.git' folder"),
    ("{owner}/.GIT./{name}", "has a '.git' folder"),
    (".bulk-clone-mine/{name}", "uses bulk_clone's own names"),
    ("x.bulk-clone-tmp-{name}", "uses bulk_clone's own names"),
    ("{owner}/\x1b{name}", "contains a control character"),
])
def test_templates_that_could_leave_dest_are_refused_naming_the_option(template, why):
    with pytest.raises(ConfigError) as info:
        validate_template(template)
    message = str(info.value)
    assert message.startswith("path_template %r " % template) and why in message
    assert "it must be a relative path under dest such as '{owner}/{name}'" in message


@pytest.mark.parametrize("template", [
    "{owner}/{name}", "{full_path}", "{host}/{full_path}", "{provider}/{owner}/{name}.git", "{owner}.{name}",
    "..{name}", "{name}..", "backup~/{name}", "{owner}/-{name}", "src-{{x}}/{name}", "{owner}/.{name}x",
])
def test_templates_that_stay_inside_are_accepted(template):
    validate_template(template)


def test_a_refused_template_stops_the_run_before_anything_is_created(tmp_path):
    with pytest.raises(ConfigError, match="path_template"):
        build_sync_settings(str(tmp_path / "src"), path_template="../{name}")
    assert not (tmp_path / "src").exists()


# ---- dest --------------------------------------------------------------------------------

def test_dest_under_a_regular_file_says_so(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file\n")
    with pytest.raises(ConfigError) as info:
        build_sync_settings(str(blocker / "src"))
    assert str(info.value) == "dest's parent %s is a file, not a folder: choose another dest" % blocker
    with pytest.raises(ConfigError) as info:
        build_sync_settings(str(blocker / "deeper" / "src"))
    assert str(info.value) == ("%s, on the way to dest's parent %s, is a file, not a folder: choose another dest"
                               % (blocker, blocker / "deeper"))
    assert blocker.read_text() == "a file\n"


def test_a_missing_parent_is_still_reported_as_missing(tmp_path):
    with pytest.raises(ConfigError, match="the parent of dest, .*, does not exist"):
        build_sync_settings(str(tmp_path / "nope" / "src"))


@pytest.mark.parametrize("value", [-2, -100])
def test_negative_max_failures_other_than_minus_one_is_refused(tmp_path, value):
    with pytest.raises(ConfigError, match="max_failures must be -1 \\(never fail\\), 0 or more, not %d" % value):
        build_sync_settings(str(tmp_path / "src"), max_failures=value)
    assert build_sync_settings(str(tmp_path / "src"), max_failures=-1).max_failures == -1
