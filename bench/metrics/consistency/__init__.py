"""Fact consistency of summaries against every source document of their cluster."""
