"""The one exception type that the command-line tools turn into a one-line error."""

from __future__ import annotations

import argparse
from typing import NoReturn


class BenchError(Exception):
    """A problem with the user's input or configuration, reported as one line."""


class ArgumentParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are BenchErrors, so they print as one line."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing usage and exiting."""
        raise BenchError(message)
