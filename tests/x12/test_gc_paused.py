"""x12.core.gc_paused with several threads inside (the 835 posting threads): the collector stays paused until the
last one leaves, and comes back only if it was on before the first came in."""

from __future__ import annotations

import gc
import threading

from chartclaim.x12.core import gc_paused


def test_the_collector_stays_paused_until_the_last_thread_leaves() -> None:
    was = gc.isenabled()
    gc.enable()
    try:
        first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
        seen: list[bool] = []

        def first() -> None:
            with gc_paused():
                first_in.set()
                second_in.wait(5)
            first_out.set()

        def second() -> None:
            first_in.wait(5)
            with gc_paused():
                second_in.set()
                first_out.wait(5)
                seen.append(gc.isenabled())  # the first thread has left: still paused for this one
            seen.append(gc.isenabled())

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert seen == [False, True]
        gc.disable()
        with gc_paused(), gc_paused():  # nested, the collector off before: still off after
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
