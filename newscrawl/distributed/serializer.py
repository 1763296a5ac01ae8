"""The shared queue's request format: JSON, never pickle, so whoever can write to Redis cannot run code.

scrapy-redis serializes requests with pickle unless ``SCHEDULER_SERIALIZER`` names another module, and
unpickling runs whatever the bytes say. Here a request is Scrapy's own ``Request.to_dict`` (callbacks
and errbacks by method name) written as JSON; the few non-JSON values a request carries are tagged
objects with one key:

- ``{"$b": "<base64>"}`` bytes (the body, header names and values);
- ``{"$d": [[key, value], ...]}`` a dict whose keys are not all plain strings (headers);
- ``{"$date": "2023-05-01"}``, ``{"$datetime": "2023-05-01T10:00:00+03:00"}``;
- ``{"$ArticleRef": {...}}`` the article reference the spiders put in ``meta["ref"]``.

Anything else in a request (another object in ``meta``) cannot be queued: :func:`dumps` raises
``TypeError``. Decoding is strict: an entry that is not UTF-8 JSON of that shape, carries an unknown
tag, names a request class other than Scrapy's own, a callback that is not a public method of the
spider, or a URL that is not http(s) raises :class:`RejectedEntry`; nothing in an entry is ever
imported or called.

This module is also a scrapy-redis serializer (``loads``/``dumps``), set as ``SCHEDULER_SERIALIZER``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import inspect
import json
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import FormRequest, JsonRequest

from newscrawl.core.urls import ArticleRef

# The request classes an entry may name (``Request.to_dict`` adds ``_class`` for subclasses); no
# other name is looked up, so an entry cannot make a worker import a module.
REQUEST_CLASSES: dict[str, type[Request]] = {
    f"{cls.__module__}.{cls.__name__}": cls for cls in (FormRequest, JsonRequest)
}
DATACLASSES: dict[str, Any] = {"ArticleRef": ArticleRef}
TAGS = ("$b", "$d", "$date", "$datetime", *(f"${name}" for name in DATACLASSES))


class RejectedEntry(ValueError):
    """A queue entry that is not a request this project wrote (pickle, garbage, a foreign shape)."""


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"$d": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    name = type(value).__name__
    if DATACLASSES.get(name) is type(value):
        return {f"${name}": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"a {type(value).__qualname__} cannot be put in the shared request queue")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tagged = [k for k in value if k.startswith("$")]
    if not tagged:
        return {k: _decode(v) for k, v in value.items()}
    if len(value) != 1 or tagged[0] not in TAGS:
        raise RejectedEntry(f"unknown tagged value {sorted(value)[:3]!r}")
    tag, inner = tagged[0], value[tagged[0]]
    try:
        if tag == "$b":
            return base64.b64decode(inner, validate=True)
        if tag == "$d":
            return {_decode(k): _decode(v) for k, v in inner}
        if tag == "$date":
            return date.fromisoformat(inner)
        if tag == "$datetime":
            return datetime.fromisoformat(inner)
        return DATACLASSES[tag[1:]](**{k: _decode(v) for k, v in inner.items()})
    except (TypeError, ValueError, AttributeError, binascii.Error) as exc:
        raise RejectedEntry(f"bad {tag} value: {exc}") from None


def dumps(obj: dict[str, Any]) -> bytes:
    """A request dict (``Request.to_dict``) as JSON bytes; ``TypeError`` for a value JSON cannot hold."""
    return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def loads(data: bytes | str) -> dict[str, Any]:
    """The request dict of a queue entry; ``RejectedEntry`` for anything this module did not write."""
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RejectedEntry(f"not a JSON request ({exc.__class__.__name__})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("url"), str):
        raise RejectedEntry("not a JSON request (no url)")
    try:
        decoded = _decode(raw)
    except RecursionError:
        raise RejectedEntry("nested too deep") from None
    if not isinstance(decoded, dict):
        raise RejectedEntry("not a JSON request")
    return decoded


def _method_name(spider: Any, name: Any, what: str) -> Any:
    if name is None:
        return None
    method = getattr(spider, name, None) if isinstance(name, str) and not name.startswith("_") else None
    if not inspect.ismethod(method) or method.__self__ is not spider:
        raise RejectedEntry(f"{what} {name!r} is not a method of the spider")
    return method


def request_from_entry(data: bytes | str, spider: Any) -> Request:
    """The request a queue entry holds, checked field by field; ``RejectedEntry`` for anything else.

    Scrapy's ``request_from_dict`` would import whatever ``_class`` names; here only
    :data:`REQUEST_CLASSES` are accepted, and callbacks must be public methods of the spider.
    """
    d = loads(data)
    if urlsplit(d["url"]).scheme not in ("http", "https"):
        # file://, data:, s3:// ... would make a worker read what is not the web into the archive.
        raise RejectedEntry(f"URL scheme of {d['url'][:40]!r} is not http or https")
    class_name = d.get("_class")
    if class_name is None:
        cls: type[Request] = Request
    elif class_name in REQUEST_CLASSES:
        cls = REQUEST_CLASSES[class_name]
    else:
        raise RejectedEntry(f"request class {class_name!r} is not accepted")
    kwargs = {k: v for k, v in d.items() if k in cls.attributes and k not in ("callback", "errback")}
    kwargs["callback"] = _method_name(spider, d.get("callback"), "callback")
    kwargs["errback"] = _method_name(spider, d.get("errback"), "errback")
    if not isinstance(kwargs.get("meta", {}), dict) or not isinstance(kwargs.get("cb_kwargs", {}), dict):
        raise RejectedEntry("meta and cb_kwargs must be objects")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError, AttributeError) as exc:
        raise RejectedEntry(f"not a valid request: {exc}") from None
