"""Progress reports of the library as a bar, and Ctrl-C as a cancel.

The library reports (stage, done, total) through its progress callback and
stops when the callback returns non-zero. Long calls run on a worker thread
while the main thread waits, so that Ctrl-C reaches Python at once (a
signal handler only runs on the main thread, between bytecodes): the wait
catches KeyboardInterrupt, the next report returns "stop", and once the
library has returned TC_ECANCELED the KeyboardInterrupt is raised again.
"""
import signal
import sys
import threading
import time

from . import _lib

try:
    from tqdm.auto import tqdm as _tqdm
except ImportError:  # the plain line below
    _tqdm = None

UNITS = {"embed": "texts", "knn": "texts", "noise": "texts", "umap": "epochs", "label": "clusters", "tree": "nodes",
         "plot": "points", "commit": "files",
         "save": "B", "load": "B"}  # bytes: tqdm scales them (kB, MB), the line shows MB


class _Line:
    """A one-line stand-in for tqdm on stderr: count, rate, elapsed, left."""

    def __init__(self, desc, total, unit):
        self.desc, self.total, self.unit = desc, total, unit
        self.t0 = time.monotonic()
        self.last = 0.0
        self.n = 0

    def update_to(self, n):
        self.n = n
        now = time.monotonic()
        if n < self.total and now - self.last < 0.2:
            return
        self.last = now
        spent = now - self.t0
        rate = n / spent if spent > 0 else 0.0
        left = (self.total - n) / rate if rate > 0 else float("nan")
        scale, unit, fmt = (1e6, "MB", "%.1f") if self.unit == "B" else (1, self.unit, "%d")
        sys.stderr.write(("\r%s: " + fmt + "/" + fmt + " %s [%.1fs, %.1f %s/s, %s left]  ") % (
            self.desc, n / scale, self.total / scale, unit, spent, rate / scale, unit,
            "?" if left != left else "%.1fs" % left))
        sys.stderr.flush()

    def close(self):
        sys.stderr.write("\n")
        sys.stderr.flush()


class Progress:
    """The callback given to the library (keep a reference while it runs)."""

    def __init__(self, show=True):
        self.show = show
        self.cancel = threading.Event()
        self.bar = None
        self.stage = None
        self.c_fn = _lib.PROGRESS_FN(self._report)

    def _open(self, stage, total):
        unit = UNITS.get(stage, "steps")
        if _tqdm is not None:
            self.bar = _tqdm(total=total, desc=stage, unit=unit, unit_scale=unit == "B",
                             leave=True)
        else:
            self.bar = _Line(stage, total, unit)

    def _report(self, ctx, stage, done, total):
        try:
            if self.show and total:
                stage = stage.decode("utf-8", "replace")
                if stage != self.stage:
                    self.close()
                    self.stage = stage
                    self._open(stage, total)
                if _tqdm is not None and isinstance(self.bar, _tqdm):
                    self.bar.total = total
                    self.bar.update(done - self.bar.n)
                else:
                    self.bar.update_to(done)
                if done >= total:
                    self.close()
        except Exception:  # a broken bar must not break the fit
            self.show = False
        return 1 if self.cancel.is_set() else 0

    def close(self):
        if self.bar is not None:
            self.bar.close()
        self.bar, self.stage = None, None


def run(fn, progress):
    """Runs fn() -> rc on a worker thread; returns (rc, message). Ctrl-C
    cancels through progress and raises KeyboardInterrupt once fn returned:
    the library's work never outlives the call."""
    box = {}

    def work():
        rc = fn()
        box["rc"] = rc
        box["msg"] = _lib.error_message(rc) if rc else ""

    def on_sigint(signum, frame):
        progress.cancel.set()

    # Python's own SIGINT handler raises wherever the main thread happens to
    # be, possibly outside the try below; while waiting, a handler that only
    # sets the flag takes its place (a handler of the caller's stays).
    own = (threading.current_thread() is threading.main_thread()
           and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if own:
        signal.signal(signal.SIGINT, on_sigint)
    try:
        t = threading.Thread(target=work, name="textclust", daemon=True)
        t.start()
        while t.is_alive():
            try:
                t.join(0.05)
            except KeyboardInterrupt:
                progress.cancel.set()   # the library stops at its next report
    finally:
        if own:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        progress.close()
    if progress.cancel.is_set():
        raise KeyboardInterrupt
    return box["rc"], box["msg"]
