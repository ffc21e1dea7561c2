"""Text that came from files (names, words, labels) made safe for where it goes next.

A file name can hold ANSI escapes or newlines that clear a terminal or forge a summary line; a cell
that starts with `=` `+` `-` `@` is a formula to a spreadsheet. Plain Python, no dependencies.
"""

from __future__ import annotations

import os
import re

# C0 controls (tab, newline, ESC …), DEL and the C1 controls (U+0080–U+009F, e.g. CSI U+009B).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: object) -> str:
    """`text` for a terminal: every control character shown as an escape (`\\x1b`, `\\n`), so
    output from a file name can never move the cursor, clear the screen or start a new line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run: strings starting with = + - @ (or tab/CR) get a leading
    apostrophe (OWASP's advice); numbers and everything else pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def display_path(path: str) -> str:
    """A printable form of a path whose bytes may not be valid UTF-8 (shown with U+FFFD)."""
    return os.fsencode(path).decode("utf-8", "replace")
