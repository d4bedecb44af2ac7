"""Summarizers: one module each, configured by ``conf/summarizer/<name>.yaml``."""
