"""Codebooks shipped with cls-text (package data)."""
