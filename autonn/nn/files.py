"""Files written whole or not at all, and files opened only if they are ordinary files.

:func:`write_atomically` writes into a temporary file in the target's own
folder, flushes and fsyncs it, and only then renames it over the target
(``os.replace``, atomic on POSIX and Windows).  Whatever stops the write -
a full disk, a size limit, Ctrl-C - the target keeps its previous contents,
and a symlink at the target is replaced, never written through.  Only a
regular file (or a symlink to one) is ever replaced: a named pipe, a device
or a folder at the target is refused before anything is written, and looked
at with ``os.stat`` only, never opened (opening a pipe would wait for a reader).

:func:`open_regular` opens a file for reading without blocking (a named pipe
would otherwise wait forever for a writer) and refuses anything that is not
a regular file (``/dev/zero``, a pipe, a folder), so the size it reports is
the size that will be read.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO, Callable, Optional

__all__ = ["file_name", "write_atomically", "open_regular", "refuse_unless_replaceable", "not_replaceable", "NotRegularFile"]


class NotRegularFile(OSError):
    """The path names a pipe, a device, a folder or a socket, not a regular file."""


def file_name(path: object, who: str, argument: str = "path") -> str:
    """``path`` as a ``str`` file name, or a TypeError/ValueError naming ``who`` and ``argument``.

    A ``str`` or an ``os.PathLike`` giving one; not bytes (the rest of the
    package speaks ``str``), not an open file object (the writers replace a
    file by name, atomically), not empty, without a NUL character.
    """
    name: object = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
    if not isinstance(name, str):
        hint = " (decode it, e.g. b'm.npz'.decode())" if isinstance(name, bytes) else ""
        hint = " (pass its name, not the open file)" if hasattr(path, "write") or hasattr(path, "read") else hint
        raise TypeError(f"{who}: {argument} must be a file name (a str or pathlib.Path), got {type(path).__name__}{hint}")
    if not name:
        raise ValueError(f"{who}: {argument} must be a file name, got an empty string")
    if "\x00" in name:
        raise ValueError(f"{who}: {argument} {name!r} holds a NUL character, which no file name can contain")
    return name


def refuse_unless_replaceable(path: str, who: str, argument: str = "path") -> None:
    """Raise :class:`NotRegularFile` if ``path`` exists and is not a regular file or a symlink to one.

    Only ``os.stat`` looks at it: nothing is opened, so a named pipe cannot block
    and a device is never touched.  A path that does not exist (or cannot be
    looked at) passes: writing it reports its own error.
    """
    what = not_replaceable(path)
    if what is not None:
        raise NotRegularFile(
            f"{who}: {argument} {path!r} is {what}, not a regular file; it is left as it is: "
            "give the name of a regular file to replace or of a new one"
        )


def not_replaceable(path: str) -> Optional[str]:
    """What ``path`` is (``"a named pipe"``...) if it exists and is not a regular file or a symlink to one, else None."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return None if stat.S_ISREG(info.st_mode) else _kind(info.st_mode)


def write_atomically(path: str, write: Callable[[BinaryIO], object], who: str = "write", argument: str = "path", *,
                     durable: bool = True) -> None:
    """Call ``write(f)`` on a temporary file, then move the finished file to ``path``.

    ``path`` must be a regular file, a symlink to one or a new name
    (:func:`refuse_unless_replaceable`, naming ``who`` and ``argument``); it is
    checked before the write and again just before the rename.  An OSError
    (no such folder, no permission, a full disk) is raised again with a
    message naming ``who`` and ``path``.

    ``durable=False`` leaves out the fsyncs: a reader still sees the old file
    or the new one, never half of one, but a power cut may lose the newest
    (for a file rewritten many times a second, such as a live view's data).
    """
    refuse_unless_replaceable(path, who, argument)
    folder = os.path.dirname(os.path.abspath(path))
    # the name is chosen before the file exists, so whatever interrupts us after creation knows what to remove
    tmp = os.path.join(folder, f".{os.path.basename(path)[:100]}.{os.urandom(6).hex()}.partial")
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except OSError as e:
            raise _failed(e, who, path, f"cannot create a file in the folder {folder} ({e.strerror or e})") from None
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
        refuse_unless_replaceable(path, who, argument)  # something may have appeared there while we wrote
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
        if isinstance(e, OSError) and not isinstance(e, (NotRegularFile, _WriteFailed)):
            raise _failed(e, who, path, str(e.strerror or e)) from None
        raise
    if durable:
        _sync_folder(folder)


class _WriteFailed(OSError):
    """An OSError of :func:`write_atomically`, its message already naming the writer and the path."""


def _failed(e: OSError, who: str, path: str, reason: str) -> OSError:
    return _WriteFailed(e.errno, f"{who}: could not save to {path} ({reason}); any previous file there is unchanged")


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
