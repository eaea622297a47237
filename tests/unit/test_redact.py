# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One redaction step: every form a secret can take is masked, in strings and
in nested results. The forms are built here independently of redact.py, the
way the libraries that print them build them."""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import quote, quote_plus

import pytest

from bulk_clone_engine.console import Workflow
from bulk_clone_engine.redact import MIN_LENGTH, Redactor, redact_url

TOKEN = "ghp_R3dactMe-0123456789abcdefXYZ"
# A token pasted with a newline inside: the form requests/urllib3 repeat in their errors.
BROKEN = "ghp_Broken\nToken-4711abcdef"


def basic(user: str, token: str) -> str:
    return base64.b64encode(("%s:%s" % (user, token)).encode()).decode()


def assert_masked(redactor: Redactor, text: str, secret: str) -> str:
    out = redactor.redact(text)
    assert "***" in out, out
    for window in range(0, len(secret) - 7):
        assert secret[window:window + 8] not in out, out
    return out


def test_raw_and_stripped():
    """Registered as read (with its newline), masked as sent (stripped) too."""
    r = Redactor([TOKEN + "\n"])
    assert r.redact("a %s b" % TOKEN) == "a *** b"
    assert r.redact("a %s\nb" % TOKEN) == "a ***b"


@pytest.mark.parametrize("render", [
    repr,                                               # requests: "... header value: 'token ghp_..\\n...'"
    json.dumps,                                         # a JSON result
    lambda s: json.dumps(repr(s)),                      # a repr quoted again in JSON
    lambda s: s.encode("unicode_escape").decode(),      # Python string escapes
    lambda s: json.dumps({"msg": "value %r" % ("token " + s)}),
])
def test_escaped_forms(render):
    r = Redactor([BROKEN])
    text = render(BROKEN)
    assert "\n" not in text.replace("\\n", "")          # it really is the escaped form
    assert_masked(r, text, BROKEN.replace("\n", "\\n"))
    assert "Broken" not in r.redact(text)


@pytest.mark.parametrize("encode", [
    lambda s: quote(s, safe=""), quote, quote_plus,
    lambda s: quote(s, safe="").replace("%0A", "%0a"),  # lower-case hex
])
def test_url_encoded_forms(encode):
    r = Redactor([BROKEN])
    text = "https://example.com/x?token=%s&y=1" % encode(BROKEN)
    out = r.redact(text)
    assert "Broken" not in out and "4711abcdef" not in out, out
    assert out.startswith("https://example.com/x?token=***")


@pytest.mark.parametrize("user", ["", "x", "xy", "oauth2", "x-access-token", "someone-with-a-long-name", "ünï"])
def test_basic_header_for_any_user_name(user):
    r = Redactor([TOKEN])
    header = "Authorization: Basic %s" % basic(user, TOKEN)
    assert r.redact(header) == "Authorization: Basic ***"
    # Inside a traced curl line, in JSON, and glued to other text.
    assert "***" in r.redact("> %s\r\n" % header)
    assert basic(user, TOKEN) not in r.redact(json.dumps({"h": header}))
    assert basic(user, TOKEN)[6:] not in r.redact("zz" + basic(user, TOKEN))


def test_base64_of_the_token_alone_standard_and_urlsafe():
    r = Redactor([TOKEN + "??>>"])
    for enc in (base64.b64encode, base64.urlsafe_b64encode):
        text = enc((TOKEN + "??>>").encode()).decode()
        assert r.redact("value=" + text) == "value=***"


def test_url_userinfo_any_scheme_with_a_password_and_http_token_as_user():
    r = Redactor()
    assert r.redact("fetch https://user:pa55@git.example.com/a.git") == "fetch https://***@git.example.com/a.git"
    assert r.redact("see http://TOKEN123@host:8080/x") == "see http://***@host:8080/x"
    assert r.redact("ssh://git:secret@host/x") == "ssh://***@host/x"
    assert redact_url("https://u:p@h/p?q=1") == "https://***@h/p?q=1"
    # An ssh login is not a credential, and scp-like URLs have no scheme.
    for keep in ("ssh://git@host:2222/acme/api.git", "git@github.com:acme/api.git", "https://host/a@b"):
        assert r.redact(keep) == keep


def test_nested_data_keys_and_values():
    r = Redactor([TOKEN])
    data = {"msg": "bad " + TOKEN, TOKEN: [1, None, True, 2.5, ("x", "Basic " + basic("oauth2", TOKEN))],
            "repos": [{"clone_url": "https://u:%s@h/r.git" % TOKEN, "ok": "plain"}]}
    out = r.redact_data(data)
    assert TOKEN not in json.dumps(out) and basic("oauth2", TOKEN) not in json.dumps(out)
    assert out["msg"] == "bad ***" and out["***"][:4] == [1, None, True, 2.5]
    assert isinstance(out["***"][4], tuple)
    assert out["repos"][0] == {"clone_url": "https://***@h/r.git", "ok": "plain"}
    assert data["msg"] == "bad " + TOKEN                 # a copy: the input is untouched


def test_longest_secret_first():
    r = Redactor(["abcd", "abcdefgh-long"])
    assert r.redact("x abcdefgh-long y abcd z") == "x *** y *** z"


def test_short_secrets_are_not_registered_and_say_so():
    r = Redactor()
    assert MIN_LENGTH == 4
    assert r.add("abc") is False and r.add("  ab\n") is False and r.add(None) is False
    assert r.secrets == []
    assert r.redact("abc ab abcabc") == "abc ab abcabc"
    assert r.add("abcd") is True and r.redact("xabcdx") == "x***x"


def test_multiline_key_is_masked_whole_and_line_by_line():
    key = "-----BEGIN KEY-----\nMIIEsecretLineOne\nsecretLineTwo==\n-----END KEY-----\n"
    r = Redactor([key])
    assert r.redact(key) == "***"
    assert r.redact("line: secretLineTwo== at 3") == "line: *** at 3"


def test_nothing_changes_without_secrets_or_userinfo():
    r = Redactor([TOKEN])
    text = "acme/api-12 cloned in 1.2 s; HEAD 0c1f2e3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0 https://github.com/acme/api"
    assert r.redact(text) == text
    assert r.redact_data({"n": 3, "s": text}) == {"n": 3, "s": text}


def test_console_workflow_masks_every_form(tmp_path):
    """The Action's console redacts through the same step (was: raw replace only)."""
    out = io.StringIO()
    flow = Workflow({"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "s")}, out, out)
    flow.mask(BROKEN)
    flow.print("error: %r" % ("token " + BROKEN))
    flow.print("Authorization: Basic " + basic("x-access-token", BROKEN.strip()))
    flow.append_summary("| %s |" % quote(BROKEN, safe=""))
    report = flow.redact_data({"reason": json.dumps(BROKEN)})
    printed = [ln for ln in out.getvalue().splitlines() if not ln.startswith("::add-mask::")]
    everything = "\n".join(printed) + (tmp_path / "s").read_text() + json.dumps(report)
    assert "Broken" not in everything and "4711" not in everything, everything
    assert basic("x-access-token", BROKEN) not in everything
