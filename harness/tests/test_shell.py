"""famlab shell: the lab interactively, on a real pseudo-terminal: devdax
is ready when the prompt appears, commands run in the guest, `exit` powers
the guest off and famlab exits 0."""
import os
import pty
import select
import time

from conftest import FAMLAB, ROOT


def read_until(fd, needle, seconds):
    buf = b""
    deadline = time.monotonic() + seconds
    while needle not in buf:
        left = deadline - time.monotonic()
        assert left > 0, f"no {needle!r} within {seconds} s; saw:\n{buf.decode(errors='replace')}"
        r, _, _ = select.select([fd], [], [], min(left, 1.0))
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
    return buf.decode(errors="replace")


def test_shell_has_devdax_ready_and_powers_off_on_exit():
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execv(str(FAMLAB), [str(FAMLAB), "shell", "--topology", "scenarios/topologies/cxl2-2hb.toml"])
    try:
        banner = read_until(fd, b"/ # ", 240)
        assert "devdax ready after" in banner
        assert "/dev/dax0.0  512M  devdax" in banner
        os.write(fd, b"cat /sys/bus/cxl/devices/region0/interleave_ways; echo MARK-$((40+2))\n")
        out = read_until(fd, b"MARK-42", 30)
        assert "\n2" in out.replace("\r", "")
        os.write(fd, b"exit\n")
        read_until(fd, b"Power down", 30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
                break
            time.sleep(0.2)
        else:
            raise AssertionError("famlab shell did not exit after the guest powered off")
    finally:
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
