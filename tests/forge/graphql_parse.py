# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A tiny GraphQL reader: enough of the language for listing queries.

Supported: `query Name($v: Type = default, ...) { ... }` or a bare `{ ... }`,
aliases, arguments (variables, ints, floats, strings, block strings,
booleans, null, enums, lists, input objects), nested selections, inline
fragments (`... on T { }`, type condition ignored), named fragments
(`fragment F on T { }` + `...F`), `@include/@skip(if:)`, comments.
Not supported: mutations, subscriptions, multiple operations without
operationName. Why hand-written: the forge must not need a GraphQL server
library, and providers only send a few fixed listing shapes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

_TOKEN = re.compile(r'''
    (?P<ws>[\s,\ufeff]+|\#[^\n]*)
  | (?P<block>"""(?:\\"""|[^"]|"(?!""))*""")
  | (?P<string>"(?:\\.|[^"\\\n])*")
  | (?P<float>-?\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+))
  | (?P<int>-?\d+)
  | (?P<spread>\.\.\.)
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<punct>[!$():=@\[\]{}|&])
''', re.VERBOSE)


class GraphQLSyntaxError(ValueError):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line, self.column = line, column


@dataclass
class Var:
    name: str


@dataclass
class Enum:
    value: str


@dataclass
class Field:
    name: str
    alias: str
    args: Dict[str, Any]
    selections: List["Field"] = field(default_factory=list)
    line: int = 1
    column: int = 1
    directives: List[Tuple[str, Dict[str, Any]]] = field(default_factory=list)


@dataclass
class Operation:
    kind: str
    name: Optional[str]
    var_defaults: Dict[str, Any]
    selections: List[Field]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: List[Tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                line, col = self._where(pos)
                raise GraphQLSyntaxError("Parse error on \"%s\"" % text[pos:pos + 10], line, col)
            kind = m.lastgroup or ""
            if kind != "ws":
                self.tokens.append((kind, m.group(), pos))
            pos = m.end()
        self.i = 0
        self.fragments: Dict[str, Tuple[List[Field], int]] = {}

    def _where(self, pos: int) -> Tuple[int, int]:
        line = self.text.count("\n", 0, pos) + 1
        return line, pos - (self.text.rfind("\n", 0, pos) + 1) + 1

    def peek(self) -> Tuple[str, str, int]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("eof", "", len(self.text))

    def take(self, value: Optional[str] = None, kind: Optional[str] = None) -> str:
        tok_kind, tok, pos = self.peek()
        if (value is not None and tok != value) or (kind is not None and tok_kind != kind) or tok_kind == "eof":
            line, col = self._where(pos)
            raise GraphQLSyntaxError("Parse error on \"%s\" (%s)" % (tok or "end of query", tok_kind.upper()),
                                     line, col)
        self.i += 1
        return tok

    def document(self) -> Tuple[List[Operation], Dict[str, List[Field]]]:
        ops: List[Operation] = []
        raw_fragments: Dict[str, List[Field]] = {}
        while self.peek()[0] != "eof":
            kind, tok, _pos = self.peek()
            if tok == "{":
                ops.append(Operation("query", None, {}, self.selection_set()))
            elif tok in ("query", "mutation", "subscription"):
                self.take()
                name = self.take(kind="name") if self.peek()[0] == "name" else None
                defaults = self.variable_defs() if self.peek()[1] == "(" else {}
                self.directives()
                ops.append(Operation(tok, name, defaults, self.selection_set()))
            elif tok == "fragment":
                self.take()
                name = self.take(kind="name")
                self.take("on")
                self.take(kind="name")
                self.directives()
                raw_fragments[name] = self.selection_set()
            else:
                self.take("{")
        return ops, raw_fragments

    def variable_defs(self) -> Dict[str, Any]:
        defaults: Dict[str, Any] = {}
        self.take("(")
        while self.peek()[1] != ")":
            self.take("$")
            name = self.take(kind="name")
            self.take(":")
            self.type_ref()
            if self.peek()[1] == "=":
                self.take("=")
                defaults[name] = self.value()
            self.directives()
        self.take(")")
        return defaults

    def type_ref(self) -> None:
        if self.peek()[1] == "[":
            self.take("[")
            self.type_ref()
            self.take("]")
        else:
            self.take(kind="name")
        if self.peek()[1] == "!":
            self.take("!")

    def directives(self) -> List[Tuple[str, Dict[str, Any]]]:
        found = []
        while self.peek()[1] == "@":
            self.take("@")
            name = self.take(kind="name")
            found.append((name, self.arguments() if self.peek()[1] == "(" else {}))
        return found

    def selection_set(self) -> List[Field]:
        self.take("{")
        fields: List[Field] = []
        while self.peek()[1] != "}":
            if self.peek()[0] == "spread":
                self.take()
                if self.peek()[1] == "on":
                    self.take("on")
                    self.take(kind="name")
                    self.directives()
                    fields.extend(self.selection_set())
                elif self.peek()[1] in ("{", "@"):
                    self.directives()
                    fields.extend(self.selection_set())
                else:
                    name = self.take(kind="name")
                    self.directives()
                    fields.append(Field(name="...", alias=name, args={}))
                continue
            _kind, _tok, pos = self.peek()
            line, col = self._where(pos)
            name = self.take(kind="name")
            alias = name
            if self.peek()[1] == ":":
                self.take(":")
                name = self.take(kind="name")
            args = self.arguments() if self.peek()[1] == "(" else {}
            directives = self.directives()
            subs = self.selection_set() if self.peek()[1] == "{" else []
            fields.append(Field(name=name, alias=alias, args=args, selections=subs, line=line, column=col,
                                directives=directives))
        self.take("}")
        return fields

    def arguments(self) -> Dict[str, Any]:
        args: Dict[str, Any] = {}
        self.take("(")
        while self.peek()[1] != ")":
            name = self.take(kind="name")
            self.take(":")
            args[name] = self.value()
        self.take(")")
        return args

    def value(self) -> Any:
        kind, tok, _pos = self.peek()
        if tok == "$":
            self.take("$")
            return Var(self.take(kind="name"))
        if kind == "int":
            self.take()
            return int(tok)
        if kind == "float":
            self.take()
            return float(tok)
        if kind == "string":
            self.take()
            return json.loads(tok)          # GraphQL string escapes are JSON's
        if kind == "block":
            self.take()
            return tok[3:-3]
        if tok == "[":
            self.take("[")
            items = []
            while self.peek()[1] != "]":
                items.append(self.value())
            self.take("]")
            return items
        if tok == "{":
            self.take("{")
            obj = {}
            while self.peek()[1] != "}":
                key = self.take(kind="name")
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        if kind == "name":
            self.take()
            if tok in ("true", "false", "null"):
                return {"true": True, "false": False, "null": None}[tok]
            return Enum(tok)
        self.take("{")               # raises a syntax error naming the token
        return None


def parse(text: str, operation_name: Optional[str] = None) -> Operation:
    parser = _Parser(text)
    ops, fragments = parser.document()
    if not ops:
        raise GraphQLSyntaxError("No operations given")
    if operation_name:
        chosen = [op for op in ops if op.name == operation_name]
        if not chosen:
            raise GraphQLSyntaxError("No operation named \"%s\"" % operation_name)
        op = chosen[0]
    elif len(ops) > 1:
        raise GraphQLSyntaxError("An operation name is required")
    else:
        op = ops[0]
    op.selections = _expand(op.selections, fragments, 0)
    return op


def _expand(fields: List[Field], fragments: Dict[str, List[Field]], depth: int) -> List[Field]:
    if depth > 20:
        raise GraphQLSyntaxError("Fragments are nested too deeply")
    out: List[Field] = []
    for f in fields:
        if f.name == "...":
            if f.alias not in fragments:
                raise GraphQLSyntaxError("Fragment %s was used, but not defined" % f.alias)
            out.extend(_expand(fragments[f.alias], fragments, depth + 1))
        else:
            f.selections = _expand(f.selections, fragments, depth + 1)
            out.append(f)
    return out


def resolve_value(value: Any, variables: Dict[str, Any]) -> Any:
    if isinstance(value, Var):
        return variables.get(value.name)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [resolve_value(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: resolve_value(v, variables) for k, v in value.items()}
    return value
