"""The one exception type that the command-line tools turn into a one-line error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn


class BenchError(Exception):
    """A problem with the user's input or configuration, reported as one line."""


def check_int(value: object, what: str, minimum: int = 0) -> int:
    """``value`` if it is an integer (not a bool) >= ``minimum``, else ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return value


def check_bool(value: object, what: str) -> bool:
    """``value`` if it is true or false, else ``ValueError`` (``"maybe"`` is not true)."""
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be true or false, got {value!r}")
    return value


def check_str(value: object, what: str) -> str:
    """``value`` if it is a non-empty string, else ``ValueError``."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    return value


class ArgumentParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are BenchErrors, so they print as one line."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing usage and exiting."""
        raise BenchError(message)


def run_reporting_errors(prog: str, work: Callable[[], str]) -> int:
    """Run a command's ``work`` and print the text it returns; exit status 0.

    A ``BenchError`` (bad input) or ``OSError`` (a file that cannot be read or written) is one
    line ``<prog>: error: ...`` on stderr and exit status 2, the contract of every command.
    """
    try:
        text = work()
    except BenchError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{prog}: error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0
