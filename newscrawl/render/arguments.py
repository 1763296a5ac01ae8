"""The ``render`` spider argument, shared by every spider that can render pages in a browser."""

from __future__ import annotations

from newscrawl.errors import UsageError

RENDER_ARGUMENTS = {
    "render": "js to render pages in Chromium, off to never render (default: the site profile's render_js)",
}

_VALUES = {"js": True, "off": False}


def check_render(value: object) -> bool | None:
    """``True`` for ``render=js``, ``False`` for ``render=off``, ``None`` when not given."""
    if value is None or value == "":
        return None
    try:
        return _VALUES[str(value).strip().lower()]
    except KeyError:
        raise UsageError(f"argument render: {value!r} is not js or off") from None
