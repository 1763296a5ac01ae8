"""Spiders: one module of a few lines per site profile, plus the generic ``news`` spider."""
