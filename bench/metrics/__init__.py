"""Metrics: per-cluster scores of summaries against references or source documents."""
