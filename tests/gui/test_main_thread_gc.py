import gc
import threading

from gui.main_thread_gc import MainThreadGarbageCollector


class _Cycle:
    def __init__(self):
        self.me = self


def test_collection_happens_in_the_gui_thread_only(qtbot):
    collector = MainThreadGarbageCollector(interval_ms=10)
    was_enabled = gc.isenabled()
    collector.start()
    try:
        assert not gc.isenabled()
        collected_in: list[str] = []
        gc.callbacks.append(lambda phase, _info: collected_in.append(threading.current_thread().name))
        worker = threading.Thread(target=lambda: [_Cycle() for _ in range(5000)], name="worker")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: bool(collected_in), timeout=5000)
        assert set(collected_in) == {threading.main_thread().name}
    finally:
        gc.callbacks.pop()
        collector.stop()
        if not was_enabled:
            gc.disable()
    assert gc.isenabled() or not was_enabled
