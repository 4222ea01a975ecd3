"""The debug flavour (--debug): a sanitizer's report fails the step it
happened in, as what it is, with a trace a developer can read: every frame
as function+offset and file:line from the kernel's vmlinux, in report.json
(structured frames), junit.xml and the terminal.

make test builds one debug kernel, famfs+debug (the other variants' debug
flavours are in make nightly). One boot provokes, each in its own step
(keep_going): a UBSAN report and a KASAN use-after-free through LKDTM, a
lockdep lock inversion and a leak through our test module (famlab_provoke,
kernel-config/patches/debug). lockdep turns itself off after KASAN taints
the kernel, so it comes first. A second scenario passes every step of its
own but leaks: the runner's kmemleak check after the last step (every
scenario on a debug kernel) fails it."""
import subprocess

import pytest

from conftest import FAMLAB, ROOT, Run

TOPO = ROOT / "scenarios/topologies/cxl1.toml"
DEBUGFS = "mount -t debugfs none /sys/kernel/debug 2>/dev/null; "
KMEMLEAK = "/sys/kernel/debug/kmemleak"
VERBOSE = "/sys/module/kmemleak/parameters/verbose"

SCENARIO = f'''name = "debug-provoked"
topology = "{TOPO}"
kernels = ["famfs"]
keep_going = true
timeout = 1500

[[step]]
name = "bring-up"
action = "bringup"

[[step]]
name = "quiet"
run = "true"

# What boot and bring-up left behind is forgotten (verbose off meanwhile:
# kmemleak would log it as leaks). Two scans: a scan reports only what the
# previous one found unreferenced too.
[[step]]
name = "forget-boot-leaks"
run = "{DEBUGFS}echo 0 > {VERBOSE}; echo scan > {KMEMLEAK}; echo scan > {KMEMLEAK}; echo clear > {KMEMLEAK}; echo 1 > {VERBOSE}"
timeout = 300

[[step]]
name = "ubsan"
run = "echo ARRAY_BOUNDS > /sys/kernel/debug/provoke-crash/DIRECT"

[[step]]
name = "lockdep"
run = "echo lock-inversion > /sys/kernel/debug/famlab_provoke"

[[step]]
name = "kasan"
run = "echo READ_AFTER_FREE > /sys/kernel/debug/provoke-crash/DIRECT"

[[step]]
name = "leak"
run = "echo leak > /sys/kernel/debug/famlab_provoke"

# The leaked objects must be 5 s old; the first scan records them, the
# second reports them.
[[step]]
name = "kmemleak-scan"
run = "sleep 6; echo scan > {KMEMLEAK}; echo scan > {KMEMLEAK}"
timeout = 300
'''


# Every step passes; the leak is only seen by the runner's own kmemleak
# check after the last step.
LEAKS_QUIETLY = f'''name = "debug-leaks-quietly"
topology = "{TOPO}"
kernels = ["famfs"]
timeout = 1500

[[step]]
name = "bring-up"
action = "bringup"

[[step]]
name = "leak"
run = "{DEBUGFS}echo leak > /sys/kernel/debug/famlab_provoke"
'''


@pytest.fixture(scope="module")
def provoked(tmp_path_factory):
    d = tmp_path_factory.mktemp("debug")
    f = d / "scenario.toml"
    f.write_text(SCENARIO)
    quiet = d / "leaks-quietly.toml"
    quiet.write_text(LEAKS_QUIETLY)
    report = d / "report"
    # A cold famfs+debug build is part of this run when the cache is empty.
    proc = subprocess.run([str(FAMLAB), "run", "--kernel", "famfs", "--debug", "--report-dir", str(report),
                           str(f), str(quiet)], capture_output=True, text=True, timeout=5400, cwd=ROOT)
    return Run(proc, report)


def steps(run):
    return {s["name"]: s for s in run.scenario("debug-provoked", "famfs+debug")["steps"]}


def frame_named(step, kind, function):
    """The first frame naming `function` in a splat of `kind` in the step."""
    for sp in step["splats"]:
        if sp["kind"] != kind:
            continue
        for fr in sp["frames"]:
            if fr["function"] == function:
                return fr
    raise AssertionError(f"no {kind} frame of {function} in {step['splats']}")


def test_the_debug_flavour_is_named_and_a_clean_step_passes(provoked):
    assert provoked.code == 1, provoked
    sc = provoked.scenario("debug-provoked", "famfs+debug")
    assert sc["kernel"] == "famfs+debug"
    s = steps(provoked)
    for name in ("boot", "bring-up", "quiet", "forget-boot-leaks", "leak"):
        assert s[name]["status"] == "passed", s[name]
        assert not s[name]["splats"], s[name]["splats"]


@pytest.mark.parametrize("step,kind,function,file", [
    ("ubsan", "UBSAN", "lkdtm_ARRAY_BOUNDS", "drivers/misc/lkdtm/bugs.c"),
    ("lockdep", "lockdep", "famlab_provoke_lock_inversion", "lib/famlab_provoke.c"),
    ("kasan", "KASAN", "lkdtm_READ_AFTER_FREE", "drivers/misc/lkdtm/heap.c"),
    ("kmemleak-scan", "kmemleak", "famlab_provoke_leak_one", "lib/famlab_provoke.c"),
])
def test_a_sanitizer_report_fails_its_step_with_a_symbolized_frame(provoked, step, kind, function, file):
    st = steps(provoked)[step]
    assert st["status"] == "failed", st
    assert st["message"].startswith(f"kernel {kind} during the step"), st["message"]
    fr = frame_named(st, kind, function)
    assert fr["file"] == file and fr["line"] > 0, fr
    assert fr["frame"].startswith(f"{function}+0x") and f"({file}:{fr['line']}" in fr["frame"], fr
    # The same frame, as text, in junit.xml and on the terminal.
    assert fr["frame"] in provoked.junit.find(".//failure").text
    assert f"at {fr['frame']}" in provoked.out or fr["frame"] in provoked.out, provoked.out


def test_each_report_is_its_own_kind(provoked):
    s = steps(provoked)
    assert [sp["kind"] for sp in s["lockdep"]["splats"]] == ["lockdep"]
    assert "circular locking dependency" in s["lockdep"]["splats"][0]["title"]
    assert "slab-use-after-free" in s["kasan"]["splats"][0]["title"]
    # KASAN's title names the access, with its line.
    assert "(drivers/misc/lkdtm/heap.c:" in s["kasan"]["splats"][0]["title"]
    assert "array-index-out-of-bounds" in s["ubsan"]["splats"][0]["title"]
    leaks = [sp for sp in s["kmemleak-scan"]["splats"] if "unreferenced object" in sp["title"]]
    assert len(leaks) >= 4, s["kmemleak-scan"]["splats"]  # the module leaks four objects


def test_the_runners_leak_check_fails_a_scenario_whose_steps_all_passed(provoked):
    sc = provoked.scenario("debug-leaks-quietly", "famfs+debug")
    s = {st["name"]: st for st in sc["steps"]}
    assert s["leak"]["status"] == "passed", s["leak"]
    assert s["kmemleak-baseline"]["status"] == "passed", s["kmemleak-baseline"]
    check = s["kmemleak"]
    assert check["status"] == "failed", check
    assert sc["status"] == "failed" and "kmemleak" in sc["message"], sc["message"]
    assert check["data"]["leaks"] >= 4, check["data"]  # the module leaks four objects
    frame_named(check, "kmemleak", "famlab_provoke_leak_one")
