"""The bind lab: Microsoft's SO_EXCLUSIVEADDRUSE table, measured on the running system.

One module per job: :mod:`~winsockx.lab.bindspec` holds what is claimed about two
binds of one port (the document's table, Windows' answers, Wine's deviations);
:mod:`~winsockx.lab.measure` binds every pair for real; :mod:`~winsockx.lab.compare`
sets the measurements next to the claims; :mod:`~winsockx.lab.render` prints the
report and the JSON; :mod:`~winsockx.lab.command` is ``winsockx matrix``. The
library itself (``import winsockx``) never imports the lab.

The functions a program needs are importable from here:

>>> from winsockx import lab
>>> result = lab.run_matrix(kinds=[lab.Kind.UDP])
>>> comparison = lab.compare_with_document(result)
>>> len(result.cells), comparison.agree + comparison.disagree == len(comparison.checks)
(54, True)
>>> print(lab.render_text(result))          # doctest: +SKIP
winsockx matrix: ws2_32 on Wine 8.0 (reports Windows 6.1.7601), cpython 3.13.2
...
"""

from __future__ import annotations

from .bindspec import Kind
from .compare import compare_with_document, compare_with_windows, conclusion
from .measure import run_matrix
from .render import render_text, to_json

__all__ = [
    "Kind",
    "compare_with_document",
    "compare_with_windows",
    "conclusion",
    "render_text",
    "run_matrix",
    "to_json",
]
