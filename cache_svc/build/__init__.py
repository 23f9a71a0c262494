"""One build of a target's index and where it runs: the build itself (``generation.py``,
``progress.py``), the worker process it runs in (``worker.py``, ``builders.py``), what the
two say to each other (``messages.py`` in ``frames.py``; images in ``files.py``) and its
trace (``trace.py``).

The worker runs at a lower CPU priority, so its parsing and indexing use another core than
the event loop that answers MatchTracks, and the memory a build churns through goes back to
the system when it exits. cache_svc starts it first, while it gathers the request, then
sends the settings and the revealed token on its stdin (never in arguments or the
environment), reads progress page by page and finally the result from its stdout, and
kills it if the build is cancelled; a worker whose stdin closes (cache_svc died) exits.

Index images do not go through the pipes: the previous generation's (for a refresh) and
the new one are files in a private folder made for the build (mode 0700 under ``TMPDIR``,
removed however the build ends), written and read whole in threads. Through the worker's
stdout the new image crossed cache_svc's event loop in 256 KB reads, which took 2 s while
MatchTracks batches kept the loop busy. The worker removes the previous image once read,
so a build needs room for one image, about 19 to 22 MB per 100,000 tracks (the Kubernetes
manifests give cache_svc's ``/tmp`` 512Mi; a test checks that two targets of 300,000
tracks fit).

The worker lives for one build, so it runs without the cyclic garbage collector
(reference counting frees what it parses; the collector would only walk the growing index
again and again), hands the GIL back to its event loop every 0.5 ms so the listing's
requests flow between the parsing and indexing threads' turns, and ends with ``os._exit``
once its answer is out instead of freeing the index object by object."""
