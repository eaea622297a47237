# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every door agrees with the option table (plugins/module_utils/options.py).

The table is the one place an option is declared. The modules' argument
specs and the console's flags are built from it at run time; the files that
cannot be (action.yml, the role's argument specs and task, the modules'
DOCUMENTATION) are generated from it or checked against it here, so any
difference in names, types, defaults or choices fails.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from bulk_clone_engine import options as table
from bulk_clone_engine.console import build_parser

ROOT = Path(__file__).resolve().parents[2]
MODULES = {table.BULK_CLONE: "bulk_clone", table.ORG_REPOS: "org_repos_info"}


def _string_constants(path: Path) -> Dict[str, str]:
    """Module-level (and class-level) string constants of a Python file, without importing it."""
    found: Dict[str, str] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def documented_options(module: str) -> Dict[str, Dict[str, Any]]:
    doc = yaml.safe_load(_string_constants(ROOT / "plugins" / "modules" / (module + ".py"))["DOCUMENTATION"])
    fragments = _string_constants(ROOT / "plugins" / "doc_fragments" / "forge.py")
    merged: Dict[str, Dict[str, Any]] = {}
    for name in doc.get("extends_documentation_fragment") or []:
        attribute = name.split(".")[3].upper() if name.count(".") == 3 else "DOCUMENTATION"
        merged.update(yaml.safe_load(fragments[attribute])["options"])
    merged.update(doc.get("options") or {})
    return merged


@pytest.mark.parametrize("door", sorted(MODULES))
def test_module_documentation_matches_the_table(door):
    docs = documented_options(MODULES[door])
    spec = table.argument_spec(door)
    assert sorted(docs) == sorted(spec), "documented options differ from the table's options at %s" % door
    for name, entry in spec.items():
        doc = docs[name]
        assert doc.get("type", "str") == entry["type"], name
        assert doc.get("default") == entry.get("default"), name
        assert list(doc.get("choices") or []) == list(entry.get("choices") or []), name
        assert sorted(doc.get("aliases") or []) == sorted(entry.get("aliases") or []), name
        assert doc.get("elements") == entry.get("elements"), name
        assert bool(doc.get("required")) == bool(entry.get("required")), name


def test_generated_doors_are_up_to_date():
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_doors.py"), "--check"], capture_output=True,
                         text=True, cwd=str(ROOT), check=False)
    assert run.returncode == 0, "run `python tools/gen_doors.py`:\n" + run.stdout + run.stderr


def test_action_inputs_are_the_table_plus_the_interpreter():
    inputs = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["inputs"]
    expected = {o.input_name: o for o in table.at(table.ACTION)}
    assert set(inputs) == set(expected) | {"python"}
    for name, o in expected.items():
        if table.ACTION in o.required:
            assert inputs[name]["required"] is True and "default" not in inputs[name], name
            continue
        default = o.default_at(table.ACTION)
        shown = inputs[name]["default"]
        if isinstance(default, bool):
            assert shown == ("true" if default else "false"), name
        elif default in (None, []):
            assert shown == "", name
        else:
            assert type(default)(shown) == default, name


def test_console_flags_show_every_option_with_choices_and_defaults():
    parser = build_parser()
    flags = {a.dest: a for a in parser._actions if a.help != "==SUPPRESS=="}   # pylint: disable=protected-access
    text = parser.format_help()
    for o in table.at(table.CONSOLE):
        if o.secret:
            assert o.name not in flags, "%s is a secret: never a flag (argv is public)" % o.name
            continue
        assert o.name in flags, o.name
        assert o.env_name in text
        for choice in (o.choices if o.type != "list" else ()):
            assert str(choice) in flags[o.name].help
        default = o.default_at(table.CONSOLE)
        if default not in (None, [], ""):
            assert "[default: " in flags[o.name].help, o.name


def test_a_door_without_an_option_says_why():
    for o in table.OPTIONS:
        for door in table.DOORS:
            if door in o.doors:
                continue
            if door == table.ORG_REPOS and o.group not in ("forge", "selection", "listing"):
                continue        # org_repos_info lists; it takes no sync option
            if door == table.ACTION and table.CONSOLE in o.doors and table.ACTION not in o.not_at:
                # The Action runs the console, so it shows what the console shows, unless the
                # table says why not (token_file, token_command: the Action has its token input).
                pytest.fail("%s: the Action runs the console, so it shows what the console shows" % o.name)
            assert door in o.not_at or "*" in o.not_at, "%s is missing at %s without a reason" % (o.name, door)


def test_the_role_passes_every_role_option_to_the_module():
    tasks = (ROOT / "roles" / "workspace" / "tasks" / "main.yml").read_text(encoding="utf-8")
    for o in table.at(table.ROLE):
        assert "item.%s " % o.name in tasks, o.name


def test_one_default_per_option():
    """The defaults live in the table only: no door file restates one by hand."""
    role_defaults = yaml.safe_load((ROOT / "roles" / "workspace" / "defaults" / "main.yml").read_text())
    restated = [k for k, v in role_defaults.items() if k.startswith("workspace_")
                and k[len("workspace_"):] in table.BY_NAME and table.option(k[len("workspace_"):]).default == v]
    assert restated == [], "role defaults restate module defaults: %s" % restated
