"""The base of every error whose message is a sentence meant for the user (no traceback shown)."""


class UserError(Exception):
    """Raise with a complete sentence: what went wrong and, where possible, what to do."""


class CodeTrustRequired(UserError):
    """A file that can run code (a pickle, TorchScript) was asked for without the user's consent.

    `path` and `kind` let a window ask ("this file can run code — open it?") and retry; a command
    line prints the sentence, which names `--trust-code`.
    """

    def __init__(self, path: str, kind: str, name: str):
        self.path, self.kind = path, kind
        super().__init__(
            f"“{name}” is a {kind}, which can run code on this computer when opened: open it only if "
            "you trust where it came from (confirm in the window, or pass --trust-code on the command line)."
        )
