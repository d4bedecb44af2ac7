"""mdsbench: a benchmark harness for multi-document summarization."""

__version__ = "0.1.0"
