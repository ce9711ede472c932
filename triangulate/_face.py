"""How a strand package names its public face without importing the whole strand.

Each package's `__init__` calls `face(__name__, table)` with the names pages and the command line may call,
grouped by the private module that holds them. The names resolve on first use (PEP 562 `__getattr__`), not at
import, for two reasons: importing `triangulate.core.errors` from inside the library must not pull in every
module of `core` (the embedding and spaCy models are heavy), and library modules import their siblings directly,
so an eager face would add package-level import cycles (codebook ↔ residents) that the modules themselves do not
have. Each lookup goes to the module every time, so a test that patches `triangulate.residents.store.preview`
patches what `residents.preview` calls as well.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable


def face(package: str, table: dict[str, Iterable[str | tuple[str, str]]]
         ) -> tuple[list[str], Callable[[str], object], Callable[[], list[str]]]:
    """`__all__`, `__getattr__` and `__dir__` for `package` from {module: [name, or (public name, name)]}."""
    where: dict[str, tuple[str, str]] = {}
    for module, names in table.items():
        for entry in names:
            public, attribute = (entry, entry) if isinstance(entry, str) else entry
            if public in where:
                raise ValueError(f"{package}: {public!r} is named twice in the face")
            if public in table:
                # A loaded submodule becomes an attribute of its package and would hide the face name.
                raise ValueError(f"{package}: {public!r} is also the name of a module of the package")
            where[public] = (f"{package}.{module}", attribute)

    def __getattr__(name: str) -> object:
        try:
            module, attribute = where[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no public name {name!r}") from None
        return getattr(importlib.import_module(module), attribute)

    def __dir__() -> list[str]:
        return sorted(where)

    return sorted(where), __getattr__, __dir__
