"""Page bytes to text: the charset from the BOM, the HTTP header, the page's ``<meta>`` or a guess."""

from __future__ import annotations

import codecs

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding, read_bom


def decode(body: bytes | str, content_type: str | None = None, fallback: str | None = None) -> str:
    """Decode page bytes; a wrong HTTP charset is overruled when the bytes say otherwise (docs/politeness.md#charsets).

    A byte-order mark wins. Otherwise the declared charsets (HTTP ``Content-Type``, then ``<meta>``) are
    tried in that order and the first that decodes the bytes without error is used, except that bytes
    which are valid UTF-8 are read as UTF-8 when either declaration says UTF-8 (a single-byte charset such
    as windows-1251 decodes any bytes, so its succeeding proves nothing). With no declaration at all: UTF-8,
    then ``fallback`` (the site's legacy charset), or for a site without one charset_normalizer's guess.
    Last resort: w3lib's sniffing with replacement characters.
    """
    if isinstance(body, str):
        return body
    if read_bom(body)[0] is not None:
        return html_to_unicode(content_type, body)[1]
    declared = [e for e in (http_content_type_encoding(content_type), html_body_declared_encoding(body)) if e]
    names = list(dict.fromkeys(_codec_name(e) for e in declared))
    if not names or "utf-8" in names:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for name in [*names, *([_codec_name(fallback)] if fallback and not names else [])]:
        try:
            return body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    if not names and not fallback:
        # Undeclared and not UTF-8, on a site without a profile: the charset the bytes look like
        # (w3lib's sniffing below reads them as UTF-8 with replacement characters).
        from charset_normalizer import from_bytes

        guess = from_bytes(body).best()
        if guess is not None:
            return str(guess)
    return html_to_unicode(content_type, body)[1]


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding
