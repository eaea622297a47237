# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validated settings shared by every front door.

The Ansible modules, the Action's console and the tests all build these from
plain values, so every option is checked once, here, with one wording of the
error a user sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, urlparse, urlsplit, urlunsplit

from .errors import ConfigError
from .options import PROVIDERS, option
from .redact import MASK


# Owner kinds each provider really has. "auto" asks the forge which one a name is.
OWNER_KINDS = {
    # starred: the repositories the named users (none: the token's user) starred.
    "github": ("auto", "org", "user", "self", "installation", "starred"),
    # all: every project the token can see on the instance (an admin's token: all of them).
    "gitlab": ("auto", "group", "user", "all", "starred"),
    "gitea": ("auto", "org", "user", "starred"),
    # Bitbucket Cloud: every owner is a workspace.
    "bitbucket": ("auto", "workspace"),
    # Data Center: project keys; auto reads ~NAME as a personal project, user names one.
    "bitbucket_server": ("auto", "project", "user"),
}

DEFAULT_API_URLS = {
    "github": "https://api.github.com",
    "gitlab": "https://gitlab.com",
    "bitbucket": "https://api.bitbucket.org/2.0",
}

# What api_url looks like for the providers without a default.
API_URL_EXAMPLES = {
    "gitea": "https://gitea.example.com",
    "bitbucket_server": "https://bitbucket.example.com (with its context path, if any)",
}

# Providers that take `username` beside the token (Basic auth).
USERNAME_PROVIDERS = ("bitbucket", "bitbucket_server")

GITHUB_APIS = ("rest", "graphql")


@dataclass(frozen=True)
class OwnerRef:
    name: str
    kind: str = "auto"

    def __str__(self) -> str:
        return self.name if self.kind == "auto" else "%s %s" % (self.kind, self.name)


@dataclass
class ForgeConfig:
    provider: str
    api_url: str
    token: Optional[str] = field(default=None, repr=False)
    # Bitbucket: the Atlassian account email (Cloud API tokens) or the user
    # name (Data Center personal tokens), for Basic auth. Never put in URLs.
    username: Optional[str] = field(default=None, repr=False)
    app_id: Optional[str] = None
    app_private_key: Optional[str] = field(default=None, repr=False)
    app_installation_id: Optional[int] = None
    api: str = option("api").default
    # Tuning knobs the doors do not show (options.py says why): their defaults live here.
    per_page: int = 100
    max_wait: float = option("max_wait").default
    max_calls_per_second: Optional[float] = None
    secondary_min_wait: float = 60.0
    max_tries: int = 6
    retry_base: float = 1.0
    timeout: float = option("timeout").default
    validate_certs: bool = option("validate_certs").default
    # GitLab: also list the projects of other namespaces shared with a group.
    with_shared: bool = option("with_shared").default

    @property
    def host(self) -> str:
        """The forge's web host as users know it (api.github.com -> github.com).

        Never carries userinfo: it names folders ({host}), journal keys and
        reports. build_forge_config refuses credentials in api_url anyway.
        """
        netloc = urlparse(self.api_url).netloc.rpartition("@")[2]
        for api_host, web_host in (("api.github.com", "github.com"), ("api.bitbucket.org", "bitbucket.org")):
            if netloc.startswith(api_host):
                return web_host + netloc[len(api_host):]
        return netloc


# Query parameters through which the forges accept a credential (Gitea's
# ?token= and ?access_token=, GitLab's ?private_token=, OAuth's ?access_token=).
_CREDENTIAL_PARAMS = ("token", "access_token", "private_token", "password", "secret")
_URL_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)@")


def option_label(option: str, source: Optional[str] = None) -> str:
    """How a message names an option: with the environment variable it was
    read from, if it was, so the user knows where to fix it."""
    return "%s (from the environment variable %s)" % (option, source) if source else option


def clean_secret(value: Optional[str], option: str, source: Optional[str] = None,
                 multiline: bool = False) -> Optional[str]:
    """The secret without surrounding whitespace (a token read from a file
    ends in a newline); refused if a control character is left inside it.

    Refused here, before any request, because an HTTP library that is handed
    such a header repeats it whole, escaped, in its error (and no_log cannot
    recognise the escaped form). The message names the option and never the
    value or any part of it. multiline keeps inner line breaks (a PEM key).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError("%s must be a string" % option_label(option, source))
    cleaned = value.strip()
    if not cleaned:
        return None
    allowed = "\n\r\t" if multiline else ""
    if any((ord(c) < 32 or 127 <= ord(c) < 160) and c not in allowed for c in cleaned):
        raise ConfigError(
            "%s contains a control character%s inside it (only surrounding whitespace is removed); "
            "copy the %s again without it" % (option_label(option, source),
                                              "" if multiline else " or a line break",
                                              "key" if multiline else "token"))
    if not multiline and any(ord(c) > 126 or c.isspace() for c in cleaned):
        # No forge issues such tokens; a typographic quote, dash or space
        # picked up while copying would make the HTTP library fail later,
        # quoting the header.
        raise ConfigError("%s contains a space or a character that is not plain ASCII; copy the token "
                          "again without it" % option_label(option, source))
    return cleaned


def safe_url(url: str) -> str:
    """A URL fit for a message: userinfo shown as ***, the query left out."""
    match = _URL_USERINFO.match(url.strip())
    if match:
        url = url.strip()[:match.start(2)] + MASK + url.strip()[match.end(2):]
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?")[0] if not match else "%s://%s@..." % (match.group(1), MASK)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def url_credentials(url: Optional[str]) -> List[str]:
    """The secret parts of a URL (userinfo, its password, credential query
    values), for a door to mask before it echoes its own arguments (Ansible
    prints module_args at -vvv; the URL is refused, but still shown)."""
    if not url:
        return []
    found: List[str] = []
    match = _URL_USERINFO.match(url.strip())
    if match and match.group(2):
        userinfo = match.group(2)
        found.append(userinfo)
        user, _sep, password = userinfo.partition(":")
        found.append(password or user)
    try:
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    except ValueError:
        query = []
    found += [value for key, value in query if key.lower() in _CREDENTIAL_PARAMS and value]
    return [f for f in found if f]


def refuse_url_credentials(url: str, option: str, where_token_goes: str) -> None:
    """Credentials in a URL end up in logs, reports, folder names and git's
    own messages: refuse them, without echoing them, and say where the token
    belongs. Userinfo counts for http(s) even without a password (a token
    given as the user name); for ssh only a password does (git@ is a login).
    Checked on the text itself, so that a URL urllib cannot parse is caught too.
    """
    carries = False
    match = _URL_USERINFO.match(url.strip())
    if match:
        carries = match.group(1).lower() in ("http", "https") or ":" in match.group(2)
    if not carries:
        try:
            query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
        except ValueError:
            query = []
        carries = any(key.lower() in _CREDENTIAL_PARAMS for key, _value in query)
    if carries:
        raise ConfigError("%s must not carry credentials in the URL (%s): give the token as %s"
                          % (option, safe_url(url), where_token_goes))


def build_forge_config(
    provider: Optional[str],
    api_url: Optional[str] = None,
    token: Optional[str] = None,
    app_id: Optional[str] = None,
    app_private_key: Optional[str] = None,
    app_installation_id: Optional[int] = None,
    api: Optional[str] = None,
    max_wait: Optional[float] = None,
    max_calls_per_second: Optional[float] = None,
    validate_certs: bool = True,
    timeout: Optional[float] = None,
    per_page: Optional[int] = None,
    secondary_min_wait: Optional[float] = None,
    max_tries: Optional[int] = None,
    retry_base: Optional[float] = None,
    secret_sources: Optional[Mapping[str, str]] = None,
    username: Optional[str] = None,
    with_shared: bool = False,
) -> ForgeConfig:
    """Check the forge options together and name the one to change.

    secret_sources maps token / app_private_key to the environment variable
    a door read it from, so that an error names where to fix it.
    """
    sources = dict(secret_sources or {})
    token = clean_secret(token, "token", sources.get("token"))
    app_private_key = clean_secret(app_private_key, "app_private_key", sources.get("app_private_key"),
                                   multiline=True)
    if provider not in PROVIDERS:
        raise ConfigError(
            "provider %r is not supported: use one of %s" % (provider, ", ".join(PROVIDERS))
        )
    if not api_url:
        if provider not in DEFAULT_API_URLS:
            raise ConfigError(
                "api_url is required for provider %s (e.g. %s)" % (provider, API_URL_EXAMPLES.get(provider, "https://HOST"))
            )
        api_url = DEFAULT_API_URLS[provider]
    refuse_url_credentials(api_url, "api_url", "the token option (or the BULK_CLONE_TOKEN environment variable); "
                                               "it is sent to the forge in a header")
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(
            "api_url %r is not an http(s) URL: give e.g. https://api.github.com, "
            "https://ghes.example.com/api/v3, https://gitlab.example.com or "
            "https://gitea.example.com" % safe_url(api_url)
        )
    api = api or "rest"
    if api not in GITHUB_APIS:
        raise ConfigError("api %r is not known: use rest or graphql" % api)
    if api == "graphql" and provider != "github":
        raise ConfigError("api: graphql is only available for provider github; remove it or use rest")
    app_given = [v is not None and v != "" for v in (app_id, app_private_key, app_installation_id)]
    if any(app_given):
        if provider != "github":
            raise ConfigError("app_id/app_private_key/app_installation_id are GitHub App settings; "
                              "provider %s takes a token" % provider)
        if not all(app_given):
            raise ConfigError("GitHub App authentication needs app_id, app_private_key and "
                              "app_installation_id together")
        if token:
            raise ConfigError("give either token or the GitHub App settings, not both")
    check_username(provider, username, token)
    if with_shared and provider != "gitlab":
        raise ConfigError("with_shared is a GitLab setting (projects of other groups shared with a group); "
                          "provider %s has no such sharing: remove with_shared" % provider)
    if max_wait is not None and max_wait < 0:
        raise ConfigError("max_wait must be 0 or more seconds, not %r" % max_wait)
    if timeout is not None and (isinstance(timeout, bool) or not timeout > 0):
        raise ConfigError("timeout must be more than 0 seconds (it is how long to wait for one API "
                          "response), not %r" % timeout)
    if max_calls_per_second is not None and max_calls_per_second <= 0:
        raise ConfigError("max_calls_per_second must be above 0, not %r" % max_calls_per_second)
    if per_page is not None and not 1 <= per_page <= 100:
        raise ConfigError("per_page must be between 1 and 100, not %r" % per_page)
    # The three retry knobs keep GitHub's and backoff's sensible defaults for
    # users; tests and impatient CI jobs set them small.
    if secondary_min_wait is not None and secondary_min_wait < 0:
        raise ConfigError("secondary_min_wait must be 0 or more seconds, not %r" % secondary_min_wait)
    if max_tries is not None and (isinstance(max_tries, bool) or int(max_tries) != max_tries or max_tries < 1):
        raise ConfigError("max_tries must be a whole number of 1 or more, not %r" % max_tries)
    if retry_base is not None and retry_base < 0:
        raise ConfigError("retry_base must be 0 or more seconds, not %r" % retry_base)
    cfg = ForgeConfig(
        provider=provider,
        api_url=api_url.rstrip("/"),
        token=token or None,
        username=username or None,
        app_id=str(app_id) if app_id else None,
        app_private_key=app_private_key or None,
        app_installation_id=int(app_installation_id) if app_installation_id else None,
        api=api,
        max_calls_per_second=max_calls_per_second,
        validate_certs=validate_certs,
        with_shared=bool(with_shared),
    )
    if max_wait is not None:
        cfg.max_wait = float(max_wait)
    if timeout is not None:
        cfg.timeout = float(timeout)
    if per_page is not None:
        cfg.per_page = per_page
    if secondary_min_wait is not None:
        cfg.secondary_min_wait = float(secondary_min_wait)
    if max_tries is not None:
        cfg.max_tries = int(max_tries)
    if retry_base is not None:
        cfg.retry_base = float(retry_base)
    return cfg


def check_username(provider: str, username: Optional[str], token: Optional[str]) -> None:
    """`username` turns the token into a Basic login; only Bitbucket has those."""
    if not username:
        return
    if provider not in USERNAME_PROVIDERS:
        raise ConfigError("username is for provider bitbucket (your Atlassian account email, with an API token) "
                          "and bitbucket_server (your user name, with a personal HTTP access token); provider %s "
                          "takes a token alone: remove username" % provider)
    if not token:
        raise ConfigError("username is set but token is empty: give the %s that goes with it in token"
                          % ("Atlassian API token" if provider == "bitbucket" else "HTTP access token"))
    if provider == "bitbucket" and "@" not in username:
        raise ConfigError("username for provider bitbucket is your Atlassian account email (e.g. you@example.com), "
                          "not your Bitbucket user name: Bitbucket's REST API accepts an API token only with the "
                          "email. For an access token (repository, project or workspace) leave username out")


def build_owners(provider: str, owners: Sequence[str], owner_kind: Optional[str] = None) -> Tuple[OwnerRef, ...]:
    """Owners are names; the kind says how to list them (org, group, user...)."""
    kind = owner_kind or "auto"
    allowed = OWNER_KINDS[provider]
    if kind not in allowed:
        raise ConfigError(
            "owner_kind %r does not exist on %s: use one of %s" % (kind, provider, ", ".join(allowed))
        )
    names = [o.strip().strip("/") for o in (owners or []) if o and o.strip()]
    if kind in ("self", "installation"):
        if names:
            raise ConfigError("owner_kind %s lists the token's own repositories: leave owners empty" % kind)
        return (OwnerRef("", kind),)
    if kind == "starred" and not names:
        return (OwnerRef("", kind),)        # the token's own user
    if kind == "all":
        if names:
            raise ConfigError("owner_kind all lists every project of the instance the token can see: leave owners "
                              "empty (or name groups and users with owner_kind auto)")
        return (OwnerRef("", kind),)
    if not names:
        raise ConfigError("owners is empty: name at least one organization, group or user")
    for name in names:
        if kind == "starred" and "/" in name:
            raise ConfigError("owner %r has a '/': with owner_kind starred, owners are user names (leave owners "
                              "empty for the token's own user)" % name)
        if provider != "gitlab" and "/" in name:
            raise ConfigError("owner %r has a '/': only GitLab groups nest; on %s name the org or user alone"
                              % (name, provider))
    seen = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return tuple(OwnerRef(n, kind) for n in seen)
