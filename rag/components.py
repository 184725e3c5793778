"""The registries of pluggable steps, imported together so Settings can check names against them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.errors import SettingsError

if TYPE_CHECKING:
    from rag.settings import Settings


def check_component_names(settings: Settings) -> None:
    """Raise `SettingsError` naming the field if a backend, retriever or verifier name is unknown."""
    from rag.generate import GENERATORS
    from rag.retrieve import RETRIEVERS
    from rag.verification import VERIFIERS

    checks = (
        ("generation.backend", settings.generation.backend, GENERATORS),
        ("retrieval.mode", settings.retrieval.mode, RETRIEVERS),
        ("verification.verifier", settings.verification.verifier, VERIFIERS),
    )
    for path, name, registry in checks:
        if name is not None and name not in registry.names():
            raise SettingsError(
                f"invalid setting {path}: unknown {registry.kind} {name!r}; choose one of {', '.join(registry.names())}"
            )
