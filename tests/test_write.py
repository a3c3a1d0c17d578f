"""Unit tests of generator.write: atomic package writes, recovery and drift diffs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import write
from generator.write import drift, read_tree, recover, write_file, write_package

PKG = "assistants_client"
OLD_NS = (
    1_000_000_000_000_000_000  # 2001-09-09: far from "now", so a rewrite cannot keep it by chance
)

FILES = {
    "__init__.py": b"# header\nfrom .models import *\n",
    "models.py": b"# header\nclass A:\n    pass\n",
    "README.md": b"# pkg\n",
    "sub/data.txt": b"nested\n",
}


def stat_map(root: Path) -> dict[str, tuple[int, int]]:
    """POSIX path -> (st_ino, st_mtime_ns) for every file under root."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def age(root: Path) -> None:
    """Give every file a fixed, old mtime so a rewrite is always visible."""
    for p in root.rglob("*"):
        if p.is_file():
            os.utime(p, ns=(OLD_NS, OLD_NS))


def leftovers(out: Path, package: str = PKG) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(f".{package}."))


def test_write_package_creates_tree(tmp_path: Path) -> None:
    out = tmp_path / "out"  # does not exist yet
    changed = write_package(out, PKG, FILES)
    assert changed == sorted(FILES)
    assert read_tree(out / PKG) == FILES
    assert sorted(p.name for p in out.iterdir()) == [PKG]


def test_identical_rewrite_keeps_mtime_and_inode(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_package(out, PKG, FILES)
    age(out / PKG)
    before = stat_map(out / PKG)
    assert all(mtime == OLD_NS for _, mtime in before.values())

    changed = write_package(out, PKG, dict(FILES))
    assert changed == []
    assert read_tree(out / PKG) == FILES
    assert stat_map(out / PKG) == before
    assert leftovers(out) == []


def test_changed_file_rewritten_and_absent_file_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_package(out, PKG, FILES)
    age(out / PKG)
    before = stat_map(out / PKG)

    new = dict(FILES)
    new["models.py"] = b"# header\nclass B:\n    pass\n"
    del new["sub/data.txt"]
    new["client.py"] = b"# header\n"
    changed = write_package(out, PKG, new)

    assert changed == sorted(["models.py", "sub/data.txt", "client.py"])
    assert read_tree(out / PKG) == new
    assert not (out / PKG / "sub" / "data.txt").exists()
    after = stat_map(out / PKG)
    assert after["models.py"] != before["models.py"]
    assert after["models.py"][1] != OLD_NS
    for name in ("__init__.py", "README.md"):  # untouched files keep inode and mtime
        assert after[name] == before[name]
    assert leftovers(out) == []


def test_failure_while_staging_leaves_target_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write_package(out, PKG, FILES)
    age(out / PKG)
    bytes_before = read_tree(out / PKG)
    stats_before = stat_map(out / PKG)
    dir_mtime_before = (out / PKG).stat().st_mtime_ns

    real_open = open
    opened: list[str] = []

    def failing_open(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if "w" in mode:
            opened.append(str(file))
            if len(opened) == 2:  # the first new file is already written to staging
                raise OSError(28, "No space left on device", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(write, "open", failing_open, raising=False)
    new = {name: data + b"# changed\n" for name, data in FILES.items()}
    with pytest.raises(OSError):
        write_package(out, PKG, new)
    monkeypatch.undo()

    assert len(opened) == 2, "the failure must happen midway through staging"
    assert read_tree(out / PKG) == bytes_before
    assert stat_map(out / PKG) == stats_before
    assert (out / PKG).stat().st_mtime_ns == dir_mtime_before
    assert leftovers(out) == [], "no .assistants_client.new-* (or .old-*) folder may remain"


def test_failure_after_parking_is_undone_by_recover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without renameat2 the old tree is parked first; a failure before the new one lands is recoverable."""
    out = tmp_path / "out"
    write_package(out, PKG, FILES)
    age(out / PKG)
    bytes_before = read_tree(out / PKG)
    stats_before = stat_map(out / PKG)

    real_rename = os.rename

    def failing_rename(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(src).name.startswith(f".{PKG}.new-"):
            raise OSError(5, "Input/output error", str(src))
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    monkeypatch.setattr(write.os, "rename", failing_rename)
    with pytest.raises(OSError):
        write_package(out, PKG, {name: data + b"# changed\n" for name, data in FILES.items()})
    monkeypatch.undo()

    assert not (out / PKG).exists()
    assert [n for n in leftovers(out) if ".old-" in n], leftovers(out)
    recover(out, PKG)
    assert read_tree(out / PKG) == bytes_before
    assert stat_map(out / PKG) == stats_before
    assert leftovers(out) == []


def test_write_without_renameat2_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    write_package(out, PKG, FILES)
    new = dict(FILES, **{"models.py": b"# header\nclass C:\n    pass\n"})
    assert write_package(out, PKG, new) == ["models.py"]
    assert read_tree(out / PKG) == new
    assert leftovers(out) == []


def test_recover_restores_parked_tree(tmp_path: Path) -> None:
    out = tmp_path / "out"
    parked = out / f".{PKG}.old-12345"
    for name, data in FILES.items():
        (parked / name).parent.mkdir(parents=True, exist_ok=True)
        (parked / name).write_bytes(data)
    staging = out / f".{PKG}.new-12345"
    staging.mkdir()
    (staging / "half.py").write_bytes(b"half")

    recover(out, PKG)
    assert read_tree(out / PKG) == FILES
    assert leftovers(out) == []


def test_recover_drops_parked_tree_when_target_exists(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_package(out, PKG, FILES)
    parked = out / f".{PKG}.old-999"
    parked.mkdir()
    (parked / "stale.py").write_bytes(b"stale")
    recover(out, PKG)
    assert read_tree(out / PKG) == FILES
    assert leftovers(out) == []


def test_write_package_recovers_interrupted_run_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    parked = out / f".{PKG}.old-4242"
    for name, data in FILES.items():
        (parked / name).parent.mkdir(parents=True, exist_ok=True)
        (parked / name).write_bytes(data)
    age(parked)
    before = stat_map(parked)

    assert write_package(out, PKG, FILES) == []  # the parked tree was the current one
    assert stat_map(out / PKG) == before
    assert leftovers(out) == []


@pytest.mark.parametrize("kind", ["file", "link-to-dir", "dangling-link"])
def test_write_package_refuses_what_is_in_the_package_folders_place(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    (out / "real").mkdir(parents=True)
    place = out / PKG
    if kind == "file":
        place.write_bytes(b"mine\n")
    else:
        place.symlink_to("real" if kind == "link-to-dir" else "nowhere")
    with pytest.raises(FileExistsError) as caught:
        write_package(out, PKG, FILES)
    assert caught.value.filename == str(place)
    assert "not replacing it" in str(caught.value.strerror)
    assert sorted(p.name for p in out.iterdir()) == [PKG, "real"]
    assert list((out / "real").iterdir()) == []
    assert place.is_symlink() == (kind != "file")


def test_write_package_refuses_a_file_as_out_dir(tmp_path: Path) -> None:
    out = tmp_path / "afile"
    out.write_bytes(b"mine\n")
    with pytest.raises(NotADirectoryError) as caught:
        write_package(out, PKG, FILES)
    assert caught.value.filename == str(out)
    assert out.read_bytes() == b"mine\n"


def test_failure_names_the_package_and_removes_the_folders_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "a" / "b" / "out"

    def full(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device", str(file))

    monkeypatch.setattr(write, "open", full, raising=False)
    with pytest.raises(OSError) as caught:
        write_package(out, PKG, FILES)
    assert caught.value.filename == str(out / PKG), "not the staging folder"
    assert caught.value.strerror == "No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_recover_removes_a_staging_leftover_that_is_a_link(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_package(out, PKG, FILES)
    (out / f".{PKG}.new-77").symlink_to(PKG)
    recover(out, PKG)
    assert leftovers(out) == []
    assert read_tree(out / PKG) == FILES


def test_write_file_replaces_and_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "spec.json"
    write_file(path, b"{}\n")
    path.chmod(0o600)
    write_file(path, b"[]\n")
    assert path.read_bytes() == b"[]\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["spec.json"]


def test_write_file_writes_through_a_link(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_bytes(b"old\n")
    link = tmp_path / "link.json"
    link.symlink_to("real.json")
    write_file(link, b"new\n")
    assert link.is_symlink()
    assert (tmp_path / "real.json").read_bytes() == b"new\n"


def test_write_file_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as caught:
        write_file(tmp_path, b"{}\n")
    assert caught.value.filename == str(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_write_file_failure_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "spec.json"
    path.write_bytes(b"old\n")
    real_replace = os.replace

    def failing_replace(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(5, "Input/output error", str(src))

    monkeypatch.setattr(write.os, "replace", failing_replace)
    with pytest.raises(OSError) as caught:
        write_file(path, b"new\n")
    monkeypatch.setattr(write.os, "replace", real_replace)
    assert caught.value.filename == str(path)
    assert path.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["spec.json"]


# --- drift ---------------------------------------------------------------------------------


def test_drift_equal_trees_is_empty() -> None:
    assert drift(FILES, dict(FILES), "gen/pkg") == ""
    assert drift({}, {}, "gen/pkg") == ""


def test_drift_changed_file() -> None:
    actual = dict(FILES, **{"models.py": b"# header\nclass A:\n    hand_edit = 1\n"})
    diff = drift(FILES, actual, "gen/pkg")
    assert "--- gen/pkg/models.py\n" in diff
    assert "+++ gen/pkg/models.py (expected)\n" in diff
    assert "@@" in diff
    assert "\n-    hand_edit = 1\n" in diff
    assert "\n+    pass\n" in diff
    assert "README.md" not in diff and "__init__.py" not in diff


def test_drift_added_and_removed_files() -> None:
    expected = dict(FILES, **{"new.py": b"fresh\n"})
    actual = dict(FILES, **{"stray.py": b"left over\n"})
    diff = drift(expected, actual, "gen/pkg")
    # missing on disk: diff from /dev/null
    assert "--- /dev/null\n+++ gen/pkg/new.py (expected)\n" in diff
    assert "\n+fresh\n" in diff
    # on disk but no longer generated: diff to /dev/null
    assert "--- gen/pkg/stray.py\n+++ /dev/null\n" in diff
    assert "\n-left over\n" in diff
    assert diff.count("@@ ") >= 2


def test_drift_missing_trailing_newline_is_marked() -> None:
    diff = drift({"a.py": b"x = 1\n"}, {"a.py": b"x = 1"}, "gen/pkg")
    assert diff
    assert "\\ No newline at end of file" in diff


def test_read_tree_skips_caches(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "__pycache__").mkdir(parents=True)
    (root / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    (root / "m.py").write_bytes(b"x\n")
    assert read_tree(root) == {"m.py": b"x\n"}
    assert read_tree(tmp_path / "missing") == {}
