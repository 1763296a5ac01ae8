"""A fast checker of archive records against ``article.schema.json``, compiled from the schema itself.

``jsonschema`` validates a few thousand records a second; ``verify`` must read at least 50,000. The record
schema uses a small part of JSON Schema (type, required, additionalProperties, properties, pattern,
minLength, minimum, items, oneOf, $ref, propertyNames), so it is compiled once into the source of one
plain Python function, as ``fastjsonschema`` does, but lean enough to check ~100,000 records a second.
The schema file stays the one statement of what a record is; a keyword outside that part is refused at
compile time rather than silently ignored, and a test checks the verdicts against ``jsonschema``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from newscrawl.core.record import schema

Check = Callable[[Any], str | None]  # None when valid, else what is wrong

_TYPES: dict[str, tuple[str, ...]] = {
    "string": ("str",),
    "integer": ("int",),
    "number": ("int", "float"),
    "boolean": ("bool",),
    "null": ("NoneType",),
    "array": ("list",),
    "object": ("dict",),
}
_IGNORED = {"$schema", "$id", "$defs", "title", "description"}


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.names: dict[str, Any] = {"NoneType": type(None), "MISSING": object()}
        self.functions: list[str] = []
        self.counter = 0

    def const(self, value: Any) -> str:
        self.counter += 1
        name = f"c{self.counter}"
        self.names[name] = value
        return name

    def var(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def function(self, node: Mapping[str, Any], where: str) -> str:
        name = self.var("check")
        lines = [f"def {name}(v):"]
        self.node(node, "v", where, lines, "    ")
        lines.append("    return None")
        self.functions.append("\n".join(lines))
        return name

    def fail(self, where: str, message: str, value: str | None = None) -> str:
        if value is None:
            return f"return {self.const(f'{where}: {message}')}"
        return f"return {self.const(where + ': ')} + repr({value})[:80] + {self.const(' ' + message)}"

    def node(self, node: Mapping[str, Any], v: str, where: str, out: list[str], ind: str) -> None:
        for keyword, value in node.items():
            if keyword in _IGNORED or keyword in {"properties", "additionalProperties", "required"}:
                continue
            self.keyword(keyword, value, v, where, out, ind)
        if "properties" in node or "required" in node or "additionalProperties" in node:
            self.object(node, v, where, out, ind)

    def keyword(self, keyword: str, value: Any, v: str, where: str, out: list[str], ind: str) -> None:
        if keyword == "type":
            names = value if isinstance(value, list) else [value]
            types = ", ".join(t for n in names for t in _TYPES[n])
            no_bool = "" if "boolean" in names else f" or {v}.__class__ is bool"
            fail = self.fail(where, "not " + " or ".join(names))
            out.append(f"{ind}if not isinstance({v}, ({types},)){no_bool}: {fail}")
        elif keyword == "pattern":
            search = self.const(re.compile(value).search)
            fail = self.fail(where, "does not match " + value, v)
            out.append(f"{ind}if {v}.__class__ is str and not {search}({v}): {fail}")
        elif keyword == "minLength":
            fail = self.fail(where, f"shorter than {value}")
            out.append(f"{ind}if {v}.__class__ is str and len({v}) < {int(value)}: {fail}")
        elif keyword == "minimum":
            fail = self.fail(where, f"below {value}")
            out.append(f"{ind}if isinstance({v}, (int, float)) and {v} < {value!r}: {fail}")
        elif keyword == "items":
            x = self.var("x")
            out.append(f"{ind}if {v}.__class__ is list:")
            out.append(f"{ind}    for {x} in {v}:")
            self.node(value, x, f"{where}[]", out, ind + "        ")
        elif keyword == "oneOf" and len(value) == 2 and {"type": "null"} in value and self.excludes_null(value):
            # "null, or a non-null thing": exactly one holds iff the value is None or matches the other.
            other = value[1 - value.index({"type": "null"})]
            out.append(f"{ind}if {v} is not None:")
            self.node(other, v, where, out, ind + "    ")
        elif keyword == "oneOf":
            options = [self.function(o, where) for o in value]
            count = " + ".join(f"({o}({v}) is None)" for o in options)
            out.append(f"{ind}if {count} != 1: {self.fail(where, 'does not match exactly one oneOf choice')}")
        elif keyword == "$ref":
            if not value.startswith("#/"):
                raise ValueError(f"only local $ref is supported, not {value!r}")
            target: Any = self.root
            for part in value[2:].split("/"):
                target = target[part]
            self.node(target, v, where, out, ind)
        elif keyword == "propertyNames":
            k = self.var("k")
            out.append(f"{ind}if {v}.__class__ is dict:")
            out.append(f"{ind}    for {k} in {v}:")
            self.node(value, k, f"{where} key", out, ind + "        ")
        else:
            raise ValueError(f"schema keyword {keyword!r} is not supported by the fast checker")

    def excludes_null(self, options: list[Any]) -> bool:
        other = options[1 - options.index({"type": "null"})]
        while "$ref" in other and set(other) <= {"$ref", "description"}:
            target: Any = self.root
            for part in other["$ref"][2:].split("/"):
                target = target[part]
            other = target
        kind = other.get("type")
        return kind is not None and "null" not in (kind if isinstance(kind, list) else [kind])

    def object(self, node: Mapping[str, Any], v: str, where: str, out: list[str], ind: str) -> None:
        props: Mapping[str, Any] = node.get("properties", {})
        out.append(f"{ind}if {v}.__class__ is dict:")
        ind2 = ind + "    "
        for name in node.get("required", ()):
            out.append(f"{ind2}if {name!r} not in {v}: {self.fail(where, f'missing {name}')}")
        for name, sub in props.items():
            x = self.var("p")
            out.append(f"{ind2}{x} = {v}.get({name!r}, MISSING)")
            out.append(f"{ind2}if {x} is not MISSING:")
            before = len(out)
            self.node(sub, x, f"{where}.{name}", out, ind2 + "    ")
            if len(out) == before:
                out.append(f"{ind2}    pass")
        extra = node.get("additionalProperties", True)
        known = self.const(frozenset(props))
        if extra is False:
            out.append(f"{ind2}if not {v}.keys() <= {known}: {self.fail(where, 'has unknown fields')}")
        elif isinstance(extra, dict):
            k, x = self.var("k"), self.var("x")
            out.append(f"{ind2}for {k}, {x} in {v}.items():")
            out.append(f"{ind2}    if {k} not in {known}:")
            self.node(extra, x, f"{where}.*", out, ind2 + "        ")


def compile_schema(root: Mapping[str, Any]) -> Check:
    """One function checking a value against ``root``: None when valid, else the first problem found."""
    compiler = _Compiler(root)
    name = compiler.function(root, "record")
    namespace = dict(compiler.names)
    exec("\n\n".join(compiler.functions), namespace)  # source built above from the schema only
    check: Check = namespace[name]
    return check


@cache
def record_check() -> Check:
    """The check of an archive record, compiled once per process."""
    return compile_schema(schema())
