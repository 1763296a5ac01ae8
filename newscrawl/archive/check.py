"""The check of archive records against ``article.schema.json``, compiled once by ``fastjsonschema``.

``verify`` reads whole archives, so the schema is compiled into one Python function rather than walked per
record (``jsonschema`` manages a few thousand records a second). The schema file stays the one statement
of what a record is; a test checks the verdicts against ``jsonschema``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import fastjsonschema

from newscrawl.core.record import schema

Check = Callable[[Any], str | None]  # None when valid, else what is wrong


def compile_schema(root: Mapping[str, Any]) -> Check:
    """One function checking a value against ``root``: None when valid, else the first problem found."""
    validate = fastjsonschema.compile(dict(root))

    def check(value: Any) -> str | None:
        try:
            validate(value)
        except fastjsonschema.JsonSchemaValueException as exc:
            # fastjsonschema names the value "data": "data.lang must match pattern ..."
            return "record" + exc.message.removeprefix("data")
        return None

    return check


@cache
def record_check() -> Check:
    """The check of an archive record, compiled once per process."""
    return compile_schema(schema())
