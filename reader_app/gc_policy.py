"""Short garbage-collector pauses for a process whose audio callback runs Python.

CPython's full (generation 2) collection walks every container object alive, holding the GIL. With torch,
transformers and a model loaded, plus a book of 10,000+ sentences, one pass took 0.35-0.5 s on the development
machine: the window stops repainting, and the audio callback (Python, low latency) misses its deadline, which
is an audible dropout. What the app loads once and keeps (imported modules, the model, the open book) does not
turn into cyclic garbage, so right after loading it is moved out of the collector's reach with `gc.freeze()`;
later passes walk only what was allocated since.

The cost: cyclic garbage that already exists when freezing is kept until exit. Books are acyclic (they are freed
by reference counting when another book opens) and a model is loaded once per session, so that is small.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()


def freeze_long_lived() -> int:
    """Move every object alive now into the permanent generation; returns how many objects are frozen."""
    with _lock:
        gc.freeze()
        return gc.get_freeze_count()
