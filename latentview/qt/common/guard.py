"""Paint methods never raise into Qt: an exception escaping `paint()` can take PySide6 down.

`@paint_guard` logs the first failure per item class on stderr and skips that frame's drawing; the
rest of the window keeps working (a session file with flat coordinates once crashed the app here).
"""

from __future__ import annotations

import functools
import sys
import traceback

_reported: set[str] = set()


def paint_guard(fn):
    @functools.wraps(fn)
    def paint(self, painter, *args):
        try:
            return fn(self, painter, *args)
        except Exception:
            name = type(self).__name__
            if name not in _reported:
                _reported.add(name)
                print(f"latentview: {name}.paint failed; drawing skipped:", file=sys.stderr)
                traceback.print_exc(file=sys.stderr)
            return None

    return paint
