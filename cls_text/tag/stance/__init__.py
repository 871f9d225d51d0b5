"""Stance of a tagged theme: the polarity model (``model``) and theme-relative cues (``theme``)."""
