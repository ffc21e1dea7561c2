"""How every headless command fails: one sentence on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import sys

from latentview.core.errors import ErrorGuard, guard
from latentview.core.textsafe import printable


def command_guard(prog: str, console=None) -> ErrorGuard:
    """`with command_guard("latentview embed", console) as g:` … `if g.error: return 1`.

    Any exception (a UserError's sentence, an OSError's reason, an unexpected error's type) is
    printed as `prog: sentence`; `LATENTVIEW_DEBUG=1` adds the traceback for bug reports."""

    def report(message: str) -> None:
        if console is not None:
            console.close()
        print(f"{prog}: {printable(message)}", file=sys.stderr)

    return guard(report, catch=(Exception, KeyboardInterrupt))
