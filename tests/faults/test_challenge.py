"""Trust, case 1: a real article that carries an anti-bot script is an article; a challenge page is not.

A page is a challenge only when a reader sees no article on it: the site parser (every page generation of
eurointegration) or, for an unknown site, the generic extraction finds no real title and body. Markers
inside ``<script>`` contents or attributes (the ``cbtYmTName`` cookie script, Cloudflare's injected
``/cdn-cgi/challenge-platform/`` loader and beacon) never make an article page a challenge. The pages are
in ``tests/faults/challenge_pages.py``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newscrawl import exitcodes, extract
from newscrawl.drops import ChallengePage
from newscrawl.not_article import RetryNotArticleMiddleware
from newscrawl.render.browser import system_chromium
from newscrawl.render.middleware import EscalateChallengeMiddleware
from newscrawl.samples.eurointegration_pages import HOST
from newscrawl.spiders.eurointegration import EurointegrationSpider
from tests.conftest import Mirror, read_archive, run_crawl
from tests.crawl_stats import stats_of
from tests.faults.challenge_pages import (
    CHALLENGE_URLS,
    GENERIC_ARTICLES,
    GENERIC_CHALLENGE_SLUGS,
    GENERIC_HOST,
    SCRIPTS,
    SHORT_ARTICLES,
    challenge_pages,
    cookie_reload,
    generic_article_page,
    generic_mirror,
    generic_url,
    scripted_page,
    short_article,
    site_mirror,
)

CRAWL = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
GENERATIONS = ("old", "post", "current")
CHALLENGE_KINDS = ("just_a_moment", "cookie_reload", "ddos_guard")


def ours(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if k.startswith(prefix)}


def _response(url: str, body: bytes, request: Request) -> HtmlResponse:
    # No charset in the header, as the mirror serves them: the page's <meta> decides (cp1251 on old pages).
    return HtmlResponse(url, body=body, headers={"Content-Type": "text/html"}, request=request)


def middleware_verdicts(url: str, body: bytes) -> tuple[bool, bool]:
    """Whether the escalation and the not-article middlewares let the first download of an article through."""
    crawler = get_crawler(EurointegrationSpider, {"NEWSCRAWL_NOT_ARTICLE_BACKOFF": 0})
    crawler.spider = EurointegrationSpider.from_crawler(crawler)
    request = Request(url, meta={"ref": "an article", "source": "homepage"})
    response = _response(url, body, request)
    escalate = EscalateChallengeMiddleware.from_crawler(crawler)
    retry = RetryNotArticleMiddleware.from_crawler(crawler)
    escalated = escalate.process_response(request, response, crawler.spider) is not response
    retried = asyncio.run(retry.process_response(request, response, crawler.spider)) is not response
    return escalated, retried


# --- one page at a time ----------------------------------------------------------------------------------
@pytest.mark.parametrize("script", sorted(SCRIPTS))
@pytest.mark.parametrize("generation", GENERATIONS)
def test_short_site_article_with_antibot_script_is_archived(generation: str, script: str) -> None:
    """A short eurointegration article of every page generation carrying an anti-bot script is extracted
    with its exact text, and neither escalated nor retried."""
    article = short_article(generation, script)
    page = scripted_page(generation, script)
    record = extract(page, article.url, CRAWL)
    assert (record["url"], record["title"], record["text"]) == (article.url, article.title, "\n".join(article.lines))
    assert record["published"] == article.published.isoformat()
    assert middleware_verdicts(article.url, page) == (False, False)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_short_generic_article_with_antibot_script_is_archived(script: str) -> None:
    """A short article of an unknown site carrying an anti-bot script is extracted with its exact text."""
    slug, title, paragraphs = GENERIC_ARTICLES[script]
    record = extract(generic_article_page(script), generic_url(slug), CRAWL)
    assert (record["title"], record["text"], record["published"]) == (
        title,
        "\n".join(paragraphs),
        "2025-03-10T08:30:00+01:00",  # an unknown site keeps the offset its page states
    )


@pytest.mark.parametrize("kind", CHALLENGE_KINDS)
def test_challenge_page_at_a_site_article_url_is_a_challenge(kind: str) -> None:
    """A real challenge page answered for a site's article URL is a challenge: escalated, never archived."""
    url = CHALLENGE_URLS[kind]
    page = challenge_pages(HOST)[kind].encode("utf-8")
    with pytest.raises(ChallengePage):
        extract(page, url, CRAWL)
    assert middleware_verdicts(url, page) == (True, True)


@pytest.mark.parametrize("kind", CHALLENGE_KINDS)
def test_challenge_page_of_an_unknown_site_is_a_challenge(kind: str) -> None:
    """A real challenge page of an unknown site is a challenge, never archived."""
    page = {**challenge_pages(GENERIC_HOST), "cookie_reload": cookie_reload("__js_p_")}[kind]
    with pytest.raises(ChallengePage):
        extract(page, generic_url(GENERIC_CHALLENGE_SLUGS[kind]), CRAWL)


def test_article_that_quotes_challenge_wording_is_an_article() -> None:
    """Challenge wording inside an article's own text does not make it a challenge."""
    article = short_article("post", "cookie_script")
    quoted = "Користувачі бачили сторінку «Just a moment...» з написом «Checking your browser»."
    page = scripted_page("post", "cookie_script").replace(
        b'<div class="post__text">', f'<div class="post__text"><p>{quoted}</p>'.encode()
    )
    record = extract(page, article.url, CRAWL)
    assert record["text"] == "\n".join([quoted, *article.lines])


def test_page_of_unknown_layout_with_script_is_extracted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A site's page in a layout its parser does not know, carrying Cloudflare's script, is an article by
    its extracted text, and that whole-page extraction runs once."""
    import newscrawl.core.extract as extraction
    import newscrawl.core.text as clean_text

    calls: list[bool] = []
    real = clean_text.html_to_text

    def counting(html: str | None, *, whole_page: bool = False) -> str:
        calls.append(whole_page)
        return real(html, whole_page=whole_page)

    monkeypatch.setattr(extraction, "html_to_text", counting)
    monkeypatch.setattr(clean_text, "html_to_text", counting)
    url = f"https://{HOST}/news/2025/03/10/7230001/"
    slug, title, paragraphs = GENERIC_ARTICLES["cloudflare_script"]
    page = generic_article_page("cloudflare_script").replace(generic_url(slug).encode(), url.encode())
    record = extract(page, url, CRAWL)
    assert (record["title"], record["text"]) == (title, "\n".join(paragraphs))
    assert "body/whole_page" in record["fallbacks"]
    assert calls == [True]


def test_a_page_the_middlewares_classify_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """An article page that needs parsing to be classified is parsed once: both middlewares and the
    spider share that parse."""
    import newscrawl.not_article as not_article

    calls: list[str] = []
    real = not_article.parse_page

    def counting(body: bytes | str, url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(url)
        return real(body, url, *args, **kwargs)

    monkeypatch.setattr(not_article, "parse_page", counting)
    article = short_article("current", "cloudflare_script")
    request = Request(article.url, meta={"ref": "an article"})
    response = _response(article.url, scripted_page("current", "cloudflare_script"), request)
    assert not_article.page_kind(response) == not_article.page_kind(response) == "article"
    item = not_article.take_parsed(response)
    assert (item["title"], item["page_kind"]) == (article.title, "article")
    assert calls == [article.url]
    # taken: a response the middlewares never had to parse is parsed by the spider itself
    assert not_article.take_parsed(response)["title"] == article.title
    assert calls == [article.url, article.url]


# --- end to end ------------------------------------------------------------------------------------------
CHROMIUM = system_chromium()
CRAWL_SETTINGS = {
    # Were an article taken for a challenge, it would be re-asked quickly and rendered (and counted).
    "NEWSCRAWL_NOT_ARTICLE_BACKOFF": "0.1",
    "NEWSCRAWL_CHROMIUM": CHROMIUM or "",
    "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": "3000",
    "NEWSCRAWL_RENDER_TIMEOUT": "8",
    "NEWSCRAWL_RENDER_CHALLENGE_WAIT": "1",
}


def requests_per_path(mirror: Mirror) -> Counter[str]:
    return Counter(line.split("?", 1)[0] for line in mirror.requested())


def mirror_path(url: str) -> str:
    return "/" + url.split("://", 1)[1]


@pytest.mark.e2e
def test_site_crawl_archives_short_scripted_articles_on_their_first_request(tmp_path: Path, serve_mirror: Any) -> None:
    """A site crawl archives every short article carrying an anti-bot script, of every page generation,
    with its exact text on its first request: no escalation, no not-article retry."""
    urls = site_mirror(tmp_path / "mirror")
    mirror = serve_mirror(tmp_path / "mirror")
    result = run_crawl("eurointegration", "lang=uk", mirror=mirror.url, output=tmp_path / "out", settings=CRAWL_SETTINGS)
    assert result.returncode == 0, result.stderr[-3000:]
    records = {r["url"]: r for r in read_archive(tmp_path / "out")}
    assert sorted(records) == sorted(urls)
    for generation, script in SHORT_ARTICLES:
        article = short_article(generation, script)
        got = records[article.url]
        assert (got["title"], got["text"]) == (article.title, "\n".join(article.lines)), (generation, script)
    counts = requests_per_path(mirror)
    assert {url: counts[mirror_path(url)] for url in urls} == dict.fromkeys(urls, 1)
    stats = stats_of(result.stderr)
    assert stats["newscrawl/archive/new"] == 6
    assert ours(stats, "newscrawl/not_article/") == {}
    assert ours(stats, "newscrawl/render/") == {}
    assert ours(stats, "newscrawl/dropped/") == {}
    assert "pages that were no article" not in result.stderr


@pytest.mark.e2e
def test_site_crawl_never_archives_challenge_pages(tmp_path: Path, serve_mirror: Any) -> None:
    """Real challenge pages at a site's article URLs are retried, then dropped as challenges: zero records."""
    urls = site_mirror(tmp_path / "mirror", articles=False, challenges=True)
    mirror = serve_mirror(tmp_path / "mirror")
    result = run_crawl(
        "eurointegration", "lang=uk", "render=off", mirror=mirror.url, output=tmp_path / "out", settings=CRAWL_SETTINGS
    )
    assert result.returncode == exitcodes.NO_ARTICLES, result.stderr[-3000:]  # "site down, changed or blocking us"
    assert read_archive(tmp_path / "out") == []
    stats = stats_of(result.stderr)
    assert ours(stats, "newscrawl/not_article/") == {
        "newscrawl/not_article/seen/challenge": 9,
        "newscrawl/not_article/retried/challenge": 6,
        "newscrawl/not_article/gave_up/challenge": 3,
    }
    assert ours(stats, "newscrawl/dropped/") == {"newscrawl/dropped/challenge_page": 3}
    counts = requests_per_path(mirror)
    assert {url: counts[mirror_path(url)] for url in urls} == dict.fromkeys(urls, 3)


@pytest.mark.e2e
def test_generic_crawl_archives_scripted_articles_and_never_challenges(tmp_path: Path, serve_mirror: Any) -> None:
    """The generic ``news`` spider archives short articles carrying anti-bot scripts on their first request
    with their exact text, and never archives a real challenge page."""
    generic_mirror(tmp_path / "mirror")
    mirror = serve_mirror(tmp_path / "mirror")
    result = run_crawl(
        "news", f"url=https://{GENERIC_HOST}/", mirror=mirror.url, output=tmp_path / "out", settings=CRAWL_SETTINGS
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = {r["url"]: r for r in read_archive(tmp_path / "out")}
    expected = {generic_url(slug): (title, "\n".join(paras)) for slug, title, paras in GENERIC_ARTICLES.values()}
    assert {url: (r["title"], r["text"]) for url, r in records.items()} == expected
    counts = requests_per_path(mirror)
    assert {url: counts[mirror_path(url)] for url in expected} == dict.fromkeys(expected, 1)
    challenges = [generic_url(slug) for slug in GENERIC_CHALLENGE_SLUGS.values()]
    assert {url: counts[mirror_path(url)] for url in challenges} == dict.fromkeys(challenges, 3)
    stats = stats_of(result.stderr)
    assert ours(stats, "newscrawl/not_article/") == {
        "newscrawl/not_article/seen/challenge": 9,
        "newscrawl/not_article/retried/challenge": 6,
        "newscrawl/not_article/gave_up/challenge": 3,
    }
    assert ours(stats, "newscrawl/dropped/") == {"newscrawl/dropped/challenge_page": 3}
    assert ours(stats, "newscrawl/render/") == {}


@pytest.mark.e2e
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")
def test_rendered_crawl_does_not_wait_on_scripted_articles(tmp_path: Path, serve_mirror: Any) -> None:
    """In the browser (``render=js``) a short article carrying an anti-bot script is not taken for a
    challenge either: no page waits out the challenge time, and each is archived with its exact text."""
    urls = site_mirror(tmp_path / "mirror")
    mirror = serve_mirror(tmp_path / "mirror")
    settings = {**CRAWL_SETTINGS, "NEWSCRAWL_RENDER_CHALLENGE_WAIT": "5"}
    result = run_crawl(
        "eurointegration", "lang=uk", "render=js", mirror=mirror.url, output=tmp_path / "out", settings=settings
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = {r["url"]: r for r in read_archive(tmp_path / "out")}
    assert sorted(records) == sorted(urls)
    for generation, script in SHORT_ARTICLES:
        article = short_article(generation, script)
        got = records[article.url]
        assert (got["title"], got["text"]) == (article.title, "\n".join(article.lines)), (generation, script)
    stats = stats_of(result.stderr)
    assert "newscrawl/render/challenge_stuck" not in stats
    assert ours(stats, "newscrawl/not_article/") == {}
    assert ours(stats, "newscrawl/dropped/") == {}
