"""Boot once, fork many: a scenario with one guest starts from a snapshot of
its machine taken after an earlier boot's hello (README, Snapshots). These
tests hold a restored run against a cold one (--cold), step by step, and
check that restored guests are not twins, that a damaged snapshot is never
trusted, and that --cold takes and restores nothing."""
import json
import os
import pathlib
import re
import subprocess
import time

import pytest

from conftest import FAMLAB, ROOT

CACHE = pathlib.Path(os.environ.get("FAMLAB_CACHE") or
                     pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache")) / "famlab")
SNAPSHOTS = CACHE / "snapshots"


def run(report, *args):
    proc = subprocess.run([str(FAMLAB), "run", "--report-dir", str(report), *map(str, args)],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    sc = json.loads((report / "report.json").read_text())["scenarios"]
    return proc, sc


def boot_of(sc):
    return next(s for s in sc["steps"] if s["name"] == "boot")


def restored(sc):
    """The key (12 digits) the scenario's guest was restored from, or None."""
    return boot_of(sc)["data"].get("snapshot", {}).get("restored")


def run_restored(report, *args):
    """Runs until the guest is restored from a snapshot: the first run may be
    the one that takes it."""
    for attempt in range(2):
        proc, scs = run(report / str(attempt), *args)
        if all(restored(s) for s in scs):
            return proc, scs
    raise AssertionError("not restored on the second run: " + proc.stdout)


def comparable(step):
    """What must be the same in a cold and a restored run: the outcome, and
    what the guest saw (not times, not names the kernel numbers afresh)."""
    data = step.get("data") or {}
    keep = {"name": step["name"], "status": step["status"]}
    if step["action"] == "bringup":
        keep["view"] = [{k: r[k] for k in ("ways", "size", "granularity", "target_serials")} | {
                        "dax": {k: r["dax"][k] for k in ("mode", "size", "align")}} for r in data["regions"]]
        keep["mismatches"] = data["mismatches"]
    if step["action"] in ("write_pattern", "verify_pattern"):
        keep["mismatches"] = data.get("mismatches")
    if step["action"] == "check_placement":
        keep["misplaced"] = data.get("misplaced")
        keep["granules"] = data.get("granules")
    return keep


@pytest.mark.parametrize("scenario,kernels", [
    ("boot-and-devdax", "plain"),
    ("interleaved-reads-2way-2hb-g4096", "famfs"),  # two host bridges
    ("famfs-create", "famfs"),
    ("cxl-poison-list", ""),  # QEMU's poison injection into restored devices; plain and stock
])
def test_a_restored_run_matches_a_cold_one_step_by_step(tmp_path, scenario, kernels):
    f = ROOT / "scenarios" / f"{scenario}.toml"
    kernel = ["--kernel", kernels] if kernels else []
    _, colds = run(tmp_path / "cold", "--cold", *kernel, f)
    _, warms = run_restored(tmp_path / "warm", *kernel, f)
    assert colds and [c["kernel"] for c in colds] == [w["kernel"] for w in warms]
    for cold, warm in zip(colds, warms):
        assert "snapshot" not in boot_of(cold)["data"], boot_of(cold)
        cold_steps = [comparable(s) for s in cold["steps"] if s["name"] != "boot"]
        warm_steps = [comparable(s) for s in warm["steps"] if s["name"] != "boot"]
        assert warm_steps == cold_steps, warm["kernel"]
        assert boot_of(warm)["data"]["snapshot"]["reprobed_host_bridges"], boot_of(warm)
    warm = warms[0]
    # The restored run's logs begin with the boot the snapshot was taken after.
    art = pathlib.Path(warm["artifacts"])
    assert "Linux version" in (art / "dmesg.log").read_text()
    assert "restored from the snapshot in" in (art / "serial.log").read_text()
    # Its QEMU loaded the state and kept its memory in its own run directory.
    cmd = (art / "qemu-command.sh").read_text()
    assert re.search(r"-incoming '?file:\S*/snapshots/[0-9a-f]{64}/state.mig", cmd), cmd
    assert re.search(r"mem-path=/tmp/famlab-run-[^/]+/mem0-volatile.raw", cmd), cmd


TWINS = """name = "{name}"
topology = "{root}/scenarios/topologies/cxl1.toml"
kernels = ["plain"]

[[step]]
name = "bring-up"
action = "bringup"

[[step]]
name = "random"
run = "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\\\n'; echo; date +%s"
"""


def test_restored_guests_are_not_twins_and_keep_the_hosts_time(tmp_path):
    f = tmp_path / "twins.toml"
    f.write_text(TWINS.format(name="snapshot-twins", root=ROOT))
    run_restored(tmp_path / "first", f)  # a snapshot exists from here on
    time.sleep(2)  # the snapshot is now at least 2 s old: its clock would be behind
    draws = []
    for i in range(2):
        _, sc = run(tmp_path / f"twin{i}", f)
        assert restored(sc[0]), boot_of(sc[0])
        step = next(s for s in sc[0]["steps"] if s["name"] == "random")
        rand, guest_time = step["output"].split()
        draws.append(rand)
        assert abs(int(guest_time) - time.time()) < 3, (guest_time, time.time())
        assert boot_of(sc[0])["data"]["snapshot"]["clock_step_seconds"] > 1.5
    assert len(draws[0]) == 32 and draws[0] != draws[1], draws


def test_a_damaged_snapshot_is_removed_and_the_guest_boots_cold(tmp_path):
    f = tmp_path / "damaged.toml"
    f.write_text(TWINS.format(name="snapshot-damaged", root=ROOT))
    _, sc = run_restored(tmp_path / "first", f)
    key = restored(sc[0])
    [snap] = [d for d in SNAPSHOTS.glob(key + "*") if d.is_dir()]
    with open(snap / "state.mig", "r+b") as state:
        state.seek(4096)
        state.write(b"\xff" * 64)
    proc, sc = run(tmp_path / "after", f)
    boot = boot_of(sc[0])
    assert boot["status"] == "passed"
    assert "does not match the sha256" in boot["data"]["snapshot"]["cold"], boot
    assert "booted cold" in proc.stdout
    # A fresh snapshot replaced it, and restores.
    assert boot["data"]["snapshot"]["taken"] == key, boot
    _, sc = run(tmp_path / "again", f)
    assert restored(sc[0]) == key


def test_cold_takes_and_restores_nothing(tmp_path):
    f = tmp_path / "cold.toml"
    f.write_text(TWINS.format(name="snapshot-cold", root=ROOT).replace("cxl1.toml", "cxl2-1hb.toml"))
    before = {d.name for d in SNAPSHOTS.iterdir()} if SNAPSHOTS.exists() else set()
    proc, sc = run(tmp_path / "cold", "--cold", f)
    assert "snapshot" not in boot_of(sc[0])["data"] and "snapshot:" not in proc.stdout
    after = {d.name for d in SNAPSHOTS.iterdir()} if SNAPSHOTS.exists() else set()
    assert after - before == set() or all(n.endswith(".in-use") for n in after - before), after - before


# On resume the agent probes the CXL host bridges again, so a restored guest's
# kernel log says "host supports CXL" twice: this step fails only restored.
CONFIRMED = """
name = "{name}"
description = "fails on a restored guest (or always): a failure is confirmed cold"
topology = "{root}/scenarios/topologies/cxl1.toml"
kernels = ["plain"]

[[step]]
name = "probed-once"
run = "{run}"
"""


def test_a_failure_on_a_restored_guest_is_confirmed_from_a_cold_boot(tmp_path):
    """A scenario that fails on a restored guest runs again from a cold boot,
    and that run is the one reported: a flaw of the snapshot cannot become a
    verdict, and a real failure is reported with a cold boot's artifacts (the
    restored run's are kept in first-run/)."""
    only = tmp_path / "restored-only.toml"
    only.write_text(CONFIRMED.format(name="snapshot-restored-only", root=ROOT,
                                     run="[ $(dmesg | grep -c 'host supports CXL') -eq 1 ]"))
    always = tmp_path / "always.toml"
    always.write_text(CONFIRMED.format(name="snapshot-always-fails", root=ROOT, run="echo no; exit 3"))
    warm = tmp_path / "warm.toml"
    warm.write_text(TWINS.format(name="snapshot-warm", root=ROOT))
    run_restored(tmp_path / "first", warm)  # a snapshot of the same machine exists from here on
    report = tmp_path / "report"
    proc = subprocess.run([str(FAMLAB), "run", "--report-dir", str(report), only, always],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    scs = {s["name"]: s for s in json.loads((report / "report.json").read_text())["scenarios"]}
    for name, status in (("snapshot-restored-only", "passed"), ("snapshot-always-fails", "failed")):
        sc = scs[name]
        assert sc["status"] == status, sc
        assert "snapshot" not in boot_of(sc)["data"], boot_of(sc)  # the reported run booted cold
        [attempt] = sc["attempts"]
        assert re.match(r"first run \(artifacts in first-run/\): the guest was restored from snapshot "
                        r"[0-9a-f]{12}; failed: step 'probed-once': exit status 3?", attempt), attempt
        art = pathlib.Path(sc["artifacts"])
        assert "restored from the snapshot" in (art / "first-run" / "serial.log").read_text()
        assert "restored from the snapshot" not in (art / "serial.log").read_text()
        assert not (report / f"{art.name}.first-run").exists()
        # The agent's channel closes once per run, and says so once.
        assert (art / "agent.log").read_text().count("agent channel closed") <= 1
    assert "exit status 3" in scs["snapshot-always-fails"]["message"]
    assert "WARNING: snapshot-restored-only failed once (the guest was restored from snapshot" in proc.stdout
    assert "WARNING: snapshot-always-fails" not in proc.stdout
