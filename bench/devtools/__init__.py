"""Tools for developing mdsbench itself (the import-graph check)."""
