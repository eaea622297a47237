# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`bulk-clone --config FILE`: the module's options in a YAML file, in named profiles.

Why the module's own keys: a person moving a task from a playbook to the
console (or back) copies the same keys; they are checked against the option
table (options.py), so a typo is an error naming the file, the profile and
the key, never an option silently ignored.

The file::

    # keys at the top apply to every profile
    token_command: gh auth token
    concurrency: 16
    default_profile: oss             # used when no --profile is given
    profiles:
      oss:
        owners: [ansible, pallets]
        dest: ~/src/oss
      work:
        provider: gitlab
        api_url: https://gitlab.example.com
        owners: [platform]
        dest: ~/src/work
        token_file: secrets/gitlab-token

A file without ``profiles`` is one profile. Relative paths (``type: path``
options) are taken from the file's folder, so the file works from any
current folder. Precedence, highest first: flags, ``BULK_CLONE_*``
environment variables, the profile, the file's top level, the defaults; a
credential given by a flag or the environment replaces every credential of
the file (a token in BULK_CLONE_TOKEN and a token_command in the file are
not "both given"). A token written in the file itself is accepted only when
no one but its owner can read the file (as ssh insists for keys).
"""

from __future__ import annotations

import difflib
import os
import stat
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

from .errors import ConfigError
from .options import BY_NAME, CONSOLE, Option, check_choice, parse_text

PROFILES_KEY = "profiles"
DEFAULT_PROFILE_KEY = "default_profile"
# Ways to give the forge's credential: one given by a flag or the environment replaces the file's.
CREDENTIALS = ("token", "token_file", "token_command", "app_id", "app_private_key", "app_installation_id")


def _names(doors: Iterable[str]) -> Dict[str, Option]:
    """Every name and alias an option has at these doors."""
    doors = tuple(doors)
    found: Dict[str, Option] = {}
    for o in BY_NAME.values():
        if any(d in o.doors for d in doors):
            for name in (o.name,) + o.aliases:
                found[name] = o
    return found


def _read(path: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise ConfigError("the Python library PyYAML is needed to read --config: pip install PyYAML") from None
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as exc:
        raise ConfigError("--config %s cannot be read (%s)" % (path, exc.strerror or exc)) from None
    except yaml.YAMLError as exc:
        raise ConfigError("--config %s is not valid YAML: %s" % (path, " ".join(str(exc).split()))) from None


def _choose(path: str, data: Mapping[str, Any], profile: Optional[str]) -> Tuple[Optional[str], Mapping[str, Any]]:
    profiles = data.get(PROFILES_KEY)
    if profiles is None:
        if profile:
            raise ConfigError("--profile %s: %s has no profiles (add a `profiles:` mapping, or leave out --profile)"
                              % (profile, path))
        return None, {}
    if not isinstance(profiles, dict) or not all(isinstance(v, dict) for v in profiles.values()):
        raise ConfigError("%s: `profiles` must map each profile's name to its options" % path)
    chosen = profile or data.get(DEFAULT_PROFILE_KEY)
    if not chosen:
        raise ConfigError("%s has the profiles %s: choose one with --profile NAME (or set default_profile)"
                          % (path, ", ".join(sorted(map(str, profiles)))))
    if chosen not in profiles:
        raise ConfigError("%s has no profile %r: it has %s" % (path, chosen, ", ".join(sorted(map(str, profiles)))))
    return str(chosen), profiles[chosen]


def _check(path: str, where: str, section: Mapping[str, Any], known: Mapping[str, Option],
           base: str) -> Dict[str, Any]:
    """The section's values by option name, typed and checked, paths made absolute."""
    values: Dict[str, Any] = {}
    for key, raw in section.items():
        o = known.get(str(key))
        if o is None:
            hint = difflib.get_close_matches(str(key), list(known), n=1)
            also = BY_NAME.get(str(key))
            if also is not None:
                why = also.not_at.get(CONSOLE) or also.not_at.get("*") or ""
                raise ConfigError("%s%s: %s is not an option of the console%s" % (path, where, key,
                                                                                  (": " + why) if why else ""))
            raise ConfigError("%s%s: unknown key %r%s; the keys are the module's option names" % (
                path, where, key, " (did you mean %s?)" % hint[0] if hint else ""))
        if o.name in values:
            raise ConfigError("%s%s: %s is given twice (under its name and an alias)" % (path, where, o.name))
        try:
            value = parse_text(o, raw)
            check_choice(o, value)
        except ConfigError as exc:
            raise ConfigError("%s%s: %s" % (path, where, exc)) from None
        if o.type == "path" and isinstance(value, str):
            value = os.path.join(base, os.path.expanduser(value))
        values[o.name] = value
    return values


def _private(path: str) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not mode & (stat.S_IRWXG | stat.S_IRWXO)


def load_profile(path: str, profile: Optional[str], doors: Iterable[str]) -> Dict[str, Any]:
    """The options a config file sets (top level, then the chosen profile),
    by option name, for the options of ``doors``."""
    path = os.path.abspath(os.path.expanduser(path))
    data = _read(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("--config %s must hold a mapping of option names to values" % path)
    known = _names(doors)
    base = os.path.dirname(path)
    name, chosen = _choose(path, data, profile)
    top = {k: v for k, v in data.items() if k not in (PROFILES_KEY, DEFAULT_PROFILE_KEY)}
    values = _check(path, "", top, known, base)
    values.update(_check(path, ", profile %s" % name, chosen, known, base))
    secrets = sorted(n for n in values if BY_NAME[n].secret and values[n])
    if secrets and not _private(path):
        raise ConfigError("%s holds %s and others can read it: chmod 600 %s, or use token_file or token_command "
                          "instead" % (path, " and ".join(secrets), path))
    return values


__all__ = ["CREDENTIALS", "load_profile"]
