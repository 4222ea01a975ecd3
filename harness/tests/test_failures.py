"""The lab must catch what goes wrong: a failing command, a kernel WARN
during a step (provoked for real with LKDTM), and a kernel panic, each
reported as what it is, with the evidence attached."""
import json
import os
import shutil
import subprocess
import time

from conftest import FAMLAB, ROOT

TOPO = ROOT / "scenarios/topologies/cxl1.toml"
DEBUGFS = "mount -t debugfs none /sys/kernel/debug 2>/dev/null; "


def scenario(tmp_path, steps, timeout=300):
    body = f'name = "{tmp_path.name}"\ntopology = "{TOPO}"\nkernels = ["plain"]\ntimeout = {timeout}\n'
    for s in steps:
        body += "\n[[step]]\n" + "".join(f"{k} = {v!r}\n".replace("'", '"') if isinstance(v, str)
                                          else f"{k} = {v}\n" for k, v in s.items())
    f = tmp_path / "scenario.toml"
    f.write_text(body)
    return f


def test_failing_command_fails_scenario_with_exit_1(famlab, tmp_path):
    f = scenario(tmp_path, [
        {"name": "bring-up", "action": "bringup"},
        {"name": "wrong-exit", "run": "echo about to fail; exit 3"},
        {"name": "never-reached", "run": "true"},
    ])
    r = famlab("run", f)
    assert r.code == 1, r
    sc = r.report["scenarios"][0]
    steps = {s["name"]: s for s in sc["steps"]}
    assert steps["wrong-exit"]["status"] == "failed"
    assert "exit status 3, expected 0" in steps["wrong-exit"]["message"]
    assert "about to fail" in steps["wrong-exit"]["output"]
    assert steps["never-reached"]["status"] == "skipped"
    failure = r.junit.find(".//failure")
    assert failure is not None and "wrong-exit" in failure.text


def test_kernel_warning_fails_the_step_it_happened_in(famlab, tmp_path):
    f = scenario(tmp_path, [
        {"name": "quiet", "run": "true"},
        {"name": "provoke-warn", "run": DEBUGFS + "echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT"},
    ])
    r = famlab("run", f)
    assert r.code == 1, r
    steps = {s["name"]: s for s in r.report["scenarios"][0]["steps"]}
    assert steps["quiet"]["status"] == "passed"
    warn = steps["provoke-warn"]
    assert warn["status"] == "failed", warn
    assert warn["splats"] and warn["splats"][0]["kind"] == "WARNING"
    assert "lkdtm" in warn["splats"][0]["text"].lower()
    assert "Call Trace" in r.junit.find(".//failure").text
    # The fast kernels have KALLSYMS: every frame is named (function+offset),
    # none is a bare address.
    frames = warn["splats"][0]["frames"]
    assert frames and all(f["function"] for f in frames), frames
    assert "lkdtm_WARNING" in {f["function"] for f in frames}, frames
    assert "lkdtm_WARNING+0x" in r.junit.find(".//failure").text


def test_kernel_panic_is_reported_as_panic_not_timeout(famlab, tmp_path):
    f = scenario(tmp_path, [
        {"name": "provoke-panic", "run": DEBUGFS + "echo PANIC > /sys/kernel/debug/provoke-crash/DIRECT",
         "timeout": 120},
    ])
    t0 = time.monotonic()
    r = famlab("run", f)
    elapsed = time.monotonic() - t0
    assert r.code == 1, r
    step = r.report["scenarios"][0]["steps"][-1]
    assert step["status"] == "failed"
    assert "kernel panic" in step["message"], step
    assert elapsed < 100, f"panic took {elapsed:.0f} s to notice: looks like a timeout"


def test_a_qemu_that_aborts_before_the_hello_is_booted_once_more(tmp_path):
    """QEMU 10's TCG can abort on an assertion of its own while the guest
    sets up its PCI bus (iotlb_to_section, seen once with four guests). That
    is not the kernel's fault: famlab keeps the crashed console and boots
    again, once. A real QEMU behind a wrapper that aborts on its first start."""
    real = shutil.which("qemu-system-x86_64")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "qemu-system-x86_64"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ -n "$(echo \\"$*\\" | grep -e -kernel)" ] && mkdir "{tmp_path}/aborted" 2>/dev/null; then\n'
        '  echo "qemu-system-x86_64: system/physmem.c:2678: iotlb_to_section: Assertion failed." >&2\n'
        "  kill -ABRT $$\n"
        "fi\n"
        f'exec {real} "$@"\n')
    wrapper.chmod(0o755)
    f = scenario(tmp_path, [{"name": "bring-up", "action": "bringup"}])
    report = tmp_path / "report"
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    # --cold: a restore (-incoming) would be the wrapper's first start.
    r = subprocess.run([str(FAMLAB), "run", "--cold", "--report-dir", str(report), str(f)], capture_output=True,
                       text=True, timeout=600, cwd=ROOT, env=env)
    assert (tmp_path / "aborted").is_dir(), "the wrapper never ran: " + r.stdout + r.stderr
    assert r.returncode == 0, r.stdout + r.stderr
    assert "RETRY boot: vm exited: QEMU died of signal 6 before the agent said hello" in r.stdout, r.stdout
    sc = json.loads((report / "report.json").read_text())["scenarios"][0]
    boot = next(s for s in sc["steps"] if s["name"] == "boot")
    assert boot["status"] == "passed" and "QEMU died of signal 6" in boot["data"]["retried"], boot
    art = report / f"{sc['name']}-plain"
    assert "iotlb_to_section" in (art / "serial.qemu-crash.log").read_text()
    assert "iotlb_to_section" not in (art / "serial.log").read_text()
