"""What a page of a site without a profile gets instead of a datasheet: the generic boilerplate patterns."""

from __future__ import annotations

from newscrawl.core.boilerplate import Boilerplate, boilerplate
from newscrawl.core.sites.upgroup import FAMILY_BOILERPLATE

# Sites without patterns of their own (the generic spider) get the widely shared ones, and two kinds of
# line that are never an article's prose: a bare timestamp (page metadata trafilatura took for text) and
# the reprint/print buttons. (Measured on AEB: repeated lines, copyright lines and bare URLs are more often
# article text than not, so they stay.)
GENERIC_BOILERPLATE: tuple[Boilerplate, ...] = (
    *(b for b in FAMILY_BOILERPLATE if b.name in {"ad_label", "error_report", "link_copied"}),
    boilerplate("timestamp", r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\s*$"),
    boilerplate("reprints", r"^(?:Order Reprints|Print Article|Print this article)\s*$"),
)
