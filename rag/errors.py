"""One base class for every error a user can act on; anything else that escapes is a bug.

The CLI and the chat UI catch `RagError` and show its message (never a traceback). The subclasses
also derive from the built-in exception they refine, so `except ValueError` in caller code keeps working.
"""

from __future__ import annotations


class RagError(Exception):
    """An error with a message meant for the user: what was wrong and what to do."""


class SettingsError(RagError, ValueError):
    """A setting, preset or override is invalid; the message names the field."""


class InputError(RagError, ValueError):
    """A question, query, history or other argument is unusable as given."""


class IndexNotFoundError(RagError, FileNotFoundError):
    """No index (or no input file) where one was expected."""


class IndexBusyError(RagError, RuntimeError):
    """Another ingest holds the index's write lock."""


class StoreUnavailableError(RagError, ConnectionError):
    """The Chroma server could not be reached."""


class ComponentError(RagError, LookupError):
    """An unknown backend, retriever or verifier name, or one that is not usable here."""


__all__ = [
    "ComponentError",
    "IndexBusyError",
    "IndexNotFoundError",
    "InputError",
    "RagError",
    "SettingsError",
    "StoreUnavailableError",
]
