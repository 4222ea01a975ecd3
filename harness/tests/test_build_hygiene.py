"""Nothing famlab starts to get a kernel outlives famlab, not even when famlab
is killed with SIGKILL: not the kernel build's make and compilers, not the
tar and xz unpacking the source, not apt's download methods fetching the
stock kernel. (Direct children die by PR_SET_PDEATHSIG; their children are
only caught because they run in a PID namespace of their own.)

Each test starts famlab on an empty cache (FAMLAB_CACHE in a temporary
directory) so it must build or fetch, waits until the processes in question
are running, SIGKILLs famlab and checks that every process that descended
from it is gone."""
import os
import pathlib
import shutil
import signal
import subprocess
import time

import pytest

from conftest import FAMLAB, ROOT

SHARED_SOURCE = pathlib.Path(os.environ.get("HOME", "/root")) / ".cache/famlab/kernel-src/linux-source-6.12"


def processes():
    """pid -> (ppid, comm, cmdline) of every live (non-zombie) process."""
    out = {}
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            out[int(d.name)] = (int(fields[1]), comm, cmd)
    return out


def descendants(root):
    """{pid: (comm, cmdline)} of every live descendant of root."""
    procs = processes()
    children = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = {}, [root]
    while todo:
        for c in children.get(todo.pop(), []):
            found[c] = procs[c][1:]
            todo.append(c)
    return found


def with_marker(marker):
    """Live processes whose environment holds marker (FAMLAB_CACHE=...): what
    a build started, even after it left famlab's process tree."""
    found = {}
    for pid, (_, comm, cmd) in processes().items():
        try:
            env = pathlib.Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in env.split(b"\0"):
            found[pid] = (comm, cmd)
    return found


def kill_when(proc, ready, seconds, what):
    """Waits until ready(descendants) holds, then SIGKILLs famlab. Returns
    the descendants seen just before the kill."""
    deadline = time.monotonic() + seconds
    while True:
        tree = descendants(proc.pid)
        if ready(tree):
            break
        if proc.poll() is not None:
            pytest.fail(f"famlab ended before {what} started: {proc.stdout.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{what} never started within {seconds} s; famlab's processes: {tree}")
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=10)
    return tree


def survivors(seen, marker, seconds=10):
    """What is still alive `seconds` after famlab died, of the processes it
    had started (seen) or that carry its environment marker."""
    deadline = time.monotonic() + seconds
    while True:
        live = processes()
        left = {p: c for p, c in seen.items() if p in live and live[p][2] == c[1]}
        left.update(with_marker(marker))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def start(args, cache, **kw):
    env = dict(os.environ, FAMLAB_CACHE=str(cache))
    return subprocess.Popen([str(FAMLAB), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, cwd=ROOT, **kw)


def comms(tree):
    return {c for c, _ in tree.values()}


def test_sigkill_during_kernel_build_leaves_no_make_or_compiler(tmp_path):
    cache = tmp_path / "cache"
    src = cache / "kernel-src" / SHARED_SOURCE.name
    if (SHARED_SOURCE / ".famlab-unpacked").exists():
        # Skip the unpack (a minute of CPU): hard links to the shared pristine
        # tree, which the build only reads (patches replace files, make
        # writes to its own object tree).
        src.parent.mkdir(parents=True)
        subprocess.run(["cp", "-al", str(SHARED_SOURCE), str(src)], check=True)
    proc = start(["kernel", "build", "--variant", "plain"], cache)
    tree = kill_when(proc, lambda t: "make" in comms(t) and comms(t) & {"cc1", "gcc", "cc", "ccache"},
                     600, "make and a compiler")
    left = survivors(tree, f"FAMLAB_CACHE={cache}")
    assert not left, f"survived famlab's SIGKILL: {left}"
    # Nothing claims to be a kernel.
    assert not [p for p in (cache / "kernels").glob("plain-*") if p.is_dir()]


def test_sigkill_during_source_unpack_leaves_no_tar_or_xz(tmp_path):
    cache = tmp_path / "cache"
    proc = start(["kernel", "build", "--variant", "plain"], cache)
    tree = kill_when(proc, lambda t: {"tar", "xz"} <= comms(t), 120, "tar and xz")
    left = survivors(tree, f"FAMLAB_CACHE={cache}")
    assert not left, f"survived famlab's SIGKILL: {left}"
    assert not (cache / "kernel-src" / SHARED_SOURCE.name / ".famlab-unpacked").exists()


def test_sigkill_during_stock_kernel_download_leaves_no_apt(tmp_path):
    """apt-get download runs its http method as a child; dpkg-deb -x runs tar.
    Whichever of them famlab is at when it gets SIGKILL must go with it."""
    if not shutil.which("apt-get"):
        pytest.skip("no apt-get")
    cache = tmp_path / "cache"
    proc = start(["run", "--report-dir", str(tmp_path / "report"), "--kernel", "stock",
                  str(ROOT / "scenarios/boot-and-devdax.toml")], cache)

    def fetching(t):
        cmds = " ".join(c for _, c in t.values())
        return "/usr/lib/apt/methods/" in cmds or "dpkg-deb" in comms(t) and "tar" in comms(t)

    tree = kill_when(proc, fetching, 300, "apt's download method (or dpkg-deb's tar)")
    left = survivors(tree, f"FAMLAB_CACHE={cache}")
    assert not left, f"survived famlab's SIGKILL: {left}"
