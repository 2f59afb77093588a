"""A handler's modules load with the cyclic garbage collector paused.

Loading a handler creates some 60 000 objects that live as long as the process
(modules, classes, botocore's and pydantic's tables), and the collector walks them
again and again while they pile up, a full pass included: about an eighth of the
import's CPU time (bench/cold_start.py), to free nothing. So every handler module
starts by importing this module, which pauses the collector, and ends with
`coldstart.loaded()`, which freezes what was loaded (gc.freeze: later passes skip it,
so the first invocations do not pay that walk instead) and resumes the collector.

Only the first handler a process loads pauses it: a test process that imports many
handlers freezes once, early, and then collects as usual.
"""
from __future__ import annotations

import gc

# Runs once a process (a module is imported once): the first handler it loads pauses.
_paused = gc.isenabled()
if _paused:
    gc.disable()


def loaded() -> None:
    """The handler's module has loaded: freeze it and resume collecting (once a process)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
