"""The one exception type that the command-line tools turn into a one-line error."""

from __future__ import annotations


class BenchError(Exception):
    """A problem with the user's input or configuration, reported as one line."""
