"""One build of a target's index and where it runs: the build itself (``generation.py``,
``progress.py``), the worker process it runs in (``worker.py``, ``builders.py``), what the
two say to each other (``messages.py`` in ``frames.py``; images in ``files.py``) and its
trace (``trace.py``)."""
