"""No run leaves a QEMU behind: not on SIGINT, not on SIGTERM, not when
famlab itself is killed with SIGKILL."""
import os
import signal
import subprocess
import time

import pytest

from conftest import FAMLAB, ROOT, qemu_processes_with

SCENARIO = ROOT / "scenarios/boot-and-devdax.toml"


def start_run(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path))  # run dirs land here: a marker for our QEMU
    # --cold: a restored guest finishes this scenario within a second, before
    # the signal; a cold boot is still booting.
    proc = subprocess.Popen([str(FAMLAB), "run", "--cold", "--report-dir", str(tmp_path / "report"), str(SCENARIO)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    deadline = time.monotonic() + 300
    while not qemu_processes_with(str(tmp_path)):
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "QEMU never started"
        time.sleep(0.2)
    time.sleep(1.0)  # let the guest get going
    return proc


def wait_gone(marker, seconds):
    deadline = time.monotonic() + seconds
    while qemu_processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return qemu_processes_with(marker)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_run_and_qemu(tmp_path, sig):
    proc = start_run(tmp_path)
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 2, out
    assert "interrupted" in out
    assert wait_gone(str(tmp_path), 5) == []
    # The private run directory is cleaned up too.
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("famlab-run-")]
    assert (tmp_path / "report" / "junit.xml").exists()


def test_sigkill_of_famlab_takes_qemu_down(tmp_path):
    proc = start_run(tmp_path)
    proc.kill()
    proc.wait(timeout=10)
    assert wait_gone(str(tmp_path), 5) == [], "QEMU survived famlab's SIGKILL"


def test_run_dirs_are_private(tmp_path):
    proc = start_run(tmp_path)
    try:
        dirs = [p for p in tmp_path.iterdir() if p.name.startswith("famlab-run-")]
        assert dirs
        assert all((d.stat().st_mode & 0o777) == 0o700 for d in dirs)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
