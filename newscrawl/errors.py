"""Errors a user can fix: a bad argument or setting, reported as one line before any request."""

from __future__ import annotations


class UsageError(ValueError):
    """A bad spider argument or setting; the message names it."""
