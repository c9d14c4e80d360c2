"""Writing the live view's files on a thread of their own, so training never waits for the disk.

Renaming a file over another can take milliseconds (some file systems flush
the new file's data first); done in the training loop ten times a second,
that alone would cost a few percent.  :class:`FileWriter` hands each frame to
a background thread, which writes only the newest one when several arrive
while it is busy (a browser would have shown the others for a blink at most).
A failed write is not lost: the next :meth:`FileWriter.submit` or
:meth:`FileWriter.close` raises it in the training thread.
"""

from __future__ import annotations

import threading
from typing import BinaryIO, Callable, Dict, Optional

from ..nn.files import write_atomically

__all__ = ["FileWriter"]


class FileWriter:
    """Writes ``{path: text}`` batches, atomically, one batch at a time, the newest winning."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._pending: Dict[str, str] = {}
        self._durable: Dict[str, bool] = {}
        self._error: Optional[BaseException] = None
        self._thread: Optional[threading.Thread] = None
        self._closing = False

    def submit(self, files: Dict[str, str], durable: bool = False) -> None:
        """Queue ``files`` for writing (replacing any not yet written); raise an earlier write's error."""
        with self._lock:
            self._raise_error()
            self._pending.update(files)
            for path in files:
                self._durable[path] = self._durable.get(path, False) or durable
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="autonn-live-writer", daemon=True)
                self._thread.start()
            self._lock.notify()

    def close(self) -> None:
        """Write whatever is queued, stop the thread and raise a write's error, if one failed.

        After ``close`` the writer can be used again: the next ``submit`` starts a new thread.
        """
        with self._lock:
            self._closing = True
            self._lock.notify()
            thread = self._thread
        if thread is not None:
            thread.join()
        with self._lock:
            self._thread = None
            self._closing = False
            self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:  # raised again each time: the writer writes nothing more
            raise self._error

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self._closing:
                    self._lock.wait()
                if not self._pending:
                    return  # closing, and nothing left to write
                batch, self._pending = self._pending, {}
                durable, self._durable = self._durable, {}
            try:
                for path, text in batch.items():
                    write_atomically(path, _writing(text.encode("utf-8")), durable=durable.get(path, False))
            except BaseException as error:  # handed to the training thread, which raises it
                with self._lock:
                    self._error = error
                    self._pending.clear()
                    self._closing = True
                return


def _writing(data: bytes) -> Callable[[BinaryIO], None]:
    """What writes ``data`` into an open file."""

    def write(f: BinaryIO) -> None:
        f.write(data)

    return write
