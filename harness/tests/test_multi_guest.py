"""Several guests on one CXL memory (issue 12): guests boot side by side,
share a type-3 device through one backing file, run steps named by guest,
and are all stopped whatever way the run ends."""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import FAMLAB, ROOT, qemu_processes_with

SHARED = ROOT / "scenarios/shared-memory-two-guests.toml"


def test_two_guests_see_each_others_bytes_through_shared_memory(famlab):
    r = famlab("run", "--kernel", "plain", SHARED)
    assert r.code == 0, r
    sc = r.scenario("shared-memory-two-guests", "plain")
    assert sc["status"] == "passed", sc["message"]
    steps = {s["name"]: s for s in sc["steps"]}
    # Each guest boots and is brought up on its own; steps say where they ran.
    for name in ["boot@a", "boot@b", "bring-up@a", "bring-up@b"]:
        assert steps[name]["status"] == "passed", steps[name]
    assert steps["a-writes"]["guest"] == "a" and steps["b-reads-a"]["guest"] == "b"
    # b read back the 8 MiB a wrote, word for word, through its own region.
    assert steps["b-reads-a"]["data"]["mismatches"] == 0
    assert steps["b-reads-a"]["data"]["bytes"] == 8 << 20
    # ... and the host found a's words in the one shared backing file.
    assert steps["host-finds-a"]["data"]["misplaced"] == 0
    assert steps["host-finds-a"]["data"]["words"] == (8 << 20) // 8
    assert steps["a-reads-b"]["data"]["mismatches"] == 0
    # One artifact folder per guest, beside the scenario's own files.
    art = r.report_dir / os.path.basename(sc["artifacts"])
    for guest in ["a", "b"]:
        for f in ["serial.log", "dmesg.log", "agent.log", "qemu-command.sh", "guest-plan.json", "topology.toml"]:
            assert (art / guest / f).exists(), f"{guest}/{f}"
    # Both QEMUs map the same file, share=on.
    cmd_a = (art / "a" / "qemu-command.sh").read_text()
    cmd_b = (art / "b" / "qemu-command.sh").read_text()
    shared = [l for l in cmd_a.splitlines() if "shared-mem0.mem" in l]
    assert shared and "share=on" in shared[0], cmd_a
    assert shared[0] in cmd_b
    assert sc["guests"] == ["a (cxl1)", "b (cxl1)"]


def test_a_wrong_expectation_on_the_second_guest_fails_naming_it(famlab, tmp_path):
    bad = tmp_path / "bad.toml"
    text = SHARED.read_text().replace('topology = "topologies/', f'topology = "{ROOT}/scenarios/topologies/')
    bad.write_text(text + '\n[[step]]\nname = "b-fails"\nguest = "b"\nrun = "false"\n')
    r = famlab("run", "--kernel", "plain", bad)
    assert r.code == 1, r
    sc = r.scenario("shared-memory-two-guests", "plain")
    assert sc["message"] == "step 'b-fails' on guest b: exit status 1, expected 0"


def test_sigint_stops_every_guest(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen([str(FAMLAB), "run", "--kernel", "plain", "--report-dir", str(tmp_path / "report"),
                             str(SHARED)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            cwd=ROOT)
    deadline = time.monotonic() + 300
    while len(qemu_processes_with(str(tmp_path))) < 2:
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "two QEMUs never started"
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2, out
    deadline = time.monotonic() + 5
    while qemu_processes_with(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert qemu_processes_with(str(tmp_path)) == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("famlab-run-")]


def test_sigkill_of_famlab_takes_every_guest_down(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen([str(FAMLAB), "run", "--kernel", "plain", "--report-dir", str(tmp_path / "report"),
                             str(SHARED)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    deadline = time.monotonic() + 300
    while len(qemu_processes_with(str(tmp_path))) < 2:
        assert proc.poll() is None
        assert time.monotonic() < deadline, "two QEMUs never started"
        time.sleep(0.2)
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while qemu_processes_with(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert qemu_processes_with(str(tmp_path)) == [], "a guest survived famlab's SIGKILL"


def test_check_names_the_unknown_guest(famlab, tmp_path):
    bad = tmp_path / "unknown-guest.toml"
    bad.write_text(SHARED.read_text().replace('guest = "b"\naction = "verify_pattern"', 'guest = "c"\naction = "verify_pattern"')
                   .replace('topology = "topologies/', f'topology = "{ROOT}/scenarios/topologies/'))
    r = famlab("check", bad)
    assert r.code == 2, r
    assert f"{bad}:" in r.err + r.out
    assert "no guest named 'c' (guests: a, b)" in r.err + r.out
