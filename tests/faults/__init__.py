"""The fault matrix: one module per way the archive, the crawl or the web can break a promise."""
