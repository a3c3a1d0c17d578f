"""Stage 7: put the generated tree on disk atomically, or compare it with what is there.

The new package folder is assembled beside the old one (unchanged files are
hard-linked, so they keep their bytes and modification time) and then swapped
in with one rename. A run that fails or is killed leaves the old folder whole.
Anything at the package's place that is not a folder (a file, a symbolic link)
is the user's, and is refused rather than replaced. A failure is an OSError
naming the package folder (or the output folder), never the staging folder.
"""

from __future__ import annotations

import ctypes
import difflib
import errno
import os
import shutil
from pathlib import Path

_IGNORED_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
_RENAME_EXCHANGE = 2


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under root (caches excluded), keyed by POSIX path relative to root."""
    found: dict[str, bytes] = {}
    if not root.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def drift(expected: dict[str, bytes], actual: dict[str, bytes], label: str) -> str:
    """A unified diff from what is on disk to what should be there; "" when they agree."""
    chunks: list[str] = []
    for name in sorted(set(expected) | set(actual)):
        old, new = actual.get(name), expected.get(name)
        if old == new:
            continue
        old_lines = _lines(old)
        new_lines = _lines(new)
        a = f"{label}/{name}" if old is not None else "/dev/null"
        b = f"{label}/{name} (expected)" if new is not None else "/dev/null"
        chunks.extend(difflib.unified_diff(old_lines, new_lines, a, b))
    return "".join(chunks)


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def write_package(out_dir: Path, package: str, files: dict[str, bytes]) -> list[str]:
    """Replace out_dir/package with exactly `files` in one step; returns the paths that changed.

    On failure nothing is left behind: not the staging folder, not a folder this call created.
    """
    target = out_dir / package
    check_destination(out_dir, package)
    created = _missing_folders(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        recover(out_dir, package)
        old = read_tree(target)
        if old == files:
            return []  # nothing to do: not a byte, not an inode, not a modification time changes
        staging = out_dir / f".{package}.new-{os.getpid()}"
        _remove(staging)
        try:
            _stage(staging, target, files, old)
            _swap(staging, target, out_dir, package)
        except OSError as exc:
            raise _about(exc, target) from exc
        finally:
            _remove(staging)
    except BaseException:
        _remove_empty(created)
        raise
    return sorted(n for n in set(files) | set(old) if files.get(n) != old.get(n))


def check_destination(out_dir: Path, package: str) -> None:
    """Raise an OSError unless out_dir is (or can become) a folder and out_dir/package is a folder or nothing."""
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(out_dir))
    target = out_dir / package
    if target.is_symlink():
        raise FileExistsError(errno.EEXIST, "a symbolic link is in the way of the package folder; "
                              "not replacing it", str(target))
    if target.exists() and not target.is_dir():
        raise FileExistsError(errno.EEXIST, "a file is in the way of the package folder; not replacing it",
                              str(target))


def write_file(path: Path, data: bytes) -> None:
    """Replace the file at path (or at the file a symbolic link there points to) in one rename.

    On failure the old file is untouched, and no temporary file or newly made folder remains.
    """
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    created = _missing_folders(path.parent)
    temp = path.parent / f".{path.name}.new-{os.getpid()}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(temp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if path.exists():
                shutil.copymode(path, temp)
            os.replace(temp, path)
        except OSError as exc:
            raise _about(exc, path) from exc
        finally:
            _remove(temp)
    except BaseException:
        _remove_empty(created)
        raise


def _about(exc: OSError, path: Path) -> OSError:
    """The same failure, naming the path the user asked for rather than a temporary one."""
    return OSError(exc.errno, exc.strerror or str(exc), str(path))


def _missing_folders(folder: Path) -> list[Path]:
    """The folders `mkdir -p folder` would make, deepest first."""
    missing = []
    for path in (folder, *folder.parents):
        if os.path.lexists(path):
            break
        missing.append(path)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (someone else is using it) or gone: leave it and its parents


def _remove(path: Path) -> None:
    """Remove a staging folder or temporary file, whatever it has become; never fails."""
    if path.is_symlink() or (os.path.lexists(path) and not path.is_dir()):
        try:
            path.unlink()
        except OSError:
            pass
    else:
        shutil.rmtree(path, ignore_errors=True)


def _stage(staging: Path, target: Path, files: dict[str, bytes], old: dict[str, bytes]) -> None:
    for name, data in sorted(files.items()):
        dest = staging / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if old.get(name) == data:
            os.link(target / name, dest)  # same inode: same bytes, same mtime
            continue
        with open(dest, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    _fsync_dir(staging)


def _swap(staging: Path, target: Path, out_dir: Path, package: str) -> None:
    if not target.exists():
        os.rename(staging, target)
    elif not _exchange(staging, target):
        parked = out_dir / f".{package}.old-{os.getpid()}"
        os.rename(target, parked)  # a crash from here to the next rename is undone by recover()
        os.rename(staging, target)
        shutil.rmtree(parked, ignore_errors=True)
    _fsync_dir(out_dir)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux renameat2(RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(a))


def recover(out_dir: Path, package: str) -> None:
    """Undo an interrupted run: restore a parked old tree, drop half-built staging folders."""
    target = out_dir / package
    for parked in sorted(out_dir.glob(f".{package}.old-*")):
        if not os.path.lexists(target):
            os.rename(parked, target)
        else:
            _remove(parked)
    for staging in out_dir.glob(f".{package}.new-*"):
        _remove(staging)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
