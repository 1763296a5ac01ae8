"""HAND-WRITTEN pages of www.eurointegration.com.ua, built from shared/SITES.md.

No real eurointegration article page exists anywhere we could look, so these templates
imitate the three page generations SITES.md describes (old windows-1251 ``div.rpad``,
UTF-8 ``post__`` and the current ``post_news``/``post_article`` platform, modelled on the
saved epravda/pravda pages). The golden fixtures (``tests/fixtures/sites/eurointegration/
make_handwritten.py``) and the site mirror (``eurointegration.py`` beside this module) are
both rendered from :data:`ARTICLES` by :func:`render_article`, so there is one code path.

Expected body text, as the archive must hold it: paragraphs, ``<h2>`` sub-headings,
list items and blockquote paragraphs, one per line, in page order; runs of ASCII
whitespace collapsed, U+00A0 kept (the seed has it before its dashes); ads, ad labels,
"read also"/subscribe promos, error-report footers, empty paragraphs, image captions,
tags and author lines are not part of it.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from zoneinfo import ZoneInfo

HOST = "www.eurointegration.com.ua"
BASE = f"https://{HOST}"
KYIV = ZoneInfo("Europe/Kyiv")
LANG_PREFIX = {"uk": "", "ru": "rus/", "en": "eng/"}
HTML_LANG = {"uk": "uk", "ru": "ru", "en": "en"}

# ---------------------------------------------------------------------------
# Body blocks. Paragraph text uses a tiny markup: [anchor](href) and **bold**.
# ---------------------------------------------------------------------------

_INLINE = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)|\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Block:
    """One element of an article body; only content blocks yield expected lines."""

    kind: str  # p | h2 | ul | quote | img | ad | promo
    text: str = ""
    items: tuple[str, ...] = ()
    credit: str = ""


def p(text: str) -> Block:
    return Block("p", text)


def h2(text: str) -> Block:
    return Block("h2", text)


def ul(*items: str) -> Block:
    return Block("ul", items=items)


def quote(text: str) -> Block:
    return Block("quote", text)


def img(caption: str, credit: str = "") -> Block:
    return Block("img", caption, credit=credit)


def ad(kind: str) -> Block:
    """An ad slot: adsense | gpt | empty (post__/old) or mob | video (current)."""
    return Block("ad", kind)


def promo(text: str) -> Block:
    """A paragraph of boilerplate (read-also, subscribe, footer): never archived."""
    return Block("promo", text)


def plain(text: str) -> str:
    """The text a reader sees for a markup string."""
    return _INLINE.sub(lambda m: m.group(1) or m.group(3), text)


def block_lines(block: Block) -> list[str]:
    if block.kind in ("p", "h2", "quote"):
        return [plain(block.text)]
    if block.kind == "ul":
        return [plain(item) for item in block.items]
    return []


def esc(text: str) -> str:
    return html.escape(text, quote=False).replace("\xa0", "&nbsp;")


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def inline_html(text: str, *, spans: bool = False) -> str:
    """Render markup; ``spans`` wraps text runs in <span> like the current platform."""
    out: list[str] = []
    pos = 0

    def text_run(run: str) -> None:
        if not spans or not run.strip(" "):
            out.append(esc(run))
            return
        core = run.strip(" ")
        lead = run[: len(run) - len(run.lstrip(" "))]
        trail = run[len(run.rstrip(" ")) :]
        out.append(f"{lead}<span>{esc(core)}</span>{trail}")

    for m in _INLINE.finditer(text):
        text_run(text[pos : m.start()])
        if m.group(1) is not None:
            anchor = f"<span>{esc(m.group(1))}</span>" if spans else esc(m.group(1))
            target = ' target="_blank"' if spans or m.group(2).startswith("http") else ""
            out.append(f'<a{target} href="{attr(m.group(2))}">{anchor}</a>')
        else:
            out.append(f"<strong>{esc(m.group(3))}</strong>")
        pos = m.end()
    text_run(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

WEEKDAYS = {
    "uk": ("Понеділок", "Вівторок", "Середа", "Четвер", "П'ятниця", "Субота", "Неділя"),
    "ru": ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {  # genitive, as the site prints them
    "uk": ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"),
}


def kyiv(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KYIV)


def display_date(dt: datetime, lang: str, *, weekday: bool = True) -> str:
    """``Середа, 10 травня 2023, 11:21``; without weekday: ``5 листопада 2025, 14:30``."""
    core = f"{dt.day} {MONTHS[lang][dt.month - 1]} {dt.year}, {dt:%H:%M}"
    return f"{WEEKDAYS[lang][dt.weekday()]}, {core}" if weekday else core


def rfc822(dt: datetime) -> str:
    return format_datetime(dt)


# ---------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    article_id: str
    lang: str  # uk | ru | en
    section: str  # news | articles | experts | interview
    published: datetime  # Kyiv-aware
    title: str
    blocks: tuple[Block, ...]
    generation: str  # old | post | current
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    json_ld: bool = False
    modified: datetime | None = None
    report_in_body: bool = False  # post__: footer + promo pasted inside the body
    fixture: str = ""  # golden fixture slug ("" = mirror only)
    fixture_note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.lang, self.article_id)

    @property
    def path(self) -> str:
        d = self.published
        return f"/{LANG_PREFIX[self.lang]}{self.section}/{d.year}/{d.month:02d}/{d.day}/{self.article_id}/"

    @property
    def padded_path(self) -> str:
        d = self.published
        return f"/{LANG_PREFIX[self.lang]}{self.section}/{d.year}/{d.month:02d}/{d.day:02d}/{self.article_id}/"

    @property
    def url(self) -> str:
        return BASE + self.path

    @property
    def charset(self) -> str:
        return "windows-1251" if self.generation == "old" else "utf-8"

    @property
    def lines(self) -> list[str]:
        return [line for block in self.blocks for line in block_lines(block)]

    @property
    def description(self) -> str:
        return self.lines[0]

    @property
    def fixture_stem(self) -> str:
        return f"eurointegration_{self.published:%Y_%m_%d}_{self.fixture}" if self.fixture else ""

    def expected(self) -> dict[str, str]:
        return {
            "url": self.url,
            "lang": self.lang,
            "article_id": self.article_id,
            "title": self.title,
            "published": self.published.isoformat(),
            "text": "\n".join(self.lines),
        }


SITE_NAME = {"uk": "Європейська правда", "ru": "Европейская правда", "en": "European Pravda"}
UI: dict[str, dict[str, str]] = {
    "uk": {
        "news": "Новини", "articles": "Статті", "interview": "Інтерв'ю", "experts": "Експертна думка",
        "home": "Головна", "latest": "Останні новини", "related": "Матеріали за темою",
        "top": "Головне сьогодні", "all_news": "Усі новини", "copied": "Посилання скопійовано",
        "rules": "Шановні читачі, просимо дотримуватись <a href=\"https://bit.ly/3fTzHw1\" target=\"_blank\" style=\"color: #900022;\">Правил коментування</a>",
        "report": "Якщо ви помітили помилку, виділіть необхідний текст і натисніть Ctrl + Enter, щоб повідомити про це редакцію.",
        "search": "Пошук по сайту", "find": "Знайти", "support": "Підтримати УП", "sections": "Усі розділи",
        "rights": "Європейська правда. Усі права захищені.", "more": "Більше новин",
    },
    "ru": {
        "news": "Новости", "articles": "Статьи", "interview": "Интервью", "experts": "Мнение эксперта",
        "home": "Главная", "latest": "Последние новости", "related": "Материалы по теме",
        "top": "Главное сегодня", "all_news": "Все новости", "copied": "Ссылка скопирована",
        "rules": "Уважаемые читатели, просим соблюдать <a href=\"https://bit.ly/3fTzHw1\" target=\"_blank\" style=\"color: #900022;\">Правила комментирования</a>",
        "report": "Если вы заметили ошибку, выделите необходимый текст и нажмите Ctrl+Enter, чтобы сообщить об этом редакции.",
        "search": "Поиск по сайту", "find": "Найти", "support": "Поддержать УП", "sections": "Все разделы",
        "rights": "Европейская правда. Все права защищены.", "more": "Больше новостей",
    },
    "en": {
        "news": "News", "articles": "Articles", "interview": "Interviews", "experts": "Opinion",
        "home": "Home", "latest": "Latest news", "related": "Related",
        "top": "Top stories today", "all_news": "All news", "copied": "Link copied",
        "rules": "Dear readers, please follow our <a href=\"https://bit.ly/3fTzHw1\" target=\"_blank\" style=\"color: #900022;\">commenting rules</a>",
        "report": "If you notice an error, select the required text and press Ctrl + Enter to report it to the editors.",
        "search": "Search", "find": "Find", "support": "Support UP", "sections": "All sections",
        "rights": "European Pravda. All rights reserved.", "more": "More news",
    },
}


def tag_href(lang: str, tag: str) -> str:
    return f"{BASE}/{LANG_PREFIX[lang]}tags/{hashlib.md5(tag.encode()).hexdigest()[:13]}/"


def author_href(lang: str, name: str) -> str:
    return f"{BASE}/{LANG_PREFIX[lang]}authors/{hashlib.md5(name.encode()).hexdigest()[:13]}/"


def image_url(article: Article) -> str:
    h = hashlib.md5(article.article_id.encode()).hexdigest()
    return f"https://img.eurointegration.com.ua/images/doc/{h[0]}/{h[1]}/{h[:6]}-{article.article_id}.jpg"


def alternates(article: Article) -> list[Article]:
    """All language versions of the article (itself included), uk first."""
    same = [a for a in ARTICLES if a.article_id == article.article_id and a.section == article.section]
    return sorted(same, key=lambda a: ("uk", "ru", "en").index(a.lang))


def related(article: Article, count: int = 3) -> list[Article]:
    """Same-language neighbours in time: the site's 'related' box, always existing pages."""
    pool = [a for a in ARTICLES if a.lang == article.lang and a.key != article.key]
    pool.sort(key=lambda a: (abs((a.published - article.published).total_seconds()), a.article_id))
    return pool[:count]


def latest(lang: str, count: int = 5, *, exclude: Article | None = None) -> list[Article]:
    pool = [a for a in ARTICLES if a.lang == lang and a.section == "news" and a is not exclude]
    return sorted(pool, key=lambda a: a.published, reverse=True)[:count]


# ---------------------------------------------------------------------------
# Generation 1: old windows-1251 pages (div.rpad > h1.title, span.dt2, div.text)
# ---------------------------------------------------------------------------


def _old_block(block: Block, n: int) -> str:
    if block.kind == "p":
        return f"<p>{inline_html(block.text)}</p>"
    if block.kind == "promo":
        return f"<p><b>{inline_html(block.text)}</b></p>"
    if block.kind == "h2":
        return f"<h2>{esc(block.text)}</h2>"
    if block.kind == "ul":
        return "<ul>\n" + "\n".join(f"<li>{inline_html(i)}</li>" for i in block.items) + "\n</ul>"
    if block.kind == "quote":
        return f"<blockquote><p>{inline_html(block.text)}</p></blockquote>"
    if block.kind == "img":
        return f'<div class="image"><img src="/images/doc/0/0/00{n}-photo.jpg" width="600" border="0"><br><span class="photo_src">{esc(block.text)}</span></div>'
    if block.text == "empty":
        return "<p>&nbsp;</p>"
    return (
        f'<div id="div-gpt-ad-1483010{n:03d}-0" style="width:300px;height:250px;margin:10px auto">\n'
        f"<script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1483010{n:03d}-0'); }});</script>\n</div>"
    )


def render_old(a: Article) -> bytes:
    ui = UI[a.lang]
    site = SITE_NAME[a.lang]
    other = next((x for x in alternates(a) if x.lang != a.lang), None)
    if a.lang == "uk":
        switch = f'<li><a href="{other.path if other else "/rus/"}">По-русски</a></li>\n<li><span>Українською</span></li>'
        prefix = ""
    else:
        switch = f'<li><span>По-русски</span></li>\n<li><a href="{other.path if other else "/"}">Українською</a></li>'
        prefix = "/rus"
    author = f"<b>{esc(a.authors[0])}</b>, {site}<br>" if a.authors else ""
    body = "\n".join(_old_block(b, n) for n, b in enumerate(a.blocks))
    news = "\n".join(
        f"<dt>{x.published:%H:%M}</dt> <dd><a href={x.path}>{esc(x.title)}</a></dd>" for x in related(a, 4)
    )
    page = f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<html xmlns:og="http://opengraphprotocol.org/schema/" xmlns:fb="http://www.facebook.com/2008/fbml">
<head>
<meta http-equiv="content-type" content="text/html; charset=windows-1251">
<title>{esc(a.title)} | {site}</title>
<meta name="robots" content="index,follow">
<meta name="description" content="{attr(a.description)}">
<meta name="keywords" content="">
<meta name="document-state" content="state">
<meta name="revisit-after" content="1 days">
<meta property="og:title" content="{attr(a.title)}"/>
<meta property="og:type" content="article"/>
<meta property="og:url" content="http://{HOST}{a.path}"/>
<meta property="og:image" content="https://{HOST}/images/fblogo.gif"/>
<meta property="og:site_name" content="{site}"/>
<meta property="fb:app_id" content="552500884859152"/>
<meta property="og:description" content="{attr(a.description)}"/>
<link rel="canonical" href="{a.url}">
<link href="https://{HOST}/misc/v4_rollback_style23.css?v=20" rel="stylesheet" type="text/css">
<link title="" type="application/rss+xml" rel="alternate" href="http://{HOST}{prefix}/rss/">
<script type="text/javascript" src="https://{HOST}/misc/jquery-1.8.2.min.js"></script>
<script type="text/javascript">
  var googletag = googletag || {{}};
  googletag.cmd = googletag.cmd || [];
  (function() {{
    var gads = document.createElement('script'); gads.async = true; gads.type = 'text/javascript';
    gads.src = 'https://www.googletagservices.com/tag/js/gpt.js';
    var node = document.getElementsByTagName('script')[0]; node.parentNode.insertBefore(gads, node);
  }})();
</script>
</head>
<body >

<div class="counters-top"></div>

<div class="block0">

<div class="pad0">

<a href="http://www.pravda.com.ua/" target="_blank" ><img src="/images/up.gif" style="float:left;padding:3px 0 0 0" border="0"/></a>
<ul class="submenu">
<li><a href="http://dostup.pravda.com.ua">Доступ</a></li>
<li><a href="http://life.pravda.com.ua">Життя</a></li>
<li><a href="http://www.istpravda.com.ua">Історична правда</a></li>
<li><a href="http://blogs.pravda.com.ua">Блоги</a></li>
<li><span style="color:#990002"><strong>Європа</strong></span></li>
<li><a href="http://www.epravda.com.ua">Економіка</a></li>
<li><a href="http://www.pravda.com.ua">Політика</a></li>
</ul>

<div class="topborder"></div>
<div class="pad5"></div>

<div class="top1">
<ul class="mt1">
<li><a href="/rss-info/">RSS</a></li>
<li><a href="https://www.facebook.com/eupravda">Facebook</a></li>
<li><a href="http://pda.eurointegration.com.ua">PDA</a></li>
</ul>
</div>

<div class="top3">
<ul class="mt2">
{switch}
</ul>
<div class="cl"></div>
<form class="search" action="http://{HOST}/search/" name=searchform method=get>
<a href="#" onclick="javascript: document.searchform.submit(); return false;" class="but11"><b>{ui["find"]}</b></a>
<input class="search" type="text" value="" name="search">
</form>
</div>

<div class="cl"></div>

<div class="border1"></div>
<ul class="mmenu2">
<li><a href="{prefix}/">{ui["home"].upper()}</a></li>
<li><a href="{prefix}/news/">{ui["news"].upper()}</a></li>
<li><a href="{prefix}/articles/">{ui["articles"].upper()}</a></li>
<li><a href="{prefix}/interview/">{ui["interview"].upper()}</a></li>
<li><a href="{prefix}/experts/">{ui["experts"].upper()}</a></li>
<li><a href="/archives/">АРХІВ</a></li>
</ul>
<div class="cl"></div>

<div class="block1">
<div class="rpad">
<div class="crumbs"><a href="{prefix}/">{ui["home"]}</a> &rarr; <a href="{prefix}/{a.section}/">{ui.get(a.section, ui["news"])}</a></div>
<h1 class="title">{esc(a.title)}</h1>
<span class="dt2">{author}{display_date(a.published, a.lang)}</span>
<div class="pad10"></div>
<div class="text">
{body}
</div>
<div class="fblike"><iframe src="https://www.facebook.com/plugins/like.php?href=http%3A%2F%2F{HOST}{a.path}&amp;layout=button_count" scrolling="no" frameborder="0" style="border:none; overflow:hidden; width:150px; height:21px;"></iframe></div>
<div class="pad10"></div>
<div class="btit22"> <a href="{prefix}/news/">{ui["latest"].upper()}</a> <div class="cl"></div> </div>
<dl class="mnews1">
{news}
<dt>12:00</dt> <dd><a href=https://www.pravda.com.ua/news/{a.published.year}/{a.published.month:02d}/{a.published.day}/71{a.article_id[-5:]}/ target=_blank>{"Новини Української правди" if a.lang == "uk" else "Новости Украинской правды"}</a></dd>
</dl>
<div class="all apad">+ <a href="{prefix}/news/">{ui["all_news"]}</a></div>
</div>
</div>

<div class="footer">
<div class="h15"></div>
<div class="copy">
<div class="text" align="center"><b>&copy; 2014 - {a.published.year}, Європейська правда, eurointegration.com.ua</b></div>
<p>Використання <b>новин</b> з сайту дозволено лише за умови посилання (гіперпосилання) на Європейську правду, <a href="http://{HOST}/">{HOST}</a>. <br>Републікація повного тексту <b>статей</b>, <b>інтерв'ю</b> та <b>колонок</b> - ЗАБОРОНЕНА.
<br>
e-mail редакції: <a href="mailto:eupravda@gmail.com">eupravda@gmail.com</a>
</div>
<div class="bottommenu3">
<a href="/news/">Новини</a>
<a href="/articles/">Статті</a>
<a href="/interview/">Інтерв'ю</a>
<a href="/experts/">Експертна думка</a>
<a href="/about/">Хто ми?</a>
</div>
</div>
<!-- foter/ -->
</div>
</div>
<script type="text/javascript">
var _gaq = _gaq || []; _gaq.push(['_setAccount', 'UA-2108427-7']); _gaq.push(['_trackPageview']);
</script>
</body>
</html>
"""
    return page.encode("windows-1251")


# ---------------------------------------------------------------------------
# Generation 2: "post__" pages, UTF-8 (div.block_post, h1.post__title, div.post__text)
# ---------------------------------------------------------------------------


def _post_block(block: Block, n: int) -> str:
    if block.kind in ("p", "promo"):
        return f"<p>{inline_html(block.text)}</p>"
    if block.kind == "h2":
        return f"<h2>{esc(block.text)}</h2>"
    if block.kind == "ul":
        return "<ul>\n" + "\n".join(f"\t<li>{inline_html(i)}</li>" for i in block.items) + "\n</ul>"
    if block.kind == "quote":
        return f"<blockquote>\n\t<p>{inline_html(block.text)}</p>\n</blockquote>"
    if block.kind == "img":
        return (
            f'<div class="post__photo post__photo_inner"><img src="https://img.eurointegration.com.ua/images/doc/7/1/71{n:02d}-inner.jpg" alt="">'
            f'<div class="post__photo__caption">{esc(block.text)}</div></div>'
        )
    if block.text == "empty":
        return "<p>&nbsp;</p>"
    if block.text == "adsense":
        return (
            '<ins class="adsbygoogle" style="display:block; text-align:center;" data-ad-layout="in-article" '
            f'data-ad-format="fluid" data-ad-client="ca-pub-1705311548537447" data-ad-slot="88{n:02d}301766"></ins>\n'
            "<script>\n     (adsbygoogle = window.adsbygoogle || []).push({});\n</script>"
        )
    return (
        f"<div id='div-gpt-ad-1234-{n}' style='min-height:250px;'>\n"
        f"<script>\ngoogletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1234-{n}'); }});\n</script>\n</div>"
    )


def _ld_json(a: Article, *, naive: bool) -> str:
    def fmt(dt: datetime) -> str:
        return f"{dt:%Y-%m-%d %H:%M:%S}" if naive else dt.isoformat()

    authors: object = [{"@type": "Person", "name": n} for n in a.authors] or {"@type": "Organization", "name": SITE_NAME[a.lang]}
    data = {
        "@context": "https://schema.org",
        "@type": "Article" if a.section != "news" else "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": a.url},
        "headline": a.title,
        "name": a.title,
        "datePublished": fmt(a.published),
        "dateModified": fmt(a.modified or a.published),
        "image": {"@type": "ImageObject", "url": image_url(a), "width": 1200, "height": 675},
        "author": authors,
        "description": a.description,
        "inLanguage": {"uk": "uk-UA", "ru": "ru-UA", "en": "en"}[a.lang],
        "publisher": {
            "@type": "Organization",
            "name": SITE_NAME[a.lang],
            "logo": {"@type": "ImageObject", "url": f"{BASE}/images/eurointegration_logo.svg", "width": 100, "height": 100},
        },
    }
    return json.dumps(data, ensure_ascii=False)


def _breadcrumbs(a: Article) -> str:
    ui = UI[a.lang]
    data = {
        "@context": "http://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "item": {"@id": f"{BASE}/{LANG_PREFIX[a.lang]}", "name": SITE_NAME[a.lang]}},
            {"@type": "ListItem", "position": 2, "item": {"@id": f"{BASE}/{LANG_PREFIX[a.lang]}{a.section}/", "name": ui.get(a.section, ui["news"])}},
            {"@type": "ListItem", "position": 3, "item": {"@id": a.url, "name": a.title}},
        ],
    }
    return json.dumps(data).replace("/", "\\/")


def _hreflang(a: Article) -> str:
    versions = alternates(a)
    if len(versions) < 2:
        return ""
    links = [f'<link rel="alternate" hreflang="x-default" href="{versions[0].url}">']
    links += [f'<link rel="alternate" hreflang="{v.lang}" href="{v.url}">' for v in versions]
    return "\n    ".join(links)


def _lang_menu(a: Article | None, lang: str, *, cls: str) -> str:
    versions = {v.lang: v for v in alternates(a)} if a else {}
    labels = {"uk": "Укр", "ru": "Рус", "en": "Eng"}
    out = []
    for code in ("uk", "ru", "en"):
        href = versions[code].url if code in versions else f"{BASE}/{LANG_PREFIX[code]}"
        active = f" {cls}_active" if code == lang else ""
        out.append(f'<a href="{href}" class="{cls}{active}"><span class="options_text">{labels[code]}</span></a>')
    return "\n        ".join(out)


def render_post(a: Article) -> bytes:
    ui = UI[a.lang]
    site = SITE_NAME[a.lang]
    pre = f"/{LANG_PREFIX[a.lang]}"
    ld = ""
    if a.json_ld:
        ld = f'<script type="application/ld+json">{_ld_json(a, naive=False)}</script>\n<script type="application/ld+json">{_breadcrumbs(a)}</script>'
    author = ""
    if a.authors:
        names = ", ".join(f'<a href="{author_href(a.lang, n)}">{esc(n)}</a>' for n in a.authors)
        author = f'<div class="post__author">{names} — {site}</div>'
    meta_author = f'\n<meta name="author" content="{attr(", ".join(a.authors))}">' if a.authors else ""
    body = "\n".join(_post_block(b, n) for n, b in enumerate(a.blocks))
    tags = ""
    if a.tags:
        items = "\n".join(
            f'<span class="post__tags__item"><a href="{tag_href(a.lang, t)}">{esc(t)}</a></span>' for t in a.tags
        )
        tags = f'<div class="post__tags">\n{items}\n</div>'
    report = ""
    if not a.report_in_body:
        report = f"""<div class="post__report">
    <div class="post__report__text">{esc(ui["report"])}</div>
    <div class="post__report__adv">Реклама:</div>
    <div id='div-gpt-ad-1234-99' style='min-height:90px;'><script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-1234-99'); }});</script></div>
</div>"""
    rel = "\n".join(
        f'<div class="article article_list"><div class="article__time">{x.published:%d.%m.%Y}</div>'
        f'<div class="article__title"><a href="{x.path}">{esc(x.title)}</a></div></div>'
        for x in related(a)
    )
    last = "\n".join(
        f'<div class="article article_news"><div class="article__time">{x.published:%H:%M}</div>'
        f'<div class="article__title"><a href="{x.url}">{esc(x.title)}</a></div></div>'
        for x in latest(a.lang, exclude=a)
    )
    page = f"""<!DOCTYPE html>
<html lang="{HTML_LANG[a.lang]}">
<head>
    <meta charset="utf-8">
    <meta http-equiv="X-UA-Compatible" content="IE=edge">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{esc(a.title)} | {site}</title>
    <meta name="description" content="{attr(a.description)}">{meta_author}
    <meta property="og:title" content="{attr(a.title)}">
    <meta property="og:description" content="{attr(a.description)}">
    <meta property="og:type" content="article">
    <meta property="og:url" content="{a.url}">
    <meta property="og:image" content="{image_url(a)}">
    <meta property="og:site_name" content="{site}">
    <meta property="fb:app_id" content="552500884859152">
    <meta name="twitter:card" content="summary_large_image">
    <meta name="twitter:site" content="@EuropeanPravda">
    <link rel="canonical" href="{a.url}">
    {_hreflang(a)}
    <link rel="alternate" type="application/rss+xml" title="{site}" href="{BASE}{pre}rss/">
    <link rel="shortcut icon" href="/favicon.ico">
    <link rel="stylesheet" href="/static/css/main.css?v=2.3.14">
    <script async src="https://www.googletagmanager.com/gtag/js?id=UA-2108427-7"></script>
    <script>
        window.dataLayer = window.dataLayer || [];
        function gtag(){{dataLayer.push(arguments);}}
        gtag('js', new Date());
        gtag('config', 'UA-2108427-7');
    </script>
    <script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js"></script>
    <script async src="https://securepubads.g.doubleclick.net/tag/js/gpt.js"></script>
    <script>window.googletag = window.googletag || {{cmd: []}};</script>
    {ld}
</head>
<body>
<div class="layout">
<header class="header">
    <div class="header__top">
        <a class="header__logo" href="{pre}"><img src="/static/img/logo_{a.lang}.svg" alt="{site}"></a>
        <div class="header__lang">
        {_lang_menu(a, a.lang, cls="header__lang__item")}
        </div>
        <div class="header__projects">
            <a href="https://www.pravda.com.ua/" target="_blank">Українська правда</a>
            <a href="https://www.epravda.com.ua/" target="_blank">Економічна правда</a>
            <a href="https://life.pravda.com.ua/" target="_blank">Життя</a>
        </div>
        <form class="header__search" action="{BASE}/search/" method="get"><input type="text" name="search" placeholder="{ui["search"]}"><button type="submit">{ui["find"]}</button></form>
    </div>
    <nav class="header__menu">
        <a href="{pre}news/">{ui["news"]}</a>
        <a href="{pre}articles/">{ui["articles"]}</a>
        <a href="{pre}interview/">{ui["interview"]}</a>
        <a href="{pre}experts/">{ui["experts"]}</a>
        <a href="https://www.facebook.com/eupravda" target="_blank" rel="nofollow">Facebook</a>
        <a href="https://t.me/eurointegration_com_ua" target="_blank" rel="nofollow">Telegram</a>
    </nav>
</header>
<div class="container">
<div class="container__main">
<div class="block block_post">
    <div class="post post_{a.section}">
        <div class="post__head">
            <h1 class="post__title">{esc(a.title)}</h1>
            {author}
            <div class="post__time">{display_date(a.published, a.lang)}</div>
        </div>
        <div class="post__photo"><img src="{image_url(a)}" alt="{attr(a.title)}"></div>
        <div class="post__social">
            <a class="post__social__item post__social__item_fb" href="https://www.facebook.com/sharer/sharer.php?u={a.url}" target="_blank" rel="nofollow">Facebook</a>
            <a class="post__social__item post__social__item_tw" href="https://twitter.com/share?url={a.url}" target="_blank" rel="nofollow">Twitter</a>
            <a class="post__social__item post__social__item_tg" href="https://t.me/share/url?url={a.url}" target="_blank" rel="nofollow">Telegram</a>
        </div>
        <div class="post__text">
{body}
        </div>
        {tags}
        {report}
    </div>
</div>
<div class="block block_related">
    <div class="block__head">{ui["related"]}</div>
{rel}
</div>
<div class="block block_comments"><div class="fb-comments" data-href="{a.url}" data-numposts="5" data-width="100%"></div></div>
</div>
<aside class="container__sidebar">
    <div class="block block_last_news">
        <div class="block__head"><a href="{pre}news/">{ui["latest"]}</a></div>
{last}
        <a class="block__more" href="{pre}news/">{ui["all_news"]}</a>
    </div>
    <div class="block block_banner"><div class="advtext">Реклама:</div><div id='div-gpt-ad-1234-200' style='min-height:600px;'></div></div>
</aside>
</div>
<footer class="footer">
    <div class="footer__copy">&copy; 2014-{max(x.published.year for x in ARTICLES)}, {ui["rights"]}</div>
    <div class="footer__text">Використання матеріалів сайту дозволено лише за умови посилання (для інтернет-видань – гіперпосилання) на "Європейську правду" не нижче третього абзацу.</div>
    <div class="footer__social">
        <a href="https://www.facebook.com/eupravda" target="_blank" rel="nofollow">Facebook</a>
        <a href="https://twitter.com/EuropeanPravda" target="_blank" rel="nofollow">Twitter</a>
        <a href="https://t.me/eurointegration_com_ua" target="_blank" rel="nofollow">Telegram</a>
    </div>
</footer>
</div>
<script src="/static/js/main.js?v=2.3.14"></script>
</body>
</html>
"""
    return page.encode("utf-8")


# ---------------------------------------------------------------------------
# Generation 3: the current platform, UTF-8 (article.post_news / article.post_article)
# ---------------------------------------------------------------------------


def _current_block(block: Block, n: int) -> str:
    if block.kind in ("p", "promo"):
        return f"<p>\n\t{inline_html(block.text, spans=True)}\n</p>"
    if block.kind == "h2":
        return f"<h2>\n\t<span>{esc(block.text)}</span>\n</h2>"
    if block.kind == "ul":
        items = "\n".join(f"\t<li>\n\t\t\t{inline_html(i, spans=True)}\n\t</li>" for i in block.items)
        return f"<ul>\n{items}\n</ul>"
    if block.kind == "quote":
        return f"<blockquote>\n\t<p>\n\t\t{inline_html(block.text, spans=True)}\n\t</p>\n</blockquote>"
    if block.kind == "img":
        src = f"https://img.eurointegration.com.ua/eurointegration/images/doc/{n}/a/{7000 + n}/inner-{n}.jpg"
        credit = f'\n                            <div class="image-box__author">\n                                            {esc(block.credit)}\n                                    </div>' if block.credit else ""
        return (
            '<div class="image-box image-box_center ">\n'
            f'                    <picture><source type="image/webp" srcset="{src}?w=1210&q=90&f=webp" /><source srcset="{src}?w=1210&q=90" />'
            f'<img src="{src}?w=1210&q=90" alt="{attr(block.text)}" loading="lazy" width="870" height="559" /></picture>\n'
            f'                    <div class="image-box__caption">{esc(block.text)}</div>{credit}\n    </div>'
        )
    if block.text == "video":
        return (
            '<div class="nts-video-wrapper">\n'
            '    <div class="nts-video-label">РЕКЛАМА:</div>\n'
            '    <div class="nts-video" data-ym-ad="EUR_VIDEO"></div>\n</div>'
        )
    return (
        '<div class="advtext_mob">Реклама:</div>\n'
        f'<div class="nts-ad nts-ad-h280 mtb10" data-ym-ad="EUR_ITA_{n}">\n    <div class="EUR_ITA_{n}"></div>\n</div>'
    )


CURRENT_STYLE = """    <style>
        .advtext_desk,
        .advtext_mob,
        .advtext {
            color: #ccc;
            font-size: 12px;
            text-align: center;
            text-transform: uppercase;
            margin: 5px 0 10px 0 !important;
        }
        .nts-ad {display: flex; flex-direction: column; align-items: center; justify-content: center}
        .nts-ad-h280 {height: 280px; max-height: 280px}
        @media (min-width: 1161px) { .advtext_mob, .nts-ad[data-ym-ad^="EUR_ITA"] {display: none} }
        .nts-video-wrapper {padding-top: 10px;padding-bottom: 20px}
        .nts-video-label {font-size: 12px; font-family: "Helvetica Neue", Arial, sans-serif; line-height: 12px; text-transform: uppercase; color: #999; text-align: center}
        .nts-video {height: calc(100vw / 16 * 9); max-height: 360px;  margin: 10px auto 0}
        .advtext1 {display: block!important; font-size: 14px; color: #000; text-align: left!important; margin: 5px auto;}
    </style>"""

CURRENT_HEAD_SCRIPTS = """    <!-- Google Tag Manager -->
    <script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
                new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
            j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
            'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
        })(window,document,'script','dataLayer','GTM-K8S6XQN');</script>
    <!-- End Google Tag Manager -->
    <script>
    let js_script_list = [],
        chead = document.head || document.body || document.documentElement;
    function loadScript(src, cb) {
        let i = js_script_list.length, load_check = false;
        while (i--) {
            if (js_script_list[i] === src) {
                load_check = true;
                break;
            }
        }
        if(!load_check){
            js_script_list.push(src);
            var s = document.createElement('script');
            s.src = src;
            chead.appendChild(s);
            s.onload = cb;
            s.onerror = cb;
            return s;
        }else{
            if (cb !== undefined && typeof(cb) === "function") {
                cb();
            }
        }
    }
    </script>
    <!--membrana-->
    <script async="async" src="https://securepubads.g.doubleclick.net/tag/js/gpt.js"></script>
    <script async="async" src="https://cdn.membrana.media/eur/ym.js?v=2"></script>
    <script>
        window.notsyCmd = window.notsyCmd || [];
        window.notsyCmd.push(function() {
            window.notsyInit({
                pageVersionAutodetect: true
            });
        });
    </script>"""


def current_shell(lang: str, *, title: str, head: str, main: str, article: Article | None = None) -> str:
    """The current platform's page chrome around ``main`` (also used for listings)."""
    ui = UI[lang]
    site = SITE_NAME[lang]
    pre = f"{BASE}/{LANG_PREFIX[lang]}"
    return f"""<!DOCTYPE html>
<html lang="{HTML_LANG[lang]}">
<head>
    <meta charset="utf-8"/>
    <meta name="robots" content="index, follow, max-image-preview:large">
    <meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1,user-scalable=yes">
    <link rel="icon" type="image/png" href="/eurointegration/favicon/favicon-32x32.png" sizes="32x32"/>
    <link rel="shortcut icon" href="/eurointegration/favicon/favicon.ico" />
{head}
{CURRENT_HEAD_SCRIPTS}
    <title>{esc(title)}</title>
    <link rel="stylesheet" href="{BASE}/eurointegration/css/index.css?1.12">
{CURRENT_STYLE}
</head>
<body class="">
    <!-- Google Tag Manager (noscript) -->
    <noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-K8S6XQN"
                      height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
    <!-- End Google Tag Manager (noscript) -->
    <div id="fb-root"></div>
<script>
    let facebook_loaded = false;
    function loadFacebook(){{
        facebook_loaded = true;
        (function(d, s, id) {{var js, fjs = d.getElementsByTagName(s)[0];if (d.getElementById(id)) return;js = d.createElement(s); js.id = id;js.src = "//connect.facebook.net/uk_UA/sdk.js#xfbml=1&version=v3.2";fjs.parentNode.insertBefore(js, fjs);}}(document, 'script', 'facebook-jssdk'));
    }}
</script>
<header class="header">
    <div class="header_main">
        <div class="layout_wrapper">
            <div class="header_wrapper">
                <div class="header_wrapper_l">
                    <a class="top_menu_link"><span class="options_text">{ui["sections"]}</span></a>
                </div>
                <div class="header_wrapper_c">
                    <div class="header_logo"><a href="{pre}"><img src="{BASE}/eurointegration/i/logo_{lang}.svg" alt="{site}"></a></div>
                </div>
                <div class="lang_menu">
        {_lang_menu(article, lang, cls="lang_menu_item")}
                </div>
                <div class="header_wrapper_r">
                    <a href="https://club.pravda.com.ua/?utm_source=site&utm_campaign=eurointegration_button" target="_blank" class="top_options_club">
                        <span class="options_text">{ui["support"]}</span>
                    </a>
                </div>
            </div>
        </div>
    </div>
    <div class="popup menu_popup">
        <div class="layout_wrapper">
            <div class="top_menu_wrapper">
                <nav class="top_menu_item">
                    <ul class="top_menu">
                        <li><a href="{pre}news/">{ui["news"]}</a></li>
                        <li><a href="{pre}articles/">{ui["articles"]}</a></li>
                        <li><a href="{pre}interview/">{ui["interview"]}</a></li>
                        <li><a href="{pre}experts/">{ui["experts"]}</a></li>
                    </ul>
                </nav>
                <nav class="top_menu_item">
                    <ul class="top_menu">
                        <li><a href="https://www.pravda.com.ua/" target="_blank">Українська правда</a></li>
                        <li><a href="https://epravda.com.ua/" target="_blank">Економічна правда</a></li>
                        <li><a href="https://life.pravda.com.ua/" target="_blank">Життя</a></li>
                        <li><a href="https://champion.com.ua/" target="_blank">Чемпіон</a></li>
                        <li><a href="https://www.istpravda.com.ua/" target="_blank">Історична правда</a></li>
                        <li><a href="https://blogs.pravda.com.ua/" target="_blank">Блоги</a></li>
                    </ul>
                </nav>
            </div>
        </div>
    </div>
    <div class="popup search_popup">
        <div class="layout_wrapper">
            <form action="{BASE}/search/" method="get">
                <div class="search_form">
                    <input class="search_field" name="query" type="text" placeholder="{ui["search"]}">
                    <input class="search_button" type="submit" value="{ui["find"]}">
                </div>
            </form>
        </div>
    </div>
</header>
<nav class="main_menu_wrapper">
    <div class="layout_wrapper">
        <ul class="main_menu">
            <li class="main_topic"><a href="{pre}news/">{ui["news"]}</a></li>
            <li class="main_topic"><a href="{pre}articles/">{ui["articles"]}</a></li>
            <li class="main_topic"><a href="{pre}interview/">{ui["interview"]}</a></li>
            <li class="main_topic"><a href="{pre}experts/">{ui["experts"]}</a></li>
        </ul>
    </div>
</nav>
{main}
<footer class="footer">
    <div class="layout_wrapper">
        <div class="footer_logo"><a href="{pre}"><img src="{BASE}/eurointegration/i/logo_{lang}.svg" alt="{site}"></a></div>
        <div class="footer_copy">
            &copy; 2014-2025, {ui["rights"]}
        </div>
        <div class="footer_social_wrapper">
            <a href="https://www.facebook.com/eupravda"><span class="icon">Facebook</span></a>
            <a href="https://x.com/EuropeanPravda"><span class="icon">X</span></a>
            <a href="https://t.me/eurointegration_com_ua"><span class="icon">Telegram</span></a>
        </div>
        <div class="footer_menu">
            <a href="{BASE}/about/">Про нас</a>
            <a href="{BASE}/rules/">Правила використання</a>
            <a href="{BASE}/rss-info/">RSS</a>
        </div>
    </div>
</footer>
<script src="{BASE}/eurointegration/js/common.js?1.1"></script>
</body>
</html>
"""


def news_item_html(a: Article, *, href: str | None = None, with_date: bool = False) -> str:
    """One entry of a current-platform news list (listings, 'related' boxes)."""
    when = display_date(a.published, a.lang, weekday=False) if with_date else f"{a.published:%H:%M}"
    return f"""                    <div class="article_news">
                        <div class="article_time">{when}</div>
                        <div class="article_title">
                            <a href="{attr(href or a.url)}"
>
                                {esc(a.title)}
                            </a>
                        </div>
                    </div>"""


def _share(a: Article) -> str:
    ui = UI[a.lang]
    return f"""<div class="post_article_social post_article_social_top">
    <a href="" class="button" onclick="fb_share('{a.url}'); return false;"><span class="icon_fb"><svg viewBox="0 0 50 50"><path d="M26.6 36V25.4h3.5l.5-4.1h-4v-2.6c0-1.2.3-2 2-2h2.2v-3.7c-.4 0-1.7-.2-3.2-.2-3.1 0-5.3 1.9-5.3 5.4v3h-3.5v4.1h3.5V36h4.3z"/></svg></span></a>
    <a href="" class="button" onclick="tw_share('{a.url}', '{attr(a.title)}'); return false;"><span class="icon_x"><svg viewBox="0 0 50 50"><path d="M27.6 23.3 36.3 13h-2.1l-7.5 8.9-6-8.9H13.7l9.1 13.3-9.1 10.7h2.1l8-9.4 6.4 9.4h6.9l-9.5-13.7z"/></svg></span></a>
    <a href="" class="button" onclick="tg_share('{a.url}', '{attr(a.title)}'); return false;"><span class="icon_telegram"><svg viewBox="0 0 50 50"><path d="M20.2 27.8l-.4 5.9c.5 0 .9-.2 1.2-.6l2.9-2.7 6 4.2c1.1.6 1.9.3 2.2-1l3.9-17.8c.3-1.6-.6-2.2-1.7-1.8l-23 8.5c-1.6.6-1.6 1.5-.3 1.9l5.9 1.8 13.7-8.3c.6-.4 1.2-.2.8.2l-11.1 9.7z"/></svg></span></a>
    <a href="" class="copy_button" onclick="return false;"><span class="icon_link"><svg viewBox="0 0 50 50"><path d="M21 27.7c.6-.6 1.3-1.2 1.9-1.8 1.3 1.4 3.6 1.4 4.9.2l4.5-4.3c1.2-1.1 1.1-3-.1-4.3-1.3-1.4-3.5-1.4-4.9-.1l-1.1.9-1.6-1.6 1.3-1.3c2-2 5.3-2.1 7.4 0 2.1 2.1 2 5.4-.1 7.4l-5.4 5.1c-2.5 2.3-6.4 2-8.8-.2z"/></svg></span></a>
    <div class="tooltip">{ui["copied"]}</div>
</div>
<script type="text/javascript">
    function fb_share(share_url) {{
        if(facebook_loaded === undefined || facebook_loaded === false){{
            loadFacebook();
        }}
        setTimeout(function(){{
            FB.ui({{
                method: 'share',
                href: share_url,
            }}, function(response){{}});
        }}, 1000);
    }}
    function tw_share(share_url, share_title) {{
        window.open('https://twitter.com/share?url=' + share_url + '&text=' + encodeURIComponent(share_title) + '&via=EuropeanPravda&', 'twitterwindow', 'height=450, width=550, toolbar=0, location=0, menubar=0, directories=0, scrollbars=0');
    }}
    function tg_share(share_url, share_title) {{
        window.open('https://t.me/share/url?url=' + share_url + '&text=' + encodeURIComponent(share_title) , 'twitterwindow', 'height=450, width=550, toolbar=0, location=0, menubar=0, directories=0, scrollbars=0');
    }}
</script>"""


def _current_head(a: Article) -> str:
    ui = UI[a.lang]
    site = SITE_NAME[a.lang]
    parts = [
        f"    {_hreflang(a)}" if _hreflang(a) else "",
        f'    <link rel="canonical" href="{a.url}" />',
        '<meta property="fb:app_id" content="552500884859152" />',
        f'    <meta name="title" content="{attr(a.title)}">',
        f'    <meta name="description" content="{attr(a.description)}"/>',
        '    <meta property="article:content_tier" content="free"/>',
        f'    <link rel="amphtml" href="{a.url}index.amp">',
        '<meta name="keywords" content="">\n<meta name="document-state" content="state">\n<meta name="revisit-after" content="1 days">',
    ]
    if a.json_ld:
        naive = a.section == "news"  # news like epravda (naive Kyiv time), long reads like pravda (offset)
        parts.append(f'<script type="application/ld+json">\n    {_ld_json(a, naive=naive)}\n</script>')
        parts.append(f'<script type="application/ld+json">\n    {_breadcrumbs(a)}\n</script>')
    authors = ", ".join(f"&quot;{esc(n)}&quot;" for n in a.authors)
    tags = ",".join(f"&quot;{esc(t)}&quot;" for t in a.tags)
    parts.append(f"""<script>
            loadScript('https://cdn.onthe.io/io.js/eUrO7pRaVdA1');
    </script>
    <script>
        window._io_config = window._io_config || {{}};
        window._io_config["0.2.0"] = window._io_config["0.2.0"] || [];
        window._io_config["0.2.0"].push({{
            page_url: "{a.url}",
            page_url_canonical: "{a.url}",
            page_title: "{attr(a.title)}",
            page_type: "article",
            page_language: "{ {"uk": "ukr", "ru": "ru", "en": "en"}[a.lang] }",
            article_authors: [{authors}],
            article_categories: ["{ui.get(a.section, ui["news"])}"],
            article_subcategories: "[{tags}]",
            article_type: "{"news" if a.section == "news" else "article"}",
            article_word_count: "{len(" ".join(a.lines).split())}",
            article_publication_date: "{rfc822(a.published)}"
        }});
    </script>""")
    parts.append(f"""    <meta property="og:title" content="{attr(a.title)}" />
    <meta property="og:description" content="{attr(a.description)}">
<meta property="og:site_name" content="{site}" />
<meta property="og:type" content="article" />
<meta property="og:url" content="{a.url}" />
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:site" content="@EuropeanPravda">
<meta name="twitter:title" content="{attr(a.title)}" />
<meta name="twitter:description" content="{attr(a.description)}" />
    <meta property="og:image" content="{image_url(a)}?w=1200&amp;q=85" />
    <meta name="twitter:image:src" content="{image_url(a)}?w=1200&amp;q=85" />
    <meta property="og:image:width" content="1200">
    <meta property="og:image:height" content="675">""")
    return "\n".join(x for x in parts if x)


def _other_news(a: Article) -> str:
    ui = UI[a.lang]
    items = "\n".join(news_item_html(x, with_date=True) for x in related(a))
    return f"""                <aside class="section_other_news">
            <div class="section_title section_title_sm">
                <h3><span>{ui["related"]}</span></h3>
            </div>
            <div class="news_grid_wrapper">
{items}
            </div>
        </aside>
                <aside class="section_other_news">
    <div class="section_title section_title_sm">
        <h3><span>{ui["top"]}</span></h3>
    </div>
    <div class="section_other_news_wrapper" id="important_today_block">
    </div>
</aside>
<script>
    document.addEventListener('DOMContentLoaded', () => {{
        fetch('{BASE}/{LANG_PREFIX[a.lang]}important-today/', {{
            headers: {{
                "Content-Type": 'text/plain'
            }}
        }}).then(response => {{
            response.text().then(data => {{
                document.getElementById('important_today_block').innerHTML = data
            }})
        }})
    }})
</script>"""


def _after_body(a: Article) -> str:
    ui = UI[a.lang]
    tags = ""
    if a.tags:
        links = "\n".join(f'                    <a href="{tag_href(a.lang, t)}">{esc(t)}</a>' for t in a.tags)
        tags = f'                    <div class="post_news_tags">\n{links}\n            </div>\n'
    return f"""{tags}                                            <div class="unit_bottom_banner">
    <div class="banner" style="width: 100%; max-width: 980px;">
        <div class="advtext">Реклама:</div>
                                     <div class="nts-ad nts-ad-h280 mtb10" data-ym-ad="EUR_BTA">
                                         <div class="EUR_BTA"></div>
                                     </div>
    </div>
</div>
                    <div class="advtext1" style="text-transform: none; line-height: 1.2em;">{ui["rules"]}</div>
            <div class="fb-comments" data-href="{a.url}" data-numposts="5" data-width="100%"></div>"""


def _date_line(a: Article) -> str:
    date = display_date(a.published, a.lang, weekday=False)
    if not a.authors:
        return f"""                    <div class="post_news_date">
                {date}
</div>"""
    return f"""                    <div class="post_news_date">
                                        <span class="post_news_author">
                    <a href="{author_href(a.lang, a.authors[0])}">
                        {esc(a.authors[0])}                     </a>
                </span>
                        —
                {date}
</div>"""


def render_current(a: Article) -> bytes:
    site = SITE_NAME[a.lang]
    body = "\n".join(_current_block(b, n) for n, b in enumerate(a.blocks))
    if a.section == "news":
        main = f"""    <div class="main">
    <div class="section_news">
        <div class="section_news_wrapper">
            <article class="post_news">
                <header class="post_news_header">
                                        <h1 class="post_news_title">
                        {esc(a.title)}
                                            </h1>

{_date_line(a)}
                </header>
                <div class="post_news_body">
                                            <div class="post_news_photo">
                                <picture><source type="image/webp" srcset="{image_url(a)}?w=770&q=90&f=webp"></source><img src="{image_url(a)}?w=770&q=90" alt="{attr(a.title)}" loading="lazy" width="689" height="386"></img></picture>
                            <div class="post_news_photo_captain">
                            </div>
                        </div>
                    <aside class="post_news_service">
                        {_share(a)}
                    </aside>
                    <div class="post_news_text" data-io-article-url="{a.url}">
                        {body}
                    </div>
{_after_body(a)}
                </div>
{_other_news(a)}
            </article>
            <div class="section_news_side">
                <div class="post_side_news">
    <div class="side_sm_title"><h4><a href="{BASE}/{LANG_PREFIX[a.lang]}news/">{UI[a.lang]["latest"]}</a></h4></div>
    <div class="news_grid_wrapper" id="last_news_block"></div>
</div>
                                    <div class="unit_side_banner">
        <div class="banner" style="width: 300px;">
            <div class="advtext">Реклама:</div>
<div class="nts-ad nts-ad-h250">
                                        <div class="EUR_SBL"></div>
                                    </div>
        </div>
    </div>
            </div>
        </div>
    </div>
</div>"""
    else:
        authors = "\n".join(
            f"""                        <a href="{author_href(a.lang, n)}" class="post_article_author_item">
                                    <span class="post_author_media">
                 <picture><img src="https://img.eurointegration.com.ua/journalist/{hashlib.md5(n.encode()).hexdigest()[:8]}.jpg?w=40&q=90" alt="" loading="lazy" width="900" height="900"></img></picture>
                </span>
                <span class="post_author_name">
                {esc(n)}
                </span>
            </a>"""
            for n in a.authors
        )
        main = f"""    <div class="main">
<article class="post_article">
            <header class="post_article_header">
                <div class="post_article_header_content">
                    <span class="article_label article_label_adv">
                    </span>
                    <h1 class="post_article_title">
                        {esc(a.title)}
                                            </h1>
                    <div class="post_article_author">
{authors}
                                    <span class="post_author_date">{display_date(a.published, a.lang, weekday=False)}</span>
                    </div>
                </div>
                                    <div class="post_article_header_media">
                                                    <picture><img src="{image_url(a)}?w=1920&q=90" alt="{attr(a.title)}" width="1920" height="1075"></img></picture>
                                                    <div class="post_article_header_media_source">
                                {site}
                            </div>
                                    </div>
            </header>
            <div class="layout_wrapper_article ">
                <aside class="post_article_service">
                    {_share(a)}
                </aside>
                <div class="post_article_body_wrapper">
                    <div class="post_article_body">
                        <div data-io-article-url="{a.url}" class="post_article_text">
                            {body}
                        </div>
{_after_body(a)}
                    </div>
                </div>
            </div>
{_other_news(a)}
        </article>
</div>"""
    page = current_shell(a.lang, title=f"{a.title} | {site}", head=_current_head(a), main=main, article=a)
    return page.encode("utf-8")


def render_article(a: Article) -> bytes:
    """The page bytes, in the page's own charset."""
    return {"old": render_old, "post": render_post, "current": render_current}[a.generation](a)


# ---------------------------------------------------------------------------
# The catalogue. Ids follow the site's range (7059807 in Jan 2017, ~7162000 in May 2023,
# 7224180 in Nov 2025); the three language versions of an article share its id.
# ---------------------------------------------------------------------------

_RU_SEED_TITLE = "Япония ведет переговоры об открытии офиса НАТО из-за российского вторжения в Украину\xa0– глава МИД"

ARTICLES: tuple[Article, ...] = (
    # ---- generation 1: old, windows-1251 -------------------------------------------------
    Article(
        "7059807", "uk", "news", kyiv(2017, 1, 5, 14, 5),
        "Єврокомісія назвала пріоритети фінансової допомоги Україні на 2017 рік",
        (
            p("Європейська комісія визначила головні напрями, на які спрямовуватиме фінансову допомогу Україні у 2017 році: реформу державного управління, децентралізацію та енергоефективність."),
            p("Про це йдеться в повідомленні [Представництва ЄС в Україні](http://eeas.europa.eu/delegations/ukraine/), оприлюдненому в четвер."),
            ad("gpt"),
            p("\"Наш пріоритет – щоб допомога доходила до громад і давала відчутний результат для людей\", – зазначили в представництві."),
            p("За даними Єврокомісії, частину коштів буде надано у вигляді бюджетної підтримки, яку Україна отримає лише після виконання погоджених умов."),
            promo("Читайте також: [Литва закликала ЄС не зволікати з безвізом для України](/news/2017/01/4/7059760/)"),
            p("**Нагадаємо:** у 2016 році ЄС виділив Україні понад 200 млн євро безповоротної допомоги."),
        ),
        "old", authors=("Олена Коваль",), fixture="yevrokomisiya_priorytety_dopomohy",
        fixture_note="old generation: windows-1251 bytes, div.rpad > h1.title, span.dt2 with <b>author</b>, div.text > p, unpadded day in the URL, winter date (+02:00), gpt banner and a 'Читайте також' promo inside the body",
    ),
    Article(
        "7059760", "uk", "news", kyiv(2017, 1, 4, 16, 30),
        "Литва закликала ЄС не зволікати з безвізом для України",
        (
            p("Міністерство закордонних справ Литви закликало інституції ЄС якнайшвидше завершити процедури, необхідні для запровадження безвізового режиму з Україною."),
            p("У заяві литовського МЗС наголошується, що Україна виконала всі технічні вимоги, а подальші затримки підривають довіру до Євросоюзу."),
            p("Литва є однією з країн, які найпослідовніше підтримують європейську інтеграцію України."),
        ),
        "old",
    ),
    Article(
        "7058912", "ru", "articles", kyiv(2016, 12, 20, 9, 15),
        "Безвиз после саммита: что еще должна сделать Украина",
        (
            p("Саммит Украина – ЕС в Брюсселе не принес окончательного решения по безвизовому режиму, однако и в Киеве, и в европейских столицах уверены, что финишная прямая уже близко."),
            p("Решение теперь зависит от того, как быстро Европарламент и Совет ЕС согласуют механизм приостановления безвиза, а также от выполнения Украиной нескольких обязательств."),
            h2("Что осталось сделать Киеву"),
            p("По словам европейских дипломатов, Брюссель будет внимательно следить за тремя вещами:"),
            ul(
                "работой системы электронного декларирования;",
                "независимостью Национального антикоррупционного бюро;",
                "сохранением уже принятых законов без отката назад.",
            ),
            ad("gpt"),
            h2("Когда ждать решения"),
            p("Наиболее реалистичным сроком в Брюсселе называют весну 2017 года. Впрочем, дипломаты предупреждают: любые попытки ослабить антикоррупционные органы могут отодвинуть эту дату."),
            p("\"Мяч теперь на европейской стороне, но Украине нельзя расслабляться\", – говорит один из собеседников \"Европейской правды\" в Брюсселе."),
            ad("empty"),
        ),
        "old", authors=("Андрей Мельник",), fixture="rus_bezviz_posle_sammita",
        fixture_note="old generation, Russian long read: windows-1251 bytes, span.dt2 with <b>author</b>, <h2> sub-headings and a <ul> list inside div.text, gpt banner and empty <p>, winter date (+02:00)",
    ),
    Article(
        "7066453", "uk", "news", kyiv(2017, 6, 11, 0, 5),
        "Безвізовий режим між Україною та ЄС набув чинності",
        (
            p("Від сьогодні, 11 червня, громадяни України з біометричними паспортами можуть в'їжджати до країн Шенгенської зони без віз."),
            p("Безвізовий режим дозволяє перебувати в ЄС до 90 днів протягом будь-якого 180-денного періоду з метою туризму, відвідування родичів чи ділових поїздок."),
            p("Він не дає права на працевлаштування. Прикордонники можуть попросити показати зворотний квиток, підтвердження бронювання житла та наявність достатніх коштів."),
            promo("Читайте також: [Єврокомісія назвала пріоритети фінансової допомоги Україні на 2017 рік](/news/2017/01/5/7059807/)"),
            p("Безвізовий режим не поширюється на Велику Британію та Ірландію, які не входять до Шенгенської зони."),
        ),
        "old",
    ),
    Article(
        "7066453", "ru", "news", kyiv(2017, 6, 11, 0, 5),
        "Безвизовый режим между Украиной и ЕС вступил в силу",
        (
            p("С сегодняшнего дня, 11 июня, граждане Украины с биометрическими паспортами могут въезжать в страны Шенгенской зоны без виз."),
            p("Безвизовый режим позволяет находиться в ЕС до 90 дней в течение любого 180-дневного периода с целью туризма, посещения родственников или деловых поездок."),
            p("Он не дает права на трудоустройство. Пограничники могут попросить показать обратный билет, подтверждение бронирования жилья и наличие достаточных средств."),
            p("Безвизовый режим не распространяется на Великобританию и Ирландию, которые не входят в Шенгенскую зону."),
        ),
        "old",
    ),
    Article(
        "7077050", "uk", "experts", kyiv(2018, 2, 5, 10, 30),
        "Чому Україні варто вчитися в Балтії: уроки реформ",
        (
            p("Країни Балтії пройшли шлях від пострадянських республік до членів ЄС і НАТО менш ніж за п'ятнадцять років. Їхній досвід для України цінніший, ніж будь-які абстрактні рекомендації."),
            p("Головний урок – послідовність. Уряди змінювалися, але курс на інтеграцію та ключові реформи не переглядався."),
            h2("Що можна перейняти вже зараз"),
            p("Насамперед – прозорі державні закупівлі, електронні послуги та професійну державну службу, незалежну від політичних циклів."),
            p("Україні не треба копіювати чужі рішення, але варто уважно вивчити помилки, яких сусіди вже встигли припуститися."),
        ),
        "old", authors=("Ірина Бойко",),
    ),
    # ---- generation 2: "post__", UTF-8 ------------------------------------------------------
    Article(
        "7161964", "ru", "news", kyiv(2023, 5, 10, 11, 21),
        _RU_SEED_TITLE,
        (
            p("Япония ведет переговоры об открытии офиса связи НАТО, первого в своем роде в Азии."),
            p("Как сообщает \"Европейская правда\", об этом заявил министр иностранных дел Японии Ёсимаса Хаяси в интервью [CNN](https://edition.cnn.com/2023/05/10/asia/japan-nato-liaison-office-intl-hnk/index.html)."),
            p("\"Мы уже ведем переговоры, но никаких деталей еще не согласовано\",\xa0– заявил министр."),
            ad("adsense"),
            p("Глава МИД особо отметил вторжение России в Украину в прошлом году как событие с последствиями далеко за пределами Европы, которое заставило Японию переосмыслить региональную безопасность."),
            p("\"Причина, почему мы обсуждаем это, заключается в том, что после агрессии России в Украине мир стал более нестабильным\",\xa0– сказал он."),
            p("\"То, что происходит в Восточной Европе, не ограничивается только вопросом Восточной Европы, и это непосредственно влияет на ситуацию здесь, в Тихоокеанском регионе. Вот почему сотрудничество между нами в Восточной Азии и НАТО становится все более важным\",\xa0– добавил министр."),
            ad("gpt"),
            p("Открытие офиса связи НАТО в Японии станет значительным шагом для западного альянса на фоне углубления геополитических разломов и, вероятно, вызовет критику со стороны китайского правительства, которое ранее предостерегало от такого шага."),
            p("Впервые о планах открытия офиса в Японии сообщила газета Nikkei Asia в прошлую среду, ссылаясь на неназванных японских и натовских чиновников.\xa0\"Постоянное расширение НАТО на восток в Азиатско-Тихоокеанском регионе, вмешательство в региональные дела, попытки разрушить региональный мир и стабильность и подтолкнуть к блоковой конфронтации требуют от стран региона повышенной бдительности\",\xa0– заявил в ответ на это спикер МИД Китая Мао Нин."),
            ad("empty"),
            p("НАТО имеет подобные офисы связи в других местах, в том числе в Украине и Вене. Офис связи в Японии позволит обсуждать с партнерами НАТО, такими как Южная Корея, Австралия и Новая Зеландия, геополитические вызовы, новые и прорывные технологии и киберугрозы."),
            p("Как известно, Япония сейчас председательствует в G7, и недавно на встрече в японской Каруидзаве страны \"Группы семи\" договорились усилить контроль за соблюдением антироссийских санкций и лучше реагировать на поставки оружия третьими странами в Россию."),
            p("Напомним, Европейский Союз начинает выделять финансирование на прокладку нового оптоволоконного кабеля под названием Far North Fiber, который будет соединять страны ЕС с Японией через Арктику."),
        ),
        "post", tags=("Япония", "НАТО"), fixture="rus_japan_nato_office",
        fixture_note="the SEED article (shared/seed) as a post__ page: div.block_post, h1.post__title, div.post__time, div.post__text with adsbygoogle, div-gpt-ad and empty <p> noise, span.post__tags__item tags, div.post__report with the Russian error footer and 'Реклама:'; no JSON-LD; summer date (+03:00); U+00A0 before dashes kept",
    ),
    Article(
        "7161964", "uk", "news", kyiv(2023, 5, 10, 11, 21),
        "Японія веде переговори про відкриття офісу НАТО через російське вторгнення в Україну\xa0– глава МЗС",
        (
            p("Японія веде переговори про відкриття офісу зв'язку НАТО, першого такого в Азії."),
            p("Як повідомляє \"Європейська правда\", про це заявив міністр закордонних справ Японії Йошімаса Хаяші в інтерв'ю [CNN](https://edition.cnn.com/2023/05/10/asia/japan-nato-liaison-office-intl-hnk/index.html)."),
            p("\"Ми вже ведемо переговори, але жодних деталей ще не узгоджено\",\xa0– заявив міністр."),
            ad("adsense"),
            p("Глава МЗС особливо відзначив вторгнення Росії в Україну минулого року як подію з наслідками далеко за межами Європи, яка змусила Японію переосмислити регіональну безпеку."),
            p("\"Причина, чому ми обговорюємо це, полягає в тому, що після агресії Росії в Україні світ став більш нестабільним\",\xa0– сказав він."),
            promo("Читайте також: [Посли ЄС погодили продовження безмитної торгівлі з Україною ще на рік](https://www.eurointegration.com.ua/news/2023/05/10/7161950/)"),
            p("\"Те, що відбувається у Східній Європі, не обмежується лише питанням Східної Європи, і це безпосередньо впливає на ситуацію тут, у Тихоокеанському регіоні. Ось чому співпраця між нами у Східній Азії та НАТО стає дедалі важливішою\",\xa0– додав міністр."),
            p("Відкриття офісу зв'язку НАТО в Японії стане значним кроком для західного альянсу на тлі поглиблення геополітичних розломів і, ймовірно, викличе критику з боку китайського уряду, який раніше застерігав від такого кроку."),
            p("Вперше про плани відкриття офісу в Японії повідомила газета Nikkei Asia минулої середи, посилаючись на неназваних японських і натовських посадовців. \"Постійне розширення НАТО на схід в Азійсько-Тихоокеанському регіоні, втручання в регіональні справи, спроби зруйнувати регіональний мир і стабільність та підштовхнути до блокового протистояння вимагають від країн регіону підвищеної пильності\",\xa0– заявив у відповідь на це речник МЗС Китаю Мао Нін."),
            ad("gpt"),
            p("НАТО має подібні офіси зв'язку в інших місцях, зокрема в Україні та Відні. Офіс зв'язку в Японії дозволить обговорювати з партнерами НАТО, такими як Південна Корея, Австралія та Нова Зеландія, геополітичні виклики, нові та проривні технології і кіберзагрози."),
            p("Як відомо, Японія зараз головує у G7, і нещодавно на зустрічі в японському Каруїдзаві країни \"Групи семи\" домовилися посилити контроль за дотриманням антиросійських санкцій і краще реагувати на постачання зброї третіми країнами до Росії."),
            p("**Нагадаємо:** Європейський Союз починає виділяти фінансування на прокладання нового оптоволоконного кабелю під назвою Far North Fiber, який з'єднуватиме країни ЄС з Японією через Арктику."),
            ad("empty"),
            promo("Реклама: [Підписуйся на \"Європейську правду\"!](https://t.me/eurointegration_com_ua)"),
            promo("Якщо ви помітили помилку, виділіть необхідний текст і натисніть Ctrl + Enter, щоб повідомити про це редакцію."),
        ),
        "post", tags=("Японія", "НАТО"), json_ld=True, report_in_body=True, fixture="japan_nato_office",
        fixture_note="Ukrainian version of the seed, post__ era: JSON-LD NewsArticle with offset datePublished, a 'Читайте також' promo, and 'Реклама: Підписуйся…' plus the Ukrainian Ctrl + Enter footer pasted INSIDE div.post__text; the 'Нагадаємо:' lead-in paragraph must be kept",
    ),
    Article(
        "7161964", "en", "news", kyiv(2023, 5, 10, 11, 21),
        "Japan in talks to open NATO liaison office due to Russian invasion of Ukraine – foreign minister",
        (
            p("Japan is in talks to open a NATO liaison office, the first of its kind in Asia."),
            p("As European Pravda reports, this was stated by Japanese Foreign Minister Yoshimasa Hayashi in an interview with [CNN](https://edition.cnn.com/2023/05/10/asia/japan-nato-liaison-office-intl-hnk/index.html)."),
            p("\"We are already in talks, but no details have been agreed yet,\" the minister said."),
            ad("adsense"),
            p("The foreign minister singled out Russia's invasion of Ukraine last year as an event with consequences far beyond Europe that has forced Japan to rethink regional security."),
            p("\"The reason why we are discussing this is that after Russia's aggression in Ukraine, the world has become more unstable,\" he said."),
            p("\"What is happening in Eastern Europe is not confined to the question of Eastern Europe, and it directly affects the situation here in the Indo-Pacific region. That is why cooperation between us in East Asia and NATO is becoming ever more important,\" the minister added."),
            p("The opening of a NATO liaison office in Japan would be a significant step for the Western alliance amid deepening geopolitical fault lines and is likely to draw criticism from the Chinese government, which has previously warned against such a move."),
            p("Nikkei Asia first reported the plans last Wednesday, citing unnamed Japanese and NATO officials."),
            p("NATO has similar liaison offices elsewhere, including in Ukraine and Vienna."),
            p("**Background:** The European Union is starting to fund the laying of a new fibre-optic cable called Far North Fiber, which will connect EU countries with Japan via the Arctic."),
            promo("Follow European Pravda on [Twitter](https://twitter.com/EuropeanPravda) and [Telegram](https://t.me/eurointegration_com_ua)!"),
        ),
        "post", authors=("Mariia Yemets",), tags=("Japan", "NATO"), fixture="eng_japan_nato_office",
        fixture_note="English version of the seed, post__ era: English weekday date, div.post__author and meta author, English Ctrl + Enter footer in div.post__report, a 'Follow … on Twitter' promo paragraph in the body; no JSON-LD",
    ),
    Article(
        "7161950", "uk", "news", kyiv(2023, 5, 10, 9, 5),
        "Посли ЄС погодили продовження безмитної торгівлі з Україною ще на рік",
        (
            p("Постійні представники країн ЄС погодили продовження на рік режиму безмитної торгівлі з Україною, запровадженого у 2022 році."),
            p("Про це повідомило шведське головування в Раді ЄС."),
            ad("adsense"),
            p("Рішення передбачає, що мита на український експорт не стягуватимуться до червня 2024 року. Водночас документ містить захисний механізм для чутливих товарів, якого вимагали кілька країн-сусідів України."),
            p("Тепер рішення має остаточно затвердити Рада ЄС, після чого воно набуде чинності."),
            p("**Передісторія:** торговельні преференції для України ЄС запровадив у червні 2022 року, щоб підтримати українську економіку після початку повномасштабного вторгнення Росії."),
        ),
        "post", tags=("торгівля", "ЄС"), json_ld=True,
    ),
    Article(
        "7161990", "uk", "news", kyiv(2023, 5, 10, 15, 40),
        "У Брюсселі обговорили підтримку української енергетики перед наступною зимою",
        (
            p("Представники Єврокомісії та уряду України обговорили в Брюсселі потреби української енергетики перед наступним опалювальним сезоном."),
            p("**Деталі:** йдеться про обладнання для ремонту пошкоджених підстанцій, генератори та фінансування проєктів з енергоефективності."),
            ad("gpt"),
            p("Сторони домовилися, що Україна до кінця травня подасть оновлений перелік найнагальніших потреб."),
            p("У Єврокомісії нагадали, що через Механізм цивільного захисту ЄС Україна вже отримала тисячі генераторів і трансформаторів."),
        ),
        "post", tags=("енергетика",),
    ),
    Article(
        "7161990", "ru", "news", kyiv(2023, 5, 10, 15, 40),
        "В Брюсселе обсудили поддержку украинской энергетики перед следующей зимой",
        (
            p("Представители Еврокомиссии и правительства Украины обсудили в Брюсселе потребности украинской энергетики перед следующим отопительным сезоном."),
            p("**Детали:** речь идет об оборудовании для ремонта поврежденных подстанций, генераторах и финансировании проектов по энергоэффективности."),
            ad("gpt"),
            p("Стороны договорились, что Украина до конца мая подаст обновленный перечень самых насущных потребностей."),
            p("В Еврокомиссии напомнили, что через Механизм гражданской защиты ЕС Украина уже получила тысячи генераторов и трансформаторов."),
        ),
        "post", tags=("энергетика",),
    ),
    Article(
        "7161990", "en", "news", kyiv(2023, 5, 10, 15, 40),
        "Brussels discusses support for Ukraine's energy sector ahead of next winter",
        (
            p("Representatives of the European Commission and the Ukrainian government discussed in Brussels the needs of Ukraine's energy sector ahead of the next heating season."),
            p("**Details:** The talks covered equipment to repair damaged substations, generators and funding for energy efficiency projects."),
            p("The sides agreed that Ukraine would submit an updated list of its most urgent needs by the end of May."),
            p("The Commission recalled that Ukraine has already received thousands of generators and transformers through the EU Civil Protection Mechanism."),
        ),
        "post", tags=("energy",),
    ),
    Article(
        "7162010", "uk", "news", kyiv(2023, 5, 11, 10, 12),
        "Молдова завершує підготовку до саміту Європейської політичної спільноти",
        (
            p("Молдова завершує підготовку до саміту Європейської політичної спільноти, який відбудеться 1 червня неподалік Кишинева."),
            p("Очікується, що у зустрічі візьмуть участь лідери майже 50 європейських держав."),
            p("**Пряма мова:** \"Для Молдови це найбільша міжнародна подія в історії країни\",\xa0– заявили в уряді."),
            ad("empty"),
            p("Попередній саміт Європейської політичної спільноти відбувся у жовтні 2022 року в Празі."),
        ),
        "post", tags=("Молдова",), json_ld=True,
    ),
    Article(
        "7162035", "uk", "news", kyiv(2023, 5, 11, 18, 30),
        "Британія передала Україні крилаті ракети Storm Shadow",
        (
            p("Велика Британія передала Україні крилаті ракети Storm Shadow з дальністю понад 250 км."),
            p("Про це заявив міністр оборони Британії Бен Воллес у Палаті громад."),
            ad("adsense"),
            p("За його словами, ракети дозволять Україні захищатися від російських ударів і ефективно діяти на власній території."),
            p("Британія стала першою країною, яка надала Україні зброю такої дальності."),
            promo("Читайте також: [Молдова завершує підготовку до саміту Європейської політичної спільноти](/news/2023/05/11/7162010/)"),
        ),
        "post", tags=("Велика Британія", "зброя"), json_ld=True,
    ),
    Article(
        "7162035", "ru", "news", kyiv(2023, 5, 11, 18, 30),
        "Британия передала Украине крылатые ракеты Storm Shadow",
        (
            p("Великобритания передала Украине крылатые ракеты Storm Shadow с дальностью более 250 км."),
            p("Об этом заявил министр обороны Британии Бен Уоллес в Палате общин."),
            ad("adsense"),
            p("По его словам, ракеты позволят Украине защищаться от российских ударов и эффективно действовать на собственной территории."),
            p("Британия стала первой страной, предоставившей Украине оружие такой дальности."),
        ),
        "post", tags=("Великобритания", "оружие"), json_ld=True,
    ),
    Article(
        "7162035", "en", "news", kyiv(2023, 5, 11, 18, 30),
        "UK delivers Storm Shadow cruise missiles to Ukraine",
        (
            p("The United Kingdom has delivered Storm Shadow cruise missiles with a range of over 250 km to Ukraine."),
            p("This was announced by British Defence Secretary Ben Wallace in the House of Commons."),
            p("According to him, the missiles will allow Ukraine to defend itself against Russian strikes and operate effectively on its own territory."),
            p("The UK is the first country to provide Ukraine with weapons of such range."),
        ),
        "post", tags=("UK", "weapons"), json_ld=True,
    ),
    Article(
        "7153513", "ru", "news", kyiv(2023, 1, 3, 13, 40),
        "Хорватия вошла в еврозону и Шенгенскую зону",
        (
            p("С 1 января Хорватия стала 20-м членом еврозоны и 27-м членом Шенгенской зоны."),
            p("Евро заменил хорватскую куну, а пограничный контроль на сухопутных и морских границах с другими странами Шенгена отменен."),
            ad("gpt"),
            p("Контроль в аэропортах будет сохраняться до 26 марта – из-за особенностей расписания авиарейсов."),
            p("Хорватия вступила в ЕС в 2013 году и стала последним на сегодня государством, присоединившимся к блоку."),
        ),
        "post", tags=("Хорватия", "Шенген"),
    ),
    Article(
        "7104120", "uk", "articles", kyiv(2019, 11, 20, 9, 0),
        "Нова методологія розширення: чому Україні варто стежити за суперечкою навколо Балкан",
        (
            p("Рішення кількох держав ЄС не відкривати переговори про вступ з Північною Македонією та Албанією стало холодним душем для всіх країн, які прагнуть членства."),
            p("Тепер у Брюсселі обговорюють нову методологію розширення, і Україні варто уважно стежити за цією дискусією."),
            h2("Що пропонує Франція"),
            p("Париж наполягає, що переговори мають стати поетапними, а прогрес – зворотним: якщо країна відступає від реформ, її можна повернути на попередній етап."),
            ad("adsense"),
            h2("Що це означає для Києва"),
            p("Україна поки не має перспективи членства, однак правила, які ухвалять зараз, діятимуть і для неї в майбутньому."),
        ),
        "post", authors=("Максим Литвин",), tags=("розширення ЄС", "Західні Балкани"),
    ),
    Article(
        "7108500", "uk", "interview", kyiv(2020, 2, 12, 12, 0),
        "\"Реформу не можна ставити на паузу\": інтерв'ю з експертом ЄС з питань верховенства права",
        (
            p("Маркус Ленц понад десять років консультує уряди Східної Європи з питань верховенства права. Ми поговорили з ним про те, що Україна встигла зробити за останній рік і де вона буксує."),
            p("**– Пане Ленц, що ви вважаєте найбільшим успіхом реформ за останній рік?**"),
            p("– Перезапуск інституцій, які раніше існували лише на папері. Але інституцію легко створити і дуже важко захистити від політичного тиску."),
            ad("gpt"),
            p("**– А найбільшим ризиком?**"),
            p("– Втому. Суспільство хоче швидких результатів, а реформи правосуддя завжди тривають роками."),
        ),
        "post", authors=("Сергій Ткач",), tags=("верховенство права",), json_ld=True,
    ),
    Article(
        "7137700", "uk", "news", kyiv(2022, 2, 24, 6, 50),
        "Лідери ЄС проведуть екстрений саміт через напад Росії на Україну",
        (
            p("Голова Європейської ради скликав екстрений саміт лідерів ЄС у зв'язку з нападом Росії на Україну."),
            p("Зустріч відбудеться ввечері 24 лютого в Брюсселі."),
            p("Очікується, що лідери обговорять новий пакет санкцій проти Росії, який зачепить фінансовий, енергетичний та транспортний сектори."),
        ),
        "post", tags=("Росія", "санкції"), json_ld=True,
    ),
    Article(
        "7182000", "uk", "news", kyiv(2024, 3, 30, 23, 50),
        "Польські фермери розблокували рух вантажівок на кордоні біля Ягодина",
        (
            p("Польські фермери в суботу ввечері припинили блокування руху вантажівок на під'їзді до пункту пропуску \"Ягодин – Дорогуськ\"."),
            p("**Джерело:** Державна прикордонна служба України."),
            p("Водночас на інших ділянках кордону протести тривають, тому перевізникам радять враховувати це під час планування маршрутів."),
        ),
        "post", tags=("Польща", "кордон"), json_ld=True, fixture="fermery_rozblokuvaly_yahodyn",
        fixture_note="post__ page ten minutes before the spring DST switch: 23:50 on 2024-03-30 is still +02:00 (winter); JSON-LD with offset; '**Джерело:**' lead-in kept",
    ),
    Article(
        "7182010", "uk", "news", kyiv(2024, 3, 31, 10, 0),
        "Україна разом із країнами ЄС перейшла на літній час",
        (
            p("У ніч на неділю, 31 березня, Україна разом із країнами Європейського Союзу перевела годинники на одну годину вперед."),
            p("О 03:00 за київським часом стрілки перевели на 04:00."),
            p("Повернення на зимовий час відбудеться в останню неділю жовтня."),
        ),
        "post", json_ld=True, fixture="litnii_chas",
        fixture_note="post__ page on the first morning of summer time: 10:00 on 2024-03-31 is +03:00; no tags; JSON-LD with offset",
    ),
    Article(
        "7171500", "en", "articles", kyiv(2023, 10, 16, 10, 30),
        "What Poland's election result means for Ukraine",
        (
            p("The opposition's strong showing in Poland's parliamentary election has raised hopes in Kyiv for a reset in relations with its western neighbour."),
            h2("A difficult year"),
            p("Relations between the two capitals have been strained in recent months by a dispute over Ukrainian grain exports."),
            p("Warsaw nevertheless remains one of Ukraine's most important partners, and diplomats on both sides expect a more constructive tone once a new government is formed."),
            promo("Follow European Pravda on [Twitter](https://twitter.com/EuropeanPravda)!"),
        ),
        "post", authors=("Andrii Koval",), tags=("Poland",),
    ),
    # ---- generation 3: the current platform, UTF-8 ----------------------------------------
    Article(
        "7224181", "uk", "news", kyiv(2025, 11, 5, 14, 30),
        "Посли ЄС обговорили відкриття першого переговорного кластера з Україною",
        (
            p("Постійні представники держав ЄС у середу обговорили можливість відкриття першого переговорного кластера з Україною, однак рішення поки не ухвалили."),
            p("Про це \"Європейській правді\" розповіли кілька дипломатичних джерел у Брюсселі."),
            ad("mob"),
            p("За їхніми словами, більшість держав-членів підтримують відкриття кластера \"Основи\" ще до кінця року, проте одна країна продовжує блокувати консенсус."),
            p("**Деталі:** наступна спроба досягти згоди може відбутися на засіданні Ради ЄС із загальних питань наприкінці листопада."),
            ad("video"),
            p("**Що передувало:** 4 листопада Європейська комісія [оприлюднила](https://neighbourhood-enlargement.ec.europa.eu/enlargement-policy/2025-enlargement-package_en) щорічний звіт про розширення, в якому зазначила, що Україна виконала необхідні кроки для відкриття переговорів щодо трьох кластерів."),
            promo("Читайте також: [Реформа Верховного Суду: чого чекає Брюссель і чому без міжнародних експертів не обійтися](https://www.eurointegration.com.ua/articles/2025/11/5/7224180/)"),
        ),
        "current", authors=("Ольга Глущенко",), tags=("розширення ЄС", "переговори про вступ"), json_ld=True,
        fixture="posly_yes_klaster_osnovy",
        fixture_note="current platform news: article.post_news, post_news_date 'author — date with year', advtext_mob + nts-ad and nts-video-wrapper inside div.post_news_text, a 'Читайте також' promo, post_news_tags, advtext1 comment rules, share tooltip, section_other_news; JSON-LD NewsArticle with NAIVE datePublished like epravda; winter date (+02:00)",
    ),
    Article(
        "7224181", "ru", "news", kyiv(2025, 11, 5, 14, 30),
        "Послы ЕС обсудили открытие первого переговорного кластера с Украиной",
        (
            p("Постоянные представители государств ЕС в среду обсудили возможность открытия первого переговорного кластера с Украиной, однако решение пока не приняли."),
            p("Об этом \"Европейской правде\" рассказали несколько дипломатических источников в Брюсселе."),
            ad("mob"),
            p("По их словам, большинство государств-членов поддерживают открытие кластера \"Основы\" еще до конца года, однако одна страна продолжает блокировать консенсус."),
            p("**Детали:** следующая попытка достичь согласия может состояться на заседании Совета ЕС по общим вопросам в конце ноября."),
            ad("video"),
            p("**Что предшествовало:** 4 ноября Европейская комиссия опубликовала ежегодный доклад о расширении."),
        ),
        "current", authors=("Ольга Глущенко",), tags=("расширение ЕС",), json_ld=True,
    ),
    Article(
        "7224181", "en", "news", kyiv(2025, 11, 5, 14, 30),
        "EU ambassadors discuss opening first negotiating cluster with Ukraine",
        (
            p("The permanent representatives of EU member states on Wednesday discussed opening the first negotiating cluster with Ukraine, but took no decision yet."),
            p("Several diplomatic sources in Brussels told European Pravda about this."),
            ad("mob"),
            p("According to them, most member states support opening the Fundamentals cluster before the end of the year, but one country continues to block consensus."),
            p("**Details:** The next attempt to reach agreement may take place at the General Affairs Council at the end of November."),
            promo("Support UP: [become a member of the Ukrainska Pravda Club](https://club.pravda.com.ua/)"),
        ),
        "current", authors=("Olha Hlushchenko",), tags=("EU enlargement",), json_ld=True,
    ),
    Article(
        "7224180", "uk", "articles", kyiv(2025, 11, 5, 9, 0),
        "Реформа Верховного Суду: чого чекає Брюссель і чому без міжнародних експертів не обійтися",
        (
            p("Щорічний звіт Єврокомісії про розширення знову згадав реформу Верховного Суду серед ключових умов для України."),
            p("Брюссель уже третій рік поспіль наголошує: оновлення найвищої судової інстанції має відбуватися за участі незалежних експертів, яких делегують міжнародні партнери."),
            h2("Чому саме Верховний Суд"),
            p("Верховний Суд формує практику, якою керуються всі суди країни. Тому від його доброчесності залежить, чи працюватимуть інші реформи, зокрема антикорупційна."),
            ad("mob"),
            p("У Єврокомісії вважають, що без перевірки суддів цього суду решта змін може виявитися косметичною. Серед кроків, яких очікує Брюссель:"),
            ul(
                "ухвалення закону про перевірку доброчесності суддів Верховного Суду;",
                "залучення міжнародних експертів із вирішальним голосом;",
                "прозорий добір нових суддів на вакантні посади.",
            ),
            img("Будівля Верховного Суду в Києві", "Фото: Європейська правда"),
            h2("Що кажуть у Брюсселі"),
            quote("\"Ми не просимо Україну робити те, чого не робили інші держави-кандидати. Ми просимо зробити це швидше\",\xa0– пояснив один із посадовців Єврокомісії."),
            p("Водночас у Києві наголошують, що реформа має враховувати умови воєнного стану і не паралізувати роботу суду."),
            ad("video"),
            p("Від того, наскільки швидко Україна ухвалить необхідні рішення, залежить і темп переговорів про вступ, зокрема відкриття кластера \"Основи\"."),
        ),
        "current", authors=("Тетяна Кравченко", "Дмитро Шевчук"), tags=("Верховний Суд", "судова реформа"),
        json_ld=True, modified=kyiv(2025, 11, 5, 12, 40), fixture="reforma_verkhovnoho_sudu",
        fixture_note="current platform long read: article.post_article, two span.post_author_name, span.post_author_date, div.post_article_text with <h2> sub-headings, a <ul> list, a blockquote, an image-box with caption, advtext_mob + nts-ad and nts-video-wrapper ads; JSON-LD Article with OFFSET datePublished and a later dateModified",
    ),
    Article(
        "7224180", "ru", "articles", kyiv(2025, 11, 5, 9, 0),
        "Реформа Верховного Суда: чего ждет Брюссель и почему без международных экспертов не обойтись",
        (
            p("Ежегодный доклад Еврокомиссии о расширении снова упомянул реформу Верховного Суда среди ключевых условий для Украины."),
            p("Брюссель уже третий год подряд подчеркивает: обновление высшей судебной инстанции должно проходить с участием независимых экспертов, которых делегируют международные партнеры."),
            h2("Почему именно Верховный Суд"),
            p("Верховный Суд формирует практику, которой руководствуются все суды страны."),
            ad("mob"),
            ul(
                "принятие закона о проверке добропорядочности судей Верховного Суда;",
                "привлечение международных экспертов с решающим голосом;",
                "прозрачный отбор новых судей на вакантные должности.",
            ),
            p("От того, насколько быстро Украина примет необходимые решения, зависит и темп переговоров о вступлении."),
        ),
        "current", authors=("Татьяна Кравченко", "Дмитрий Шевчук"), tags=("Верховный Суд",),
        json_ld=True, modified=kyiv(2025, 11, 5, 12, 40),
    ),
    Article(
        "7224150", "uk", "news", kyiv(2025, 11, 4, 18, 45),
        "Нідерланди виділять додаткові кошти на відновлення енергетики України",
        (
            p("Уряд Нідерландів виділить додаткові кошти на закупівлю обладнання для відновлення енергетичної інфраструктури України."),
            p("Про це повідомило міністерство закордонних справ Нідерландів."),
            ad("mob"),
            p("Кошти спрямують через Фонд підтримки енергетики України, який адмініструє Секретаріат Енергетичного співтовариства."),
            p("Нідерланди є одним із найбільших донорів фонду."),
        ),
        "current", fixture="niderlandy_enerhetyka_minimal",
        fixture_note="current platform news with optional fields missing: no tags, no author (post_news_date holds the date only), no JSON-LD; title/description only in og/meta tags and the page itself",
    ),
    Article(
        "7224100", "ru", "news", kyiv(2025, 11, 4, 12, 0),
        "Еврокомиссия опубликовала ежегодный доклад о расширении ЕС",
        (
            p("Европейская комиссия во вторник опубликовала ежегодный пакет докладов о расширении, в котором оценила прогресс стран-кандидатов."),
            p("Украина, по оценке Еврокомиссии, продолжила реформы несмотря на войну, однако должна ускорить работу в сфере верховенства права."),
            ad("mob"),
            p("Доклад станет основой для решений стран-членов о дальнейших шагах в переговорах."),
        ),
        "current", authors=("Ольга Глущенко",), tags=("расширение ЕС",), json_ld=True,
    ),
    Article(
        "7223500", "uk", "news", kyiv(2025, 10, 20, 11, 15),
        "Міністри закордонних справ ЄС обговорили використання заморожених російських активів",
        (
            p("Міністри закордонних справ країн ЄС на засіданні в Люксембурзі обговорили механізм використання заморожених російських активів для підтримки України."),
            p("**Джерело:** заява за підсумками засідання Ради ЄС із закордонних справ."),
            ad("mob"),
            p("Остаточне рішення щодо так званої репараційної позики мають ухвалити лідери ЄС."),
        ),
        "current", authors=("Ольга Глущенко",), tags=("санкції", "російські активи"), json_ld=True,
    ),
    Article(
        "7215000", "uk", "news", kyiv(2025, 7, 15, 16, 20),
        "Єврокомісія представить пропозицію щодо нового семирічного бюджету ЄС",
        (
            p("Європейська комісія цього тижня представить пропозицію щодо нового семирічного бюджету ЄС на 2028–2034 роки."),
            p("За даними джерел, документ передбачатиме окремий інструмент підтримки України."),
            ad("video"),
            p("Переговори щодо бюджету між державами-членами зазвичай тривають понад два роки."),
        ),
        "current", authors=("Дмитро Шевчук",), tags=("бюджет ЄС",), json_ld=True,
    ),
    Article(
        "7226000", "uk", "news", kyiv(2025, 12, 1, 0, 8),
        "У Раді ЄС розпочався останній місяць данського головування",
        (
            p("Данія розпочала останній місяць свого головування в Раді ЄС."),
            p("Серед пріоритетів Копенгагена до кінця року – ухвалення нового пакета санкцій проти Росії та просування переговорів про вступ України і Молдови."),
            ad("mob"),
            p("З 1 січня 2026 року головування в Раді ЄС перейде до Кіпру."),
        ),
        "current", authors=("Ольга Глущенко",), tags=("Рада ЄС",), json_ld=True,
    ),
    Article(
        "7220000", "en", "articles", kyiv(2025, 9, 18, 10, 0),
        "How the EU plans to keep Ukraine's accession talks on track",
        (
            p("With one member state still blocking the formal opening of negotiating clusters, Brussels is looking for ways to keep Ukraine's accession process moving."),
            h2("Technical work continues"),
            p("The Commission has proposed continuing technical work with Ukraine so that the clusters can be opened quickly once the political obstacles are removed. The preparations include:"),
            ul(
                "screening reports for all six clusters;",
                "roadmaps on the rule of law and public administration;",
                "regular reviews of the reforms agreed with Kyiv.",
            ),
            ad("mob"),
            p("Diplomats say the approach keeps the process alive without changing the unanimity rule."),
            promo("Support UP: [become a member of the Ukrainska Pravda Club](https://club.pravda.com.ua/)"),
        ),
        "current", authors=("Andrii Koval",), tags=("EU enlargement",), json_ld=True, modified=kyiv(2025, 9, 18, 15, 5),
    ),
)
