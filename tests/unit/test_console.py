# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The console's pieces that need no forge: options from flags and env,
workflow commands, outputs, masking, early configuration errors, and the
push-to URL rules."""

from __future__ import annotations

import io

import pytest

from bulk_clone_engine.console import Workflow, build_parser, default_report_file, escape_data, main, resolve_options
from bulk_clone_engine.errors import BulkCloneError, ConfigError
from bulk_clone_engine.options import option, parse_text
from bulk_clone_engine.report import OwnerTally
from bulk_clone_engine.pushmirror import push_state_path, render_push_url, validate_push_template
from bulk_clone_engine.repo import Repo


def options(argv=(), env=None):
    return resolve_options(build_parser().parse_args(list(argv)), env or {})


def repo(full_path="acme/api", owner="acme", name="api", provider="github"):
    return Repo(provider=provider, host="github.com", owner=owner, name=name, full_path=full_path, id=1,
                clone_url="https://github.com/%s.git" % full_path)


def test_lists_accept_commas_spaces_newlines_and_repeats():
    assert parse_text(option("owners"), ["a, b", "c\nd  e", ""]) == ["a", "b", "c", "d", "e"]
    assert options(["--owners", "x,y", "--owners", "z"])["owners"] == ["x", "y", "z"]
    # Patterns keep their commas and spaces: one per line.
    got = options(env={"BULK_CLONE_INCLUDE": "^api-[0-9]{1,3}$\n ^web .*\n"})
    assert got["include"] == ["^api-[0-9]{1,3}$", "^web .*"]


def test_flags_beat_env_which_beats_defaults():
    env = {"BULK_CLONE_STRATEGY": "pull", "BULK_CLONE_CONCURRENCY": "3", "BULK_CLONE_OWNERS": "a\nb",
           "BULK_CLONE_SUMMARY": "false", "BULK_CLONE_API_URL": ""}
    got = options(["--concurrency", "5"], env)
    assert got["concurrency"] == 5           # flag
    assert got["strategy"] == "pull"         # env
    assert got["owners"] == ["a", "b"]
    assert got["summary"] is False
    assert got["api_url"] is None            # empty env = not given
    assert got["provider"] == "github"       # default
    assert options()["strategy"] == "pull"    # the module's default; the Action passes mirror
    assert options(["--no-summary"])["summary"] is False


def test_wrong_values_name_the_option():
    with pytest.raises(ConfigError, match="concurrency must be a whole number"):
        options(env={"BULK_CLONE_CONCURRENCY": "many"})
    with pytest.raises(ConfigError, match="prune must be true or false"):
        parse_text(option("prune"), "maybe")


def test_workflow_commands_under_actions_and_plain_elsewhere(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    flow = Workflow({"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "o"),
                     "GITHUB_STEP_SUMMARY": str(tmp_path / "s")}, out, err)
    flow.mask("tok-123456")
    flow.mask("-----BEGIN KEY-----\nline-two-secret\n-----END KEY-----")
    with flow.group("phase one"):
        flow.print("using tok-123456 and line-two-secret")
    flow.annotate("error", "bad\nthing 100%", title="bulk-clone: a,b")
    flow.set_outputs({"total": 3, "report-path": "/r.json", "multi": "x\ny"})
    flow.append_summary("## hi tok-123456")
    text = out.getvalue().splitlines()
    assert text[0] == "::add-mask::tok-123456"
    assert "::add-mask::line-two-secret" in text
    assert "::group::phase one" in text and "::endgroup::" in text
    assert "using *** and ***" in text
    assert "::error title=bulk-clone%3A a%2Cb::bad%0Athing 100%25" in text
    written = (tmp_path / "o").read_text()
    assert "total=3\n" in written and "report-path=/r.json\n" in written
    assert "multi<<ghadelimiter_" in written and "\nx\ny\nghadelimiter_" in written
    assert (tmp_path / "s").read_text() == "## hi ***\n"
    assert escape_data("a\r\nb") == "a%0D%0Ab"

    plain_out, plain_err = io.StringIO(), io.StringIO()
    plain = Workflow({}, plain_out, plain_err)
    plain.mask("tok-123456")
    with plain.group("phase"):
        plain.print("tok-123456")
    plain.annotate("warning", "careful")
    assert "::" not in plain_out.getvalue()
    assert plain_out.getvalue() == "== phase\n***\n"
    assert plain_err.getvalue() == "warning: careful\n"
    assert plain.set_outputs({"a": 1}) is None


@pytest.mark.parametrize("argv,env,message", [
    ([], {}, "dest is required"),
    (["--path", "/tmp/x", "--push-to", "https://b/{name}.git", "--strategy", "pull"], {}, "push_to needs strategy mirror"),
    (["--path", "/tmp/x", "--provider", "gitea", "--owners", "a"], {}, "api_url is required for provider gitea"),
    (["--path", "/tmp/x", "--owners", "a", "--shard", "3/2"], {}, "shard"),
    (["--path", "/tmp/x"], {"BULK_CLONE_CONCURRENCY": "lots"}, "concurrency must be a whole number"),
])
def test_configuration_errors_exit_2_with_one_clear_error(argv, env, message):
    out = io.StringIO()
    environ = dict(env, GITHUB_ACTIONS="true", BULK_CLONE_TOKEN="tok-abcdef")
    code = main(argv, environ=environ, out=out, err=out)
    assert code == 2
    errors = [ln for ln in out.getvalue().splitlines() if ln.startswith("::error")]
    assert len(errors) == 1 and message in errors[0], out.getvalue()
    assert errors[0].startswith("::error title=bulk-clone%3A configuration::")
    assert "tok-abcdef" not in out.getvalue().replace("::add-mask::tok-abcdef", "")


def test_per_owner_tally_folds_subgroups_into_the_owner_asked_for():
    tally = OwnerTally(["platform", "platform/backend", "Acme"])
    tally.count("platform/backend/svc/api", "platform/backend/svc", "cloned")
    tally.count("platform/web", "platform", "failed")
    tally.count("acme/x", "acme", "unchanged")
    tally.count("other/y", "other", "cloned")
    assert tally.as_dict() == {"platform/backend": {"cloned": 1}, "platform": {"failed": 1},
                               "Acme": {"unchanged": 1}, "other": {"cloned": 1}}


def test_report_file_defaults_to_dest_with_the_shard():
    assert default_report_file({"shard": "1/4"}, "/d/m") == "/d/m/.bulk-clone-report-shard-1-4.json"
    assert default_report_file({"shard": None}, "/d/m") == "/d/m/.bulk-clone-report.json"


def test_push_urls_quote_untrusted_names():
    template = "https://backup.example.com/mirror/{owner_slug}/{name}.git"
    validate_push_template(template)
    assert render_push_url(template, repo("platform/sub/a b", "platform/sub", "a b", "gitlab")) == \
        "https://backup.example.com/mirror/platform-sub/a%20b.git"
    assert render_push_url("https://b/{full_path}.git", repo("g/s/x?y#z", "g/s", "x?y#z", "gitlab")) == \
        "https://b/g/s/x%3Fy%23z.git"
    with pytest.raises(BulkCloneError, match="would change the target URL"):
        render_push_url("https://b/{name}.git", repo("acme/..", "acme", ".."))


@pytest.mark.parametrize("template,message", [
    ("", "push_to is empty"),
    ("https://user:tok@b/{name}.git", "must not carry credentials"),
    ("https://b/backup.git", "no {name}"),
    ("https://b/{name.__class__}.git", "is not allowed"),
    ("https://b/{secret}.git", "{secret} is not allowed"),
    ("ftp://b/{name}", "not an https, ssh or file URL"),
])
def test_bad_push_templates_are_refused(template, message):
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")):
        validate_push_template(template)


def test_push_state_sits_next_to_the_state_file():
    assert push_state_path("/d/.bulk-clone-state.jsonl") == "/d/.bulk-clone-state.push.jsonl"
    assert push_state_path("/s/state") == "/s/state.push.jsonl"
