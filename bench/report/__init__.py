"""bench-report: one self-contained HTML page per sweep."""
