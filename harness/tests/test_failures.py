"""The lab must catch what goes wrong: a failing command, a kernel WARN
during a step (provoked for real with LKDTM), and a kernel panic, each
reported as what it is, with the evidence attached."""
import time

from conftest import ROOT

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
