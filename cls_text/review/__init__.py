"""Reviewers in the loop.

``queue`` (the review queue and blind audit), ``agreement``, ``retrain`` (with its promotion
rule), ``qda`` (REFI-QDA exchange) and ``evaluate`` (metrics).
"""
