"""Which line of your code built a node: recorded only while someone asks.

:func:`autonn.detect_anomaly` opens a book for its thread; every node made
in that thread while the book is open is written in it with
:func:`~autonn.guard.user_line` (a stack walk - which is why it is never
done otherwise: making a node costs nothing extra by default).
:func:`autonn.diagnose` reads the books to name the line where a bad
gradient arose.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional

__all__ = ["open_book", "recorded_site", "write"]


class _Books(threading.local):
    """This thread's open books, innermost last."""

    def __init__(self) -> None:
        self.open: List[Dict[Any, str]] = []


_BOOKS = _Books()


@contextmanager
def open_book() -> Iterator[Dict[Any, str]]:
    """A book of ``{node: line}`` for this thread, open inside the block and emptied after it."""
    book: Dict[Any, str] = {}
    _BOOKS.open.append(book)
    try:
        yield book
    finally:
        _BOOKS.open.remove(book)
        book.clear()  # (the nodes it names may be freed)


def write(node: Any, site: str) -> None:
    """Record ``site`` as the line that built ``node``, in this thread's innermost book."""
    if _BOOKS.open:
        _BOOKS.open[-1][node] = site


def recorded_site(node: Any) -> Optional[str]:
    """The line that built ``node``, if a book of this thread has it."""
    for book in reversed(_BOOKS.open):
        site: Optional[str] = book.get(node)
        if site is not None:
            return site
    return None
