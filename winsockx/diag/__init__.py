"""Why a bind failed, and whether a port can be taken: the diagnostics.

One job per module, each re-exported from :mod:`winsockx` on first use:

* :mod:`winsockx.diag.holders`: which sockets, and which processes, hold a port
  (:func:`winsockx.who_holds`);
* :mod:`winsockx.diag.excluded`: the port ranges the system keeps from programs
  (:func:`winsockx.excluded_port_ranges`);
* :mod:`winsockx.diag.picker`: a port that is free for TCP and UDP at once
  (:func:`winsockx.pick_port`).

Importing this package imports none of them.
"""
