"""Drop, with a named reason, whatever is not a whole article: challenge pages, empty shells, no title, no body."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from newscrawl.drops import ArticleDropped, BinaryContent, ChallengePage, MissingBody, MissingTitle, NotAnArticle
from newscrawl.pipelines.stats import CountingPipeline


def validate_article(item: dict[str, Any]) -> None:
    """Raise the drop reason for an item that must not be archived."""
    url = item.get("url")
    kind = item.get("page_kind", "article")
    if kind == "binary":
        raise BinaryContent(f"binary content served as a page at {url}")
    if kind == "challenge":
        raise ChallengePage(f"bot challenge page at {url}")
    if kind == "not_article":
        raise NotAnArticle(f"no article structure at {url}")
    if kind == "not_article_url":
        raise NotAnArticle(f"not an article URL of site {item.get('site')}: {url}")
    if not (item.get("title") or "").strip():
        raise MissingTitle(f"no title at {url}")
    if not (item.get("text") or "").strip():
        raise MissingBody(f"no article body at {url}")


class ValidateArticlePipeline(CountingPipeline):
    def process_item(self, item: Any, spider: Any = None) -> Any:
        try:
            validate_article(dict(ItemAdapter(item).items()))  # read only: no deep copy
        except ArticleDropped as drop:
            self.count(f"dropped/{drop.reason}")
            raise
        return item
