"""Child processes that must not outlive the process that started them (the bulk loader
of an import, the comparison index's builder): killed with ``kill -9``, a parent cannot
stop them, so each asks the kernel to kill it when its parent dies (Linux
``prctl(PR_SET_PDEATHSIG, SIGKILL)``), and exits at once if the parent is already gone.
Elsewhere it does nothing: the child then runs to its end, its work thrown away."""
from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1

# the same, as source for a child that imports nothing of kb ("python -c"): argv[1] is
# the parent's process id
DIE_WITH_PARENT = """\
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit("the parent process is gone")
"""


def die_with_parent(parent: int) -> None:
    """Be killed when the process ``parent`` (this one's parent when it started it)
    dies; exit now if it already has. Never raises otherwise."""
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        sys.exit("the parent process is gone")


__all__ = ["die_with_parent", "DIE_WITH_PARENT"]
