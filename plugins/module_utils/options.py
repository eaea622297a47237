# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every option of every door, declared once.

Why a table: the same option used to be declared in seven places (module
argspec, console flags and defaults, action.yml, the role's argument specs,
the settings dataclasses) and they drifted. Each door is now derived from
this table:

- the modules' ``argument_spec`` (``module_kwargs``),
- the console's argparse flags with choices and defaults (``console.py``),
- the ``BULK_CLONE_<NAME>`` environment variables of the console and the
  Action (``env_name``),
- the role's ``meta/argument_specs.yml`` and the Action's inputs, generated
  by ``python -m bulk_clone_engine.doors`` and checked by a test, and
- the modules' DOCUMENTATION, checked against it by a test
  (tests/unit/test_option_parity.py).

Adding an option is one entry here plus the code that uses it. A door that
cannot offer an option says why in ``not_at``. See docs/architecture.md.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Tuple

from .errors import ConfigError
from .repo import REPO_FIELDS

# The doors. "console" is the bulk-clone command line, "action" the composite
# GitHub Action (which runs the console), "role" the workspace role's
# per-item options.
BULK_CLONE = "bulk_clone"
ORG_REPOS = "org_repos"
CONSOLE = "console"
ACTION = "action"
ROLE = "role"
DOORS = (BULK_CLONE, ORG_REPOS, CONSOLE, ACTION, ROLE)
LISTING_DOORS = frozenset(DOORS)
SYNC_DOORS = frozenset((BULK_CLONE, CONSOLE, ACTION, ROLE))

ENV_PREFIX = "BULK_CLONE_"

PROVIDERS = ("github", "gitlab", "gitea", "bitbucket", "bitbucket_server")
OWNER_KINDS = ("auto", "org", "user", "group", "self", "installation", "workspace", "project", "all", "starred")
STRATEGIES = ("clone", "fetch", "pull", "reset", "mirror")
MODES = ("include", "exclude", "only")
VISIBILITIES = ("public", "private", "internal")
RETURN_REPOS = ("none", "changed", "all")
PROTOCOLS = ("https", "ssh")
APIS = ("rest", "graphql")


@dataclass(frozen=True)
class Option:
    """One option: its name, type, default, doc line and the doors that show it.

    ``type`` uses Ansible's names (str, int, float, bool, list, path).
    ``split`` says how a list arrives as one string at the console or the
    Action: "words" (commas, spaces or newlines), "lines" (one item per
    line: regular expressions may hold commas and spaces) or "shell" (an
    argv, split as a POSIX shell would, without running one).
    ``door_defaults`` overrides the default at one door (the Action mirrors
    by default); ``not_at`` says why a door lacks the option.
    ``secret`` options are read only from the environment at the console (a
    flag would put them in argv) and never shown.
    """

    name: str
    type: str
    doc: str
    default: Any = None
    choices: Tuple[Any, ...] = ()
    aliases: Tuple[str, ...] = ()
    elements: Optional[str] = None
    secret: bool = False
    required: Tuple[str, ...] = ()          # doors where it is required
    doors: FrozenSet[str] = SYNC_DOORS
    not_at: Mapping[str, str] = field(default_factory=dict)
    door_defaults: Mapping[str, Any] = field(default_factory=dict)
    split: str = "words"
    group: str = "sync"
    action_name: Optional[str] = None       # the Action's input name, when not the kebab-case name

    def default_at(self, door: str) -> Any:
        return self.door_defaults.get(door, self.default)

    @property
    def env_name(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def env_names(self) -> Tuple[str, ...]:
        """BULK_CLONE_<NAME>, then BULK_CLONE_<ALIAS> for each alias."""
        return (self.env_name,) + tuple(ENV_PREFIX + a.upper() for a in self.aliases)

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def input_name(self) -> str:
        """The Action's input name (GitHub's kebab-case convention)."""
        return self.action_name or self.name.replace("_", "-")


def _o(name: str, type_: str, doc: str, **kwargs: Any) -> Option:
    return Option(name=name, type=type_, doc=doc, **kwargs)


_NO_PLAY = "the Ansible door takes check mode from Ansible itself (--check)"
_CI_ONLY = "only meaningful in the GitHub Action's runner or the console"
_TUNING = "tuning for tests and benchmarks; the defaults follow the forges' guidance"
_SECRETS_INPUT = "the Action takes the token input, from the workflow's secrets"
_PLAY_LOOKUP = ("a play gets a token from a command on the controller with a lookup (pipe, or a vault); a command "
                "run by the module would run on the managed host")
_MERGE_ONLY = "only the Action's final job of a matrix merges reports: at the console, bulk-clone merge-reports"

OPTIONS: Tuple[Option, ...] = (
    # --- the forge ---------------------------------------------------------------
    _o("provider", "str", "which kind of forge", default="github",
       choices=PROVIDERS, doors=LISTING_DOORS, group="forge"),
    _o("api_url", "str", "base URL of the forge's API (default https://api.github.com, https://gitlab.com or "
                         "https://api.bitbucket.org/2.0; required for gitea and bitbucket_server)",
       aliases=("url",), doors=LISTING_DOORS, group="forge"),
    _o("token", "str", "token for the API and, through the process environment only, for git (without one, only "
                       "public repositories are visible)", secret=True, doors=LISTING_DOORS, group="forge"),
    _o("username", "str", "Bitbucket: the account email (Cloud API token) or user name (Data Center) that turns "
                          "the token into a Basic login", doors=LISTING_DOORS, group="forge"),
    _o("app_id", "str", "GitHub App id, to authenticate as an installation instead of with a token",
       doors=LISTING_DOORS, group="forge"),
    _o("app_private_key", "str", "PEM private key of the GitHub App", secret=True, doors=LISTING_DOORS,
       group="forge"),
    _o("app_installation_id", "int", "installation id of the GitHub App", doors=LISTING_DOORS, group="forge"),
    _o("token_file", "path", "a file holding the token (read when the token option is not given)",
       doors=frozenset((BULK_CLONE, ORG_REPOS, CONSOLE, ROLE)), group="forge",
       not_at={ACTION: _SECRETS_INPUT}),
    _o("token_command", "list", "a command that prints the token, run without a shell (for example gh auth token); "
                                "used when neither token nor token_file is given", default=[], elements="str",
       split="shell", doors=frozenset((CONSOLE,)), group="forge",
       not_at={BULK_CLONE: _PLAY_LOOKUP, ORG_REPOS: _PLAY_LOOKUP, ROLE: _PLAY_LOOKUP, ACTION: _SECRETS_INPUT}),
    _o("owners", "list", "organizations, groups (subgroups included) or users", default=[], elements="str",
       aliases=("owner", "org", "orgs"), doors=LISTING_DOORS, group="forge"),
    _o("owner_kind", "str", "what the owners are (auto asks the forge)", default="auto",
       choices=OWNER_KINDS, doors=LISTING_DOORS, group="forge"),
    _o("api", "str", "the GitHub API to list with", default="rest", choices=APIS,
       doors=LISTING_DOORS, group="forge"),
    _o("max_wait", "float", "longest single wait for a rate limit, in seconds", default=900.0,
       doors=LISTING_DOORS, group="forge"),
    _o("max_calls_per_second", "float", "ceiling on API calls per second", doors=LISTING_DOORS, group="forge"),
    _o("validate_certs", "bool", "verify the forge's TLS certificate", default=True, doors=LISTING_DOORS,
       group="forge"),
    _o("timeout", "float", "seconds to wait for one API response", default=30.0, doors=LISTING_DOORS,
       group="forge"),
    _o("per_page", "int", "repositories per listing page", doors=frozenset(), not_at={"*": _TUNING},
       group="forge"),
    _o("secondary_min_wait", "float", "shortest wait after a secondary rate limit", doors=frozenset(),
       not_at={"*": _TUNING}, group="forge"),
    _o("max_tries", "int", "attempts of one API request", doors=frozenset(), not_at={"*": _TUNING},
       group="forge"),
    _o("retry_base", "float", "first back-off delay of API retries", doors=frozenset(), not_at={"*": _TUNING},
       group="forge"),

    # --- which repositories ------------------------------------------------------
    _o("include", "list", "only repositories matching one of these regular expressions (glob: for a glob pattern)",
       default=[],
       elements="str", split="lines", doors=LISTING_DOORS, group="selection"),
    _o("exclude", "list", "leave out repositories matching one of these regular expressions (glob: for a glob "
                          "pattern)", default=[],
       elements="str", split="lines", doors=LISTING_DOORS, group="selection"),
    _o("topics_any", "list", "only repositories with at least one of these topics", default=[], elements="str",
       doors=LISTING_DOORS, group="selection"),
    _o("topics_all", "list", "only repositories with all of these topics", default=[], elements="str",
       doors=LISTING_DOORS, group="selection"),
    _o("archived", "str", "include, exclude or only archived repositories", default="include", choices=MODES,
       doors=LISTING_DOORS, group="selection"),
    _o("forks", "str", "include, exclude or only forks", default="include", choices=MODES,
       doors=LISTING_DOORS, group="selection"),
    _o("empty", "str", "include, exclude or only repositories without commits", default="include",
       choices=MODES, doors=LISTING_DOORS, group="selection"),
    _o("disabled", "str", "include, exclude or only repositories the forge disabled", default="exclude",
       choices=MODES, doors=LISTING_DOORS, group="selection"),
    _o("visibility", "list", "only these visibilities", default=[], elements="str",
       choices=VISIBILITIES, doors=LISTING_DOORS, group="selection"),
    _o("languages", "list", "only repositories whose main language is one of these", default=[],
       elements="str", doors=LISTING_DOORS, group="selection"),
    _o("shard", "str", "i/N: this job's share of the repositories", doors=LISTING_DOORS, group="selection"),
    # --- issue 14 (starred, whole instance, shared projects, activity filters) -----------
    _o("with_shared", "bool", "GitLab: also list the projects of other groups shared with each group",
       default=False, doors=LISTING_DOORS, group="forge"),
    _o("pushed_within", "str", "only repositories with activity (a push) within this long: a number and h, d or w, "
                               "for example 365d", doors=LISTING_DOORS, group="selection"),
    _o("min_stars", "int", "only repositories starred by at least this many users", doors=LISTING_DOORS,
       group="selection"),
    # --- end of issue 14 entries ------------------------------------------------------

    # --- the sync ----------------------------------------------------------------
    _o("dest", "path", "folder the repositories are cloned into", aliases=("path",),
       required=(BULK_CLONE, CONSOLE), door_defaults={ACTION: "repos"}, action_name="path",
       not_at={ROLE: "the role clones into workspace_root"}, doors=frozenset((BULK_CLONE, CONSOLE, ACTION))),
    _o("path_template", "str", "where each repository goes under dest", default="{owner}/{name}"),
    _o("strategy", "str", "how existing clones are brought up to date", default="pull", choices=STRATEGIES,
       door_defaults={ACTION: "mirror"}),
    _o("concurrency", "int", "git processes at once", default=8),
    _o("depth", "int", "shallow clones with this many commits"),
    _o("filter", "str", "partial clone filter, for example blob:none"),
    _o("branch", "str", "follow this branch instead of each repository's default branch"),
    _o("submodules", "bool", "clone and update submodules", default=False),
    _o("protocol", "str", "clone over https (the token is used) or ssh (the host's keys)", default="https",
       choices=PROTOCOLS),
    _o("state_file", "path", "the state journal (default: .bulk-clone-state.jsonl in dest)",
       not_at={ROLE: "the role keeps one journal per item under workspace_root"},
       doors=frozenset((BULK_CLONE, CONSOLE, ACTION))),
    _o("prune", "bool", "remove clones of repositories gone from the forge (only without local work)",
       default=False),
    _o("force", "bool", "with strategy reset, reset clones with local work too (kept in a backup)",
       default=False),
    _o("max_failures", "int", "failed repositories tolerated before the run fails; -1 never fails", default=0),
    _o("max_prune", "int", "with prune, the most clones one run may prune; above it nothing is pruned and the "
                           "run fails; -1 for no limit", default=20),
    _o("prune_delete", "bool", "with prune, delete for good instead of moving into dest/.bulk-clone-trash",
       default=False),
    _o("git_hosts", "list", "further hosts (host or host:port) that serve this forge's git and may receive the "
                            "token; by default only the forge's own host does", default=[], elements="str"),
    _o("lock_timeout", "float", "seconds to wait for another run into the same dest to finish", default=0.0),
    _o("stall_timeout", "float", "seconds without a byte received after which a git transfer is retried",
       default=30.0),
    _o("return_repos", "str", "which repositories the result lists", default="changed",
       choices=RETURN_REPOS),
    _o("return_limit", "int", "the most entries each list of the result holds; every entry is in the report file",
       default=1000),
    _o("progress_file", "path", "a JSON file rewritten every few seconds with done, total, rate and ETA",
       not_at={ROLE: "each item of the role would overwrite the same file"},
       doors=frozenset((BULK_CLONE, CONSOLE, ACTION))),
    _o("push_to", "str", "URL template of a second remote each changed mirror is pushed to (strategy mirror)"),
    _o("push_token", "str", "token for push_to", secret=True),
    _o("push_username", "str", "user name sent with push_token", default="x-access-token"),
    # --- extras beside the repositories (wikis, gists and snippets, LFS) ---------------
    _o("wikis", "bool", "also clone each repository's wiki (GitHub, GitLab, Gitea) beside it as NAME.wiki; a wiki "
                        "enabled but never written to is reported as no wiki", default=False),
    _o("gists", "bool", "also clone gists (GitHub: a user's, or the token's own with owner_kind self) and snippets "
                        "(GitLab: each listed project's, and the token user's personal ones)", default=False),
    _o("gists_path_template", "str", "where each gist or snippet goes under dest ({name} is its id)",
       default="{owner}/gists/{name}"),
    _o("lfs", "bool", "fetch and check out Git LFS files after each clone or update (needs git-lfs); without it "
                      "LFS files stay pointer files and the LFS server is never contacted", default=False),

    _o("git_timeout", "float", "seconds one git process may run", default=3600.0, doors=frozenset(),
       not_at={"*": _TUNING}),
    _o("git_tries", "int", "attempts of one git transfer", default=4, doors=frozenset(), not_at={"*": _TUNING}),
    _o("git_backoff_base", "float", "first back-off delay of git retries", default=2.0, doors=frozenset(),
       not_at={"*": _TUNING}),
    _o("gitlab_granularity", "float", "seconds by which GitLab's last_activity_at lags pushes", default=3600.0,
       doors=frozenset(), not_at={"*": _TUNING}),
    _o("full_listing_interval", "float",
       "seconds between full listings; in between, a re-sync lists only repositories pushed since the last run "
       "when the forge's count is unchanged (0: always list in full)", default=86400.0),

    # --- what the console and the Action show --------------------------------------
    _o("check", "bool", "list and plan only; change nothing", default=False,
       doors=frozenset((CONSOLE, ACTION)), not_at={BULK_CLONE: _NO_PLAY, ROLE: _NO_PLAY}, group="report"),
    _o("summary", "bool", "write the job summary to $GITHUB_STEP_SUMMARY", default=True,
       doors=frozenset((CONSOLE, ACTION)), not_at={BULK_CLONE: _CI_ONLY, ROLE: _CI_ONLY}, group="report"),
    _o("summary_template", "path", "a Jinja2 template for the end report (job summary and console text)",
       group="report"),
    _o("report_file", "path", "where the full JSON report is written (default: under dest)",
       doors=frozenset((CONSOLE, ACTION)),
       not_at={BULK_CLONE: "the module returns the report as its result", ROLE: "the role registers the result"},
       group="report"),
    _o("progress_every", "float", "seconds between progress lines", default=10.0,
       doors=frozenset((CONSOLE, ACTION)),
       not_at={BULK_CLONE: "Ansible shows no output while a module runs: use progress_file",
               ROLE: "Ansible shows no output while a module runs"}, group="report"),

    # --- the Action's merge job --------------------------------------------------------
    _o("mode", "str",
       "sync the repositories, or merge-reports: combine the JSON reports of a matrix's shards into one job summary",
       default="sync", choices=("sync", "merge-reports"),
       doors=frozenset((ACTION,)),
       not_at={CONSOLE: "the console names the job as a subcommand: bulk-clone merge-reports FILES",
               BULK_CLONE: _MERGE_ONLY, ORG_REPOS: _MERGE_ONLY, ROLE: _MERGE_ONLY}, group="report"),
    _o("reports", "list",
       "with mode merge-reports: the shards' report files, folders holding them, or glob patterns",
       default=[], elements="str", split="lines", doors=frozenset((ACTION,)),
       not_at={CONSOLE: "bulk-clone merge-reports takes them as arguments",
               BULK_CLONE: _MERGE_ONLY, ORG_REPOS: _MERGE_ONLY, ROLE: _MERGE_ONLY}, group="report"),

    # --- org_repos alone -------------------------------------------------------------
    _o("fields", "list", "repository fields to return (default: all)", default=[], elements="str",
       choices=REPO_FIELDS, not_at={"*": "only org_repos_info returns repository records"},
       doors=frozenset((ORG_REPOS,)), group="listing"),
)

BY_NAME: Dict[str, Option] = {o.name: o for o in OPTIONS}

# Where a token is taken from when the option is not given: the names CI
# systems and the forges' own CLIs already use.
TOKEN_ENV: Dict[str, Tuple[str, ...]] = {
    "github": ("BULK_CLONE_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"),
    "gitlab": ("BULK_CLONE_TOKEN", "GITLAB_TOKEN"),
    "gitea": ("BULK_CLONE_TOKEN", "GITEA_TOKEN"),
    "bitbucket": ("BULK_CLONE_TOKEN", "BITBUCKET_TOKEN"),
    "bitbucket_server": ("BULK_CLONE_TOKEN", "BITBUCKET_TOKEN"),
}


def token_from_env(provider: str, environ: Mapping[str, str]) -> Tuple[Optional[str], Optional[str]]:
    """(token, the variable it came from), or (None, None)."""
    for name in TOKEN_ENV.get(provider, ("BULK_CLONE_TOKEN",)):
        if environ.get(name):
            return environ[name], name
    return None, None


def option(name: str) -> Option:
    return BY_NAME[name]


def at(door: str) -> Iterator[Option]:
    """The options one door shows, in table order."""
    return (o for o in OPTIONS if door in o.doors)


def defaults(door: Optional[str] = None) -> Dict[str, Any]:
    """Every option's default (at a door, where one overrides it)."""
    return {o.name: _copy(o.default_at(door) if door else o.default) for o in OPTIONS}


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


# Constraints among options, for AnsibleModule and for the other doors alike.
MUTUALLY_EXCLUSIVE: Tuple[Tuple[str, ...], ...] = (
    ("token", "app_id"), ("token_file", "app_id"), ("token_command", "app_id"),
    ("token", "token_file"), ("token", "token_command"), ("token_file", "token_command"),
)
REQUIRED_TOGETHER: Tuple[Tuple[str, ...], ...] = (("app_id", "app_private_key", "app_installation_id"),)
REQUIRED_IF: Tuple[Tuple[str, Any, Tuple[str, ...]], ...] = (
    ("provider", "gitea", ("api_url",)),
    ("provider", "bitbucket_server", ("api_url",)),
)


# ---------------------------------------------------------------------------
# AnsibleModule
# ---------------------------------------------------------------------------

def argument_spec(door: str) -> Dict[str, Dict[str, Any]]:
    """AnsibleModule's argument_spec for one module."""
    spec: Dict[str, Dict[str, Any]] = {}
    for o in at(door):
        entry: Dict[str, Any] = {"type": o.type}
        if o.default is not None:
            entry["default"] = _copy(o.default)
        if o.choices:
            entry["choices"] = list(o.choices)
        if o.aliases:
            entry["aliases"] = list(o.aliases)
        if o.elements:
            entry["elements"] = o.elements
        if o.secret:
            entry["no_log"] = True
        if door in o.required:
            entry["required"] = True
        spec[o.name] = entry
    return spec


def module_kwargs(door: str) -> Dict[str, Any]:
    """AnsibleModule(**module_kwargs(door)): spec and constraints."""
    spec = argument_spec(door)

    def applies(names: Sequence[str]) -> bool:
        return all(n in spec for n in names)
    return dict(
        argument_spec=spec,
        supports_check_mode=True,
        mutually_exclusive=[list(g) for g in MUTUALLY_EXCLUSIVE if applies(g)],
        required_together=[list(g) for g in REQUIRED_TOGETHER if applies(g)],
        required_if=[[name, value, list(req)] for name, value, req in REQUIRED_IF if applies((name,) + req)],
    )


# ---------------------------------------------------------------------------
# Strings from a command line, the environment or an Action input
# ---------------------------------------------------------------------------

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _split(o: Option, value: str) -> List[str]:
    if o.split == "lines":
        return [v.strip() for v in value.splitlines() if v.strip()]
    if o.split == "shell":
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise ConfigError("%s %r cannot be split into arguments (%s): check its quotes" % (o.name, value, exc)) \
                from None
    return [v for v in value.replace(",", " ").split() if v]


def parse_text(o: Option, raw: Any) -> Any:
    """The typed value of an option given as text (None when empty).

    A list arrives as repeated flags (a list of strings) or as one string:
    split on commas, spaces and newlines ("words"), on newlines only
    ("lines") or as a shell would split an argv ("shell": one string; a
    list is an argv already). Values that are already typed (a YAML config)
    pass through.
    """
    if raw is None:
        return None
    if o.type == "list":
        values = raw if isinstance(raw, (list, tuple)) else [raw]
        if o.split == "shell" and isinstance(raw, (list, tuple)):
            return [str(v) for v in raw]      # an argv already (a YAML list): nothing to split
        items: List[str] = []
        for value in values:
            items += _split(o, value) if isinstance(value, str) else [str(value)]
        return items
    if isinstance(raw, (list, tuple)):
        raw = raw[-1]
    if o.type == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text == "":
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ConfigError("%s must be true or false, not %r" % (o.name, raw))
    if o.type in ("int", "float"):
        if isinstance(raw, bool):
            raise ConfigError("%s must be a number, not %r" % (o.name, raw))
        if isinstance(raw, (int, float)) and o.type == "float":
            return float(raw)
        text = str(raw).strip()
        if text == "":
            return None
        try:
            return int(text) if o.type == "int" else float(text)
        except ValueError:
            raise ConfigError("%s must be %s, not %r" % (
                o.name, "a whole number" if o.type == "int" else "a number", raw)) from None
    text = str(raw) if o.secret else str(raw).strip()
    return text if text != "" else None


def check_choice(o: Option, value: Any) -> None:
    """Choices are checked where the door did not check them (argparse, env)."""
    if not o.choices or value is None:
        return
    for item in (value if isinstance(value, list) else [value]):
        if item not in o.choices:
            raise ConfigError("%s %r is not known: use one of %s" % (o.name, item, ", ".join(map(str, o.choices))))


def from_env(o: Option, environ: Mapping[str, str]) -> Optional[str]:
    """The option's BULK_CLONE_<NAME> (or an alias's) value, when set and not blank."""
    for name in o.env_names:
        env_value = environ.get(name)
        if env_value is not None and env_value.strip() != "":
            return env_value
    return None


def resolve(door: str, given: Mapping[str, Any], environ: Mapping[str, str],
            configured: Optional[Mapping[str, Any]] = None, extra: Sequence[Option] = ()) -> Dict[str, Any]:
    """Every option of a door: given value, else BULK_CLONE_<NAME>, else the
    configured value (a config file's profile), else the door's default.

    ``given`` holds raw values (text or typed) for the options a person set;
    missing or None means "not given". Used by the console (flags, a config
    file) and so by the Action, whose inputs arrive as BULK_CLONE_* variables.
    ``extra`` options join the door's (`bulk-clone list` takes the console's
    token_command besides the listing module's options).
    """
    configured = configured or {}
    values: Dict[str, Any] = {}
    for o in list(at(door)) + list(extra):
        raw = given.get(o.name)
        if raw is None or (isinstance(raw, (list, str)) and len(raw) == 0 and o.type != "list"):
            raw = from_env(o, environ)
        if raw is None:
            raw = configured.get(o.name)
        value = parse_text(o, raw)
        if value is None:
            value = _copy(o.default_at(door))
        check_choice(o, value)
        values[o.name] = value
    return values
