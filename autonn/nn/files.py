"""Files written whole or not at all, and files opened only if they are ordinary files.

:func:`write_atomically` writes into a temporary file in the target's own
folder, flushes and fsyncs it, and only then renames it over the target
(``os.replace``, atomic on POSIX and Windows).  Whatever stops the write -
a full disk, a size limit, Ctrl-C - the target keeps its previous contents,
and a symlink at the target is replaced, never written through.

:func:`open_regular` opens a file for reading without blocking (a named pipe
would otherwise wait forever for a writer) and refuses anything that is not
a regular file (``/dev/zero``, a pipe, a folder), so the size it reports is
the size that will be read.
"""

from __future__ import annotations

import os
import secrets
import stat
from typing import BinaryIO, Callable, Optional

__all__ = ["write_atomically", "open_regular", "NotRegularFile"]


class NotRegularFile(OSError):
    """The path names a pipe, a device, a folder or a socket, not a regular file."""


def write_atomically(path: str, write: Callable[[BinaryIO], None], *, durable: bool = True) -> None:
    """Call ``write(f)`` on a temporary file, then move the finished file to ``path``.

    ``durable=False`` leaves out the fsyncs: a reader still sees the old file
    or the new one, never half of one, but a power cut may lose the newest
    (for a file rewritten many times a second, such as a live view's data).
    """
    folder = os.path.dirname(os.path.abspath(path))
    # the name is chosen before the file exists, so whatever interrupts us after creation knows what to remove
    tmp = os.path.join(folder, f".{os.path.basename(path)[:100]}.{secrets.token_hex(6)}.partial")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        try:
            f = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with f:
            write(f)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        interrupt = _interrupt_behind(e)
        if interrupt is not None:
            # e.g. zipfile's close() complains about the write that Ctrl-C cut short; the
            # Ctrl-C is what happened, and it must reach the caller as itself
            raise interrupt.with_traceback(None) from None
        raise
    if durable:
        _sync_folder(folder)


def _interrupt_behind(e: BaseException) -> Optional[KeyboardInterrupt]:
    """The KeyboardInterrupt that ``e`` was raised while handling, if any (not ``e`` itself)."""
    seen = set()
    cause = e.__context__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__context__
    return None


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable where the platform allows it (POSIX); harmless elsewhere."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def open_regular(path: str) -> "tuple[BinaryIO, int]":
    """``(binary file, size in bytes)`` for a regular file; :class:`NotRegularFile` otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(f"{path} is not a regular file ({_kind(info.st_mode)})")
        return os.fdopen(fd, "rb"), info.st_size
    except BaseException:
        os.close(fd)
        raise


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"
