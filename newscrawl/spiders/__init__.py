"""Spiders: one module of a few lines per site profile, plus the generic ``news`` spider, both composed of
the pieces beside them (``arguments``, ``discovery``, ``articles``)."""
