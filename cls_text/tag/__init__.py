"""Tagging answers with themes: one package for everything a tagger is.

``rules`` (transparent term matching, the evidence), ``zeroshot`` (codebook-only scoring),
``supervised`` (learned from coded quotes), ``features`` and ``embeddings`` (what learned
taggers see), ``frame`` (tag columns of the long table), ``select`` (which tagger a run uses)
and ``stance/`` (is the evidence for or against the theme). Shipped model weights are package
data in ``models/``.
"""
