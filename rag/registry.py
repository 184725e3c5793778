"""Named implementations of one interface (generators, retrievers, verifiers).

An implementation registers itself where it is defined; the CLI's choices, the UI's dropdowns and
Settings validation read the names from here, so adding one touches only its own module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from rag.errors import ComponentError

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Entry(Generic[F]):
    name: str
    factory: F
    description: str


class Registry(Generic[F]):
    """name -> factory, in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[F]] = {}

    def register(self, name: str, description: str) -> Callable[[F], F]:
        def decorate(factory: F) -> F:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = Entry(name, factory, description)
            return factory

        return decorate

    def unregister(self, name: str) -> None:
        """Remove `name` (for tests and plugins that replace a built-in)."""
        self._entries.pop(name, None)

    def names(self) -> list[str]:
        return list(self._entries)

    def entry(self, name: str) -> Entry[F]:
        try:
            return self._entries[name]
        except KeyError:
            raise ComponentError(f"unknown {self.kind} {name!r}; choose one of {', '.join(self._entries)}") from None

    def get(self, name: str) -> F:
        return self.entry(name).factory
