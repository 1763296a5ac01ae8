"""Anti-bot scripts on real articles, and real challenge pages, for the "challenge" fault case.

Two scripts that ride on ordinary article pages: the inline cookie script of eurointegration in 2023
(it sets ``cbtYmTName`` and reloads only when the cookie is missing) and what Cloudflare injects into
every page of a proxied site (the ``/cdn-cgi/challenge-platform/scripts/jsd/main.js`` loader in a hidden
iframe, and the Web Analytics beacon with its ``data-cf-beacon`` attribute). Three pages that are
challenges and nothing else: Cloudflare's "Just a moment...", a cookie-setting page that reloads itself,
and DDoS-Guard's interstitial. Their markup follows what those services serve; hosts and tokens are made up.

``site_mirror`` and ``generic_mirror`` write them into static mirror folders (``newscrawl.mirror``): short
eurointegration articles of every page generation (``newscrawl/samples/eurointegration_pages``) carrying each script,
and a short article of an unknown news site carrying each.
"""

from __future__ import annotations

import html
from pathlib import Path

from newscrawl.samples import eurointegration_pages as pages

COOKIE_SCRIPT = """<script type="text/javascript">
(function () {
    var name = "cbtYmTName", value = "7f3c9a1e52b84d06";
    if (document.cookie.indexOf(name + "=") === -1) {
        document.cookie = name + "=" + value + "; path=/; max-age=86400; SameSite=Lax";
        window.location.reload();
    }
})();
</script>"""

CLOUDFLARE_SCRIPT = """<script>(function(){function c(){var b=a.contentDocument||a.contentWindow.document;if(b){var d=b.createElement('script');d.innerHTML="window.__CF$cv$params={r:'8e9f1a2b3c4d5e6f',t:'MTczMzEwMjQwMC4wMDAwMDA='};var a=document.createElement('script');a.nonce='';a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';document.getElementsByTagName('head')[0].appendChild(a);";b.getElementsByTagName('head')[0].appendChild(d)}}if(document.body){var a=document.createElement('iframe');a.height=1;a.width=1;a.style.position='absolute';a.style.top=0;a.style.left=0;a.style.border='none';a.style.visibility='hidden';document.body.appendChild(a);if('loading'!==document.readyState)c();else if(window.addEventListener)document.addEventListener('DOMContentLoaded',c);else{var e=document.onreadystatechange||function(){};document.onreadystatechange=function(b){e(b);'loading'!==document.readyState&&(document.onreadystatechange=e,c())}}}})();</script>
<script defer src="https://static.cloudflareinsights.com/beacon.min.js/vcd15cbe7772f49c399c6a5babf22c1241717689176015" integrity="sha512-ZpsOmlRQV6y907TI0dKBHq9Md29nnaEIPlkf84rnaERnq6zvWvPUqr2ft8M1aS28oN72PdrCzSjY4U6VaAw1EQ==" data-cf-beacon='{"rayId":"8e9f1a2b3c4d5e6f","version":"2024.11.0","r":1,"token":"4f2b9c1d7e3a4b5c8d6e9f0a1b2c3d4e","server_timing":{"name":{"cfCacheStatus":true,"cfEdge":true,"cfExtPri":true,"cfL4":true,"cfOrigin":true,"cfSpeedBrain":true},"location_startswith":null}}' crossorigin="anonymous"></script>"""

SCRIPTS = {"cookie_script": COOKIE_SCRIPT, "cloudflare_script": CLOUDFLARE_SCRIPT}


def just_a_moment(host: str) -> str:
    """Cloudflare's managed challenge as a plain download sees it."""
    return f"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta http-equiv="X-UA-Compatible" content="IE=Edge"><meta name="robots" content="noindex,nofollow"><meta name="viewport" content="width=device-width,initial-scale=1"><style>*{{box-sizing:border-box;margin:0;padding:0}}html{{line-height:1.15;-webkit-text-size-adjust:100%;color:#313131;font-family:system-ui,-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial}}body{{display:flex;flex-direction:column;height:100vh;min-height:100vh}}.main-content{{margin:8rem auto;max-width:60rem;padding-left:1.5rem}}</style><meta http-equiv="refresh" content="390"></head><body class="no-js"><div class="main-wrapper" role="main"><div class="main-content"><h1 class="zone-name-title h1">{host}</h1><h2 class="h2" id="challenge-running">Verifying you are human. This may take a few seconds.</h2><noscript><div id="challenge-error-title"><div class="h2"><span class="icon-wrapper"><div class="heading-icon warning-icon"></div></span><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></div></noscript><div id="trk_jschal_js" style="display:none;background-image:url('/cdn-cgi/images/trace/managed/nojs/transparent.gif?ray=8e9f1a2b3c4d5e70')"></div><div id="challenge-body-text" class="core-msg spacer">{host} needs to review the security of your connection before proceeding.</div><form id="challenge-form" action="/?__cf_chl_f_tk=Xk2b7Qm1" method="POST" enctype="application/x-www-form-urlencoded"><input type="hidden" name="md" value="q8Jd0w"></form></div></div><script>(function(){{window._cf_chl_opt={{cvId: '3',cZone: "{host}",cType: 'managed',cNounce: '63724',cRay: '8e9f1a2b3c4d5e70',cHash: '1f2e3d4c5b6a7980',cFPWv: 'b',cTTimeMs: '1000',cMTimeMs: '390000',cTplV: 5,cTplB: 'cf',cK: "",cRq: {{ru: 'aHR0cHM6Ly8=',ra: 'TW96aWxsYS81LjA=',rm: 'R0VU',d: 'abc',t: 'MTczMzEwMjQwMC4wMDAwMDA=',m: 'xyz',i1: 'p0',i2: 'q1',zh: 'r2',uh: 's3',hh: 't4'}}}};var cpo=document.createElement('script');cpo.src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8e9f1a2b3c4d5e70';window._cf_chl_opt.cOgUHash=location.hash===''&&location.href.indexOf('#')!==-1?'#':location.hash;window._cf_chl_opt.cOgUQuery=location.search===''&&location.href.slice(0,location.href.length-window._cf_chl_opt.cOgUHash.length).indexOf('?')!==-1?'?':location.search;if(window.history&&window.history.replaceState){{var ogU=location.pathname+window._cf_chl_opt.cOgUQuery+window._cf_chl_opt.cOgUHash;history.replaceState(null,null,"\\/?__cf_chl_rt_tk=Xk2b7Qm1"+window._cf_chl_opt.cOgUHash);cpo.onload=function(){{history.replaceState(null,null,ogU);}};}}document.getElementsByTagName('head')[0].appendChild(cpo);}}());</script><div class="footer" role="contentinfo"><div class="footer-inner"><div class="clearfix diagnostic-wrapper"><div class="ray-id">Ray ID: <code>8e9f1a2b3c4d5e70</code></div></div><div class="text-center" id="footer-text">Performance &amp; security by <a rel="noopener noreferrer" href="https://www.cloudflare.com?utm_source=challenge&amp;utm_campaign=m" target="_blank">Cloudflare</a></div></div></div></body></html>"""


def cookie_reload(cookie: str) -> str:
    """A tiny page whose script sets a cookie and reloads; the server answers the article once it comes back."""
    return f"""<html><head><meta charset="utf-8"><title></title>
<script>document.cookie="{cookie}=58f3a2c1d0e94b77; path=/; max-age=86400";location.reload();</script>
</head><body></body></html>"""


def ddos_guard(host: str) -> str:
    """DDoS-Guard's browser check."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>DDoS-Guard</title><meta name="viewport" content="width=device-width, initial-scale=1"><style>body{{margin:0;font-family:Arial,sans-serif}}#ddg-l{{display:flex;height:100vh;align-items:center;justify-content:center}}</style></head><body><div id="ddg-l"><div id="ddg-l-c"><div id="ddg-l-c-t">Checking your browser before accessing {host}</div><div id="ddg-l-c-d">This process is automatic. Your browser will redirect to your requested content shortly.</div><div id="ddg-l-c-w">Please allow up to 5 seconds&hellip;</div></div></div><div id="ddg-f">DDoS protection by <a href="https://ddos-guard.net/" rel="noopener" target="_blank">DDoS-Guard</a></div><script src="/.well-known/ddos-guard/check?context=free_splash"></script><script>window.ddg_params={{"ttl":600}};setTimeout(function(){{location.reload()}},5000);</script></body></html>"""


def challenge_pages(host: str) -> dict[str, str]:
    return {"just_a_moment": just_a_moment(host), "cookie_reload": cookie_reload("cbtYmTName"), "ddos_guard": ddos_guard(host)}


def with_script(page: bytes, script: str) -> bytes:
    """The page with ``script`` where the service puts it: the cookie script in the head, Cloudflare's
    loader and beacon just before ``</body>``."""
    anchor = b"</head>" if "cbtYmTName" in script else b"</body>"
    assert page.count(anchor) == 1
    return page.replace(anchor, script.encode("ascii") + b"\n" + anchor)


# Short uk articles of each page generation from the hand-written catalogue (under 2,000 characters of
# visible text on the whole page, chrome included), one per script.
SHORT_ARTICLES: dict[tuple[str, str], str] = {
    ("old", "cookie_script"): "7059760",
    ("old", "cloudflare_script"): "7077050",
    ("post", "cookie_script"): "7182010",
    ("post", "cloudflare_script"): "7182000",
    ("current", "cookie_script"): "7226000",
    ("current", "cloudflare_script"): "7215000",
}


def short_article(generation: str, script: str) -> pages.Article:
    article_id = SHORT_ARTICLES[(generation, script)]
    return next(a for a in pages.ARTICLES if (a.lang, a.article_id) == ("uk", article_id))


def scripted_page(generation: str, script: str) -> bytes:
    return with_script(pages.render_article(short_article(generation, script)), SCRIPTS[script])


# Article URLs of eurointegration that answer with a challenge page (ids outside the catalogue).
CHALLENGE_URLS = {
    "just_a_moment": f"{pages.BASE}/news/2023/05/10/7161901/",
    "cookie_reload": f"{pages.BASE}/news/2023/05/10/7161902/",
    "ddos_guard": f"{pages.BASE}/news/2023/05/10/7161903/",
}


def _write(root: Path, url: str, data: bytes | str) -> None:
    path = url.split("://", 1)[1]
    target = root / path / "index.html" if path.endswith("/") else root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def site_mirror(root: Path, *, articles: bool = True, challenges: bool = False) -> list[str]:
    """The eurointegration homepage linking the scripted short articles and/or the challenge pages; the
    article URLs it links, in order."""
    urls: list[str] = []
    if articles:
        for generation, script in SHORT_ARTICLES:
            article = short_article(generation, script)
            _write(root, article.url, scripted_page(generation, script))
            urls.append(article.url)
    if challenges:
        for kind, url in CHALLENGE_URLS.items():
            _write(root, url, challenge_pages(pages.HOST)[kind])
            urls.append(url)
    links = "\n".join(f'<a href="{u}">{u}</a>' for u in urls)
    _write(root, f"{pages.BASE}/", f'<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8"><title>Європейська правда</title></head><body>{links}</body></html>')
    return urls


# --- an unknown news site (the generic ``news`` spider) -------------------------------------------------
GENERIC_HOST = "www.valley-courier.example"
GENERIC_BASE = f"https://{GENERIC_HOST}"
GENERIC_ARTICLES = {  # script -> (slug, title, paragraphs)
    "cookie_script": (
        "2025/03/bridge-reopens",
        "Old stone bridge reopens to traffic",
        (
            "The old stone bridge over the river reopened to cars on Monday after eight months of repairs.",
            "Engineers replaced two of the arches and strengthened the piers against spring floods.",
            "The council said buses would return to their usual route through the old town next week.",
        ),
    ),
    "cloudflare_script": (
        "2025/03/library-hours",
        "Town library extends its evening hours",
        (
            "From April the town library will stay open until nine in the evening on weekdays.",
            "The longer hours are paid for by a regional grant and will be reviewed at the end of the year.",
            "Readers asked for the change in a survey last autumn, the head librarian said.",
        ),
    ),
}
GENERIC_CHALLENGE_SLUGS = {
    "just_a_moment": "2025/03/council-budget",
    "cookie_reload": "2025/03/school-choir",
    "ddos_guard": "2025/03/ferry-timetable",
}


def generic_url(slug: str) -> str:
    return f"{GENERIC_BASE}/{slug}/"


def generic_article_page(script: str) -> bytes:
    slug, title, paragraphs = GENERIC_ARTICLES[script]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | Valley Courier</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="article:published_time" content="2025-03-10T08:30:00+01:00">
<link rel="canonical" href="{generic_url(slug)}">
</head><body><header><a href="/">Valley Courier</a> <nav><a href="/news/">News</a> <a href="/sport/">Sport</a></nav></header>
<main><article><h1>{html.escape(title)}</h1><p class="byline">By Mara Lind, 10 March 2025</p>{body}</article></main>
<footer><p>Valley Courier, 12 Mill Street.</p></footer>
</body></html>"""
    return with_script(page.encode("utf-8"), SCRIPTS[script])


def generic_mirror(root: Path) -> None:
    """The unknown site: a homepage naming an RSS feed of both short articles and the three challenge pages."""
    slugs = [slug for slug, _t, _p in GENERIC_ARTICLES.values()] + list(GENERIC_CHALLENGE_SLUGS.values())
    for script, (slug, _t, _p) in GENERIC_ARTICLES.items():
        _write(root, generic_url(slug), generic_article_page(script))
    pages_by_kind = {**challenge_pages(GENERIC_HOST), "cookie_reload": cookie_reload("__js_p_")}
    for kind, slug in GENERIC_CHALLENGE_SLUGS.items():
        _write(root, generic_url(slug), pages_by_kind[kind])
    items = "".join(
        f"<item><title>{slug}</title><link>{generic_url(slug)}</link><pubDate>Mon, 10 Mar 2025 07:30:00 +0000</pubDate></item>"
        for slug in slugs
    )
    _write(root, f"{GENERIC_BASE}/feed.rss", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Courier</title>{items}</channel></rss>')
    _write(
        root,
        f"{GENERIC_BASE}/",
        '<html lang="en"><head><title>Valley Courier</title>'
        '<link rel="alternate" type="application/rss+xml" href="/feed.rss"></head><body><h1>Valley Courier</h1></body></html>',
    )
