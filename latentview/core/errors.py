"""The base of every error whose message is a sentence meant for the user (no traceback shown)."""


class UserError(Exception):
    """Raise with a complete sentence: what went wrong and, where possible, what to do."""
