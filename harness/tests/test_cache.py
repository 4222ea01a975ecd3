"""famlab cache on a cache of its own (FAMLAB_CACHE): lists entries with
sizes and last use, prunes by age and by total size, dry runs change
nothing, entries in use stay, nothing half-removed is left behind, bad
arguments are one clear line.

The cache is laid out the way famlab writes it; "in use" is taken the way a
running famlab takes it: flock(2) on the entry's .in-use file (shared) or on
a build's .lock file (exclusive) (the unit tests check that famlab's kernels
and images hold those locks)."""
import os
import pathlib
import subprocess
import time

import pytest

from conftest import FAMLAB, ROOT

DAY = 24 * 3600
KERNEL_OLD = "kernels/plain-0123456789abcdef"
KERNEL_NEW = "kernels/famfs-fedcba9876543210"
SOURCE = "kernel-src/linux-source-6.12"
TREE = "kernel-src/plain"
IMAGE_OLD = "images/" + "a" * 64 + ".cpio"
IMAGE_NEW = "images/" + "b" * 64 + ".cpio"
STOCK = "stock/linux-image-6.12.9-amd64_6.12.9-1"


def put(root, rel, size):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(os.urandom(size))


def used(root, rel, days_ago):
    t = time.time() - days_ago * DAY
    os.utime(root / rel, (t, t))


@pytest.fixture
def cache(tmp_path):
    root = tmp_path / "cache"
    put(root, KERNEL_OLD + "/bzImage", 1 << 20)
    put(root, KERNEL_OLD + "/release", 10)
    put(root, KERNEL_NEW + "/bzImage", 1 << 20)
    put(root, SOURCE + "/Makefile", 2 << 20)
    (root / TREE / "src").mkdir(parents=True)
    os.link(root / SOURCE / "Makefile", root / TREE / "src/Makefile")  # build trees hard-link the source
    put(root, TREE + "/build/vmlinux.o", 1 << 20)
    put(root, IMAGE_OLD, 1 << 20)
    put(root, IMAGE_NEW, 1 << 20)
    put(root, STOCK + "/boot/vmlinuz", 1 << 20)
    put(root, "ccache/0/1/obj", 512 << 10)
    put(root, "kernels/.trash-plain-1111111111111111-77/bzImage", 1 << 20)  # a killed removal's
    put(root, "notes.txt", 100)
    for rel, days in ((KERNEL_OLD, 40), (KERNEL_NEW, 1), (SOURCE, 50), (TREE, 45), (IMAGE_OLD, 35),
                      (IMAGE_NEW, 2), (STOCK, 60), ("ccache", 3), ("notes.txt", 400)):
        used(root, rel, days)
    return root


def famlab_cache(root, *args):
    r = subprocess.run([str(FAMLAB), "cache", *args], capture_output=True, text=True, timeout=120, cwd=ROOT,
                       env=dict(os.environ, FAMLAB_CACHE=str(root)))
    return r


def tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def hold(root, lock, shared):
    """Another process holding a lock the way famlab does (flock(2))."""
    (root / lock).parent.mkdir(parents=True, exist_ok=True)
    p = subprocess.Popen(["flock", "-s" if shared else "-x", str(root / lock), "sleep", "600"])
    deadline = time.monotonic() + 10
    while subprocess.run(["flock", "-n", "-x", str(root / lock), "true"]).returncode == 0:
        assert time.monotonic() < deadline, "the holder never took the lock"
        time.sleep(0.05)
    return p


def test_lists_every_entry_with_size_and_last_use(cache):
    r = famlab_cache(cache)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"cache {cache}: ") and "in 10 entries" in lines[0], r.stdout
    rows = {l.split()[-1] if "(" not in l else l.split("  (")[0].split()[-1]: l for l in lines[2:]}
    assert list(rows)[0] == "notes.txt"  # least recently used first
    assert "kernel plain" in rows[KERNEL_OLD] and " 1.0M " in rows[KERNEL_OLD], rows[KERNEL_OLD]
    assert "kernel source" in rows[SOURCE] and "kernel object tree plain" in rows[TREE]
    assert "stock kernel" in rows[STOCK] and "image" in rows[IMAGE_NEW] and "ccache" in rows["ccache"]
    assert "removal leftover" in rows["kernels/.trash-plain-1111111111111111-77"]
    assert "(never removed)" in rows["notes.txt"]
    day = time.strftime("%Y-%m-%d", time.localtime(time.time() - 40 * DAY))
    assert rows[KERNEL_OLD].startswith(day), rows[KERNEL_OLD]


def test_dry_run_changes_nothing(cache):
    before = tree(cache)
    r = famlab_cache(cache, "--older-than", "30d", "--dry-run")
    assert r.returncode == 0, r.stderr
    gone = [l.split()[2] for l in r.stdout.splitlines() if l.startswith("would remove ")]
    assert sorted(gone) == sorted(["kernels/.trash-plain-1111111111111111-77", STOCK, SOURCE, TREE, KERNEL_OLD,
                                   IMAGE_OLD]), r.stdout
    assert tree(cache) == before


def test_prune_by_age_keeps_entries_in_use_and_leaves_nothing_half_removed(cache):
    running = hold(cache, KERNEL_OLD + ".in-use", shared=True)  # a famlab booting that kernel
    building = hold(cache, "kernel-src/plain.lock", shared=False)  # a famlab building plain
    try:
        r = famlab_cache(cache, "--older-than", "30d")
    finally:
        running.kill()
        building.kill()
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for rel in (STOCK, SOURCE, IMAGE_OLD, "kernels/.trash-plain-1111111111111111-77"):
        assert f"removed {rel} (" in out, out
        assert not (cache / rel).exists()
    assert f"kept {KERNEL_OLD} (" in out and f"in use (locked: {cache / KERNEL_OLD}.in-use)" in out, out
    assert f"kept {TREE} (" in out and "kernel-src/plain.lock" in out, out
    for rel in (KERNEL_OLD + "/bzImage", TREE + "/build/vmlinux.o", TREE + "/src/Makefile", KERNEL_NEW,
                IMAGE_NEW, "ccache", "notes.txt"):
        assert (cache / rel).exists(), rel
    assert not [p for p in cache.rglob(".trash-*")], "a removal left something behind"
    assert not (cache / (IMAGE_OLD + ".in-use")).exists()
    assert "4 removed" in out and "2 in use, 0 failed" in out, out


def test_prune_to_a_size_removes_least_recently_used_first(cache):
    # 9.5M of files and a few directories; the source's 2M Makefile is
    # hard-linked into the object tree and counted once (11.5M if twice).
    listing = famlab_cache(cache).stdout.splitlines()[0]
    total = float(listing.split(": ")[1].split("M in ")[0])
    assert 9.5 <= total < 10, listing
    r = famlab_cache(cache, "--max-size", "3M")
    assert r.returncode == 0, r.stderr
    removed = [l.split()[1] for l in r.stdout.splitlines() if l.startswith("removed ")]
    # The leftover always goes; then oldest first: stock 60d, source 50d
    # (frees little: its Makefile lives on in the tree), tree 45d (frees the
    # Makefile too), kernel 40d, image 35d: then 2.6M are left, which fits.
    assert removed == ["kernels/.trash-plain-1111111111111111-77", STOCK, SOURCE, TREE, KERNEL_OLD, IMAGE_OLD], \
        r.stdout
    assert (cache / KERNEL_NEW).exists() and (cache / IMAGE_NEW).exists() and (cache / "ccache").exists()
    left = famlab_cache(cache).stdout.splitlines()[0]
    assert "in 4 entries" in left, left  # the newest kernel and image, the ccache, notes.txt
    assert float(left.split(": ")[1].split("M in ")[0]) <= 3, left


def test_bad_arguments_are_one_clear_line(cache):
    for args, what in ((["--older-than", "30x"], "--older-than '30x'"),
                       (["--older-than", "30"], "give a number and a unit"),
                       (["--max-size", "lots"], "--max-size 'lots'"),
                       (["--dry-run"], "--dry-run goes with --older-than or --max-size")):
        r = famlab_cache(cache, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stderr.count("\n") == 1 and what in r.stderr, (args, r.stderr)
