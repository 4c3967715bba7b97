"""Sphinx configuration for winsockx (built by ``nox -s docs`` with warnings as errors)."""

from __future__ import annotations

import pathlib
import sys

from sphinx.application import Sphinx
from sphinx.ext.napoleon import Config as NapoleonConfig
from sphinx.ext.napoleon.docstring import GoogleDocstring

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Document the checkout's sources, whatever winsockx the environment has installed.
sys.path.insert(0, str(ROOT))

import winsockx  # noqa: E402  (needs the path above)

project = "winsockx"
author = "winsockx maintainers"
copyright = "the winsockx maintainers"
release = winsockx.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
# No intersphinx: the build must work without network access. So references to the
# standard library cannot resolve; nitpicky mode still checks every winsockx one.

exclude_patterns = ["_build"]
root_doc = "index"
nitpicky = True
nitpick_ignore_regex = [
    (
        "py:(class|exc|func|mod|data|obj)",
        r"(enum|errno|socket|typing|types|collections|asyncio|socketserver|http)(\..+)?",
    ),
    # Only imported under TYPE_CHECKING, or private aliases shown in signatures.
    ("py:class", r"(typing_extensions\.)?(Buffer|Self)"),
    ("py:class", r"(winsockx\.[\w.]+\.)?(AddressLike|OptionValue|CData|_P)"),
]
# The public error classes are documented under their public names (api.rst) and in
# their module (errors.rst); a short reference such as a "Raises: WinsockError" then
# matches both entries, which hold the same text, so either target is right.
suppress_warnings = ["ref.python"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autodoc_default_options = {"show-inheritance": True}

html_theme = "alabaster"
html_title = f"winsockx {release}"

# Google-style sections ("Raises:", "Example:") through napoleon's parser, applied by
# hand rather than as an extension: napoleon reads "Text: more" in an attribute
# docstring as "type: description", and winsockx's attribute docstrings are sentences.
_NAPOLEON = NapoleonConfig(
    napoleon_google_docstring=True, napoleon_numpy_docstring=False, napoleon_use_rtype=False
)


def _google_sections(
    app: Sphinx, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    if what in ("attribute", "data", "property"):
        return
    parsed = GoogleDocstring(lines, _NAPOLEON, app, what, name, obj, options)  # type: ignore[arg-type]
    lines[:] = parsed.lines()


# Replaced in the sources by the option table, rendered from SocketOption itself.
_OPTION_TABLE_MARK = ".. winsockx-option-table::"


def _option_table() -> str:
    from winsockx import SocketOption

    rows = [
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - Option",
        "     - Level, number (Winsock)",
        "     - Value",
        "     - Rule",
        "     - POSIX",
    ]
    for option in SocketOption:
        level = "SOL_SOCKET" if option.level == 0xFFFF else f"{option.level}"
        posix = option.posix
        mapped = f"``{posix[1]}``" if isinstance(posix, tuple) else str(posix)
        rows += [
            f"   * - :attr:`~winsockx.SocketOption.{option.name}` (``{option.c_name}``)",
            f"     - {level}, {option.optname}",
            f"     - {option.kind.value}",
            f"     - {option.rule.value}",
            f"     - {mapped}",
        ]
    return "\n".join(rows) + "\n"


def _insert_option_table(app: Sphinx, docname: str, source: list[str]) -> None:
    if _OPTION_TABLE_MARK in source[0]:
        source[0] = source[0].replace(_OPTION_TABLE_MARK, _option_table())


def setup(app: Sphinx) -> dict[str, object]:
    """Register the docstring processing and the option table above."""
    app.connect("autodoc-process-docstring", _google_sections)
    app.connect("source-read", _insert_option_table)
    return {"parallel_read_safe": True}
