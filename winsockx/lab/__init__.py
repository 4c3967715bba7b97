"""The bind lab: Microsoft's SO_EXCLUSIVEADDRUSE table, measured on the running system.

:mod:`winsockx.lab.bindspec` holds what is claimed about two binds of one port (the
document's table, Windows' answers, Wine's deviations); :mod:`winsockx.lab.measure`
binds every pair for real and compares. ``winsockx matrix`` runs it. The library
itself (``import winsockx``) never imports the lab.
"""
