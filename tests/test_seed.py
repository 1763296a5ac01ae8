"""The seed: a real Russian article as a reader copied it. Its body paragraphs are the exact text to archive."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

from newscrawl import extract
from tests.conftest import FIXTURES, ROOT

SEED = FIXTURES / "seed" / "eurointegration_rus_2023_05_10_japan_nato_office.txt"
PAGE = FIXTURES / "sites" / "eurointegration" / "eurointegration_2023_05_10_rus_japan_nato_office.html.gz"


def seed_parts() -> tuple[str, str, list[str]]:
    """Headline, date line, body paragraphs (the reader's copy ends with the footer and an ad label)."""
    blocks = [b for b in SEED.read_text("utf-8").split("\n") if b.strip()]
    headline, date_line, *rest = blocks
    assert rest[-2].startswith("Если вы заметили ошибку") and rest[-1] == "Реклама:"
    return headline, date_line, rest[:-2]


def test_seed_copy_is_the_shared_one() -> None:
    shared = ROOT.parent / "shared" / "seed" / SEED.name
    if shared.exists():
        assert shared.read_bytes() == SEED.read_bytes()


def test_seed_article_is_archived_exactly() -> None:
    headline, date_line, paragraphs = seed_parts()
    meta = json.loads(PAGE.with_name(PAGE.name.replace(".html.gz", ".meta.json")).read_text("utf-8"))
    record = extract(gzip.decompress(PAGE.read_bytes()), meta["url"], datetime.fromisoformat(meta["crawled_at"]))
    assert record["text"].split("\n") == paragraphs
    assert len(paragraphs) == 11
    assert record["title"] == headline
    assert date_line == "Среда, 10 мая 2023, 11:21"
    assert record["published"] == "2023-05-10T11:21:00+03:00"
    assert record["url"] == "https://www.eurointegration.com.ua/rus/news/2023/05/10/7161964/"
    assert (record["lang"], record["article_id"], record["section"]) == ("ru", "7161964", "news")
    assert record["fallbacks"] == []


def test_seed_text_holds_no_boilerplate() -> None:
    _, _, paragraphs = seed_parts()
    text = "\n".join(paragraphs)
    assert "Ctrl" not in text and "Реклама" not in text
    assert Path(PAGE).exists()
