"""JavaScript rendering through scrapy-playwright and Chromium: opt-in, bounded, and mirror-aware.

A request is rendered when it carries ``meta["playwright"] = True``: set in code, by
:class:`~newscrawl.render.middleware.RenderMiddleware` for spiders crawling with ``-a render=js`` or a
site profile with ``render_js``, or when a plain download came back as a JavaScript challenge on a site
that allows escalation. Crawls that render nothing never start Playwright or a browser.
"""

from __future__ import annotations

from newscrawl.render.arguments import RENDER_ARGUMENTS, check_render

__all__ = ["RENDER_ARGUMENTS", "check_render"]
