"""Fail when a public name of winsockx has no docstring.

Public means listed in ``__all__`` of :mod:`winsockx` or :mod:`winsockx.raw`, plus
the public methods, properties and fields of the public classes, and the members of
an enum that documents its members one by one. Constants, fields and enum members
are documented by a string literal right after their assignment, the form Sphinx's
autodoc reads, so those are looked up in the source rather than on the object (an
``int`` or an enum member only carries its type's docstring).

Run by ``nox -s docs``: ``python tools/check_docstrings.py``.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import pathlib
import sys
from collections.abc import Iterator
from types import ModuleType

from sphinx.pycode import ModuleAnalyzer

PUBLIC_MODULES = ("winsockx", "winsockx.raw")
# Check the checkout's sources, as the Sphinx build (docs/conf.py) documents them.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

AttrDocs = dict[tuple[str, str], list[str]]


def _attr_docs(modname: str, cache: dict[str, AttrDocs]) -> AttrDocs:
    if modname not in cache:
        analyzer = ModuleAnalyzer.for_module(modname)
        cache[modname] = {key: lines for key, lines in analyzer.find_attr_docs().items()}
    return cache[modname]


def _has_attr_doc(modnames: list[str], scope: str, name: str, cache: dict[str, AttrDocs]) -> bool:
    for modname in modnames:
        lines = _attr_docs(modname, cache).get((scope, name))
        if lines and any(line.strip() for line in lines):
            return True
    return False


def _own_doc(obj: object) -> bool:
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return isinstance(doc, str) and bool(doc.strip())


def _class_members(cls: type) -> Iterator[tuple[str, object]]:
    """Public attributes defined by *cls* itself (not inherited from a base)."""
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        yield name, value


def _check_class(qualname: str, cls: type, cache: dict[str, AttrDocs]) -> Iterator[str]:
    if not _own_doc(cls):
        yield qualname
    modnames = [cls.__module__]
    if issubclass(cls, enum.Enum):
        # Members are documented one by one or not at all (WSAError's are described
        # by their ``meaning``): a new member of an enum documented that way needs one.
        undocumented = [
            m.name for m in cls if not _has_attr_doc(modnames, cls.__qualname__, m.name, cache)
        ]
        if len(undocumented) < len(cls):
            yield from (f"{qualname}.{name}" for name in undocumented)
    if dataclasses.is_dataclass(cls):
        for field in dataclasses.fields(cls):
            if not _has_attr_doc(modnames, cls.__qualname__, field.name, cache):
                yield f"{qualname}.{field.name}"
    for name, value in _class_members(cls):
        if issubclass(cls, enum.Enum) and name in cls.__members__:
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            if not _own_doc(value.fget):
                yield f"{qualname}.{name}"
        elif inspect.isfunction(value) or inspect.isclass(value):
            if not _own_doc(value):
                yield f"{qualname}.{name}"
        elif not _has_attr_doc(modnames, cls.__qualname__, name, cache):
            # A class attribute or dataclass field: documented by a string after it.
            yield f"{qualname}.{name}"


def _defining_modules(module: ModuleType) -> list[str]:
    """The module and every winsockx module it may re-export a constant from."""
    names = [module.__name__]
    for value in vars(module).values():
        if isinstance(value, ModuleType) and value.__name__.startswith("winsockx"):
            names.append(value.__name__)
    for modname in sorted(sys.modules):
        if modname.startswith("winsockx.") and modname not in names:
            names.append(modname)
    return names


def missing_docstrings() -> list[str]:
    """Every public name without a docstring, as dotted paths."""
    missing: list[str] = []
    cache: dict[str, AttrDocs] = {}
    seen_classes: set[type] = set()
    for modname in PUBLIC_MODULES:
        module = importlib.import_module(modname)
        if not _own_doc(module):
            missing.append(modname)
        for name in module.__all__:
            qualname = f"{modname}.{name}"
            obj = getattr(module, name)
            if isinstance(obj, ModuleType):
                if not _own_doc(obj):
                    missing.append(qualname)
            elif inspect.isclass(obj):
                if obj not in seen_classes:
                    seen_classes.add(obj)
                    missing.extend(_check_class(qualname, obj, cache))
            elif inspect.isroutine(obj) or (callable(obj) and hasattr(obj, "__wrapped__")):
                if not _own_doc(obj):
                    missing.append(qualname)
            elif isinstance(obj, enum.Enum):
                # An alias such as AF_INET = AddressFamily.AF_INET: its member's docstring.
                owner = type(obj)
                if not _has_attr_doc([owner.__module__], owner.__qualname__, obj.name, cache):
                    missing.append(qualname)
            elif not _has_attr_doc(_defining_modules(module), "", name, cache):
                missing.append(qualname)
    return missing


def main() -> int:
    """Print the public names without a docstring; exit 1 if there are any."""
    missing = missing_docstrings()
    for name in missing:
        print(f"missing docstring: {name}")
    if missing:
        print(f"{len(missing)} public name(s) without a docstring", file=sys.stderr)
        return 1
    print("every public name has a docstring")
    return 0


if __name__ == "__main__":
    sys.exit(main())
