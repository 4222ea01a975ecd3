"""Map fuzzing (issue 11): scenarios/fmap-fuzz.toml sends 10,000 seeded
GET_FMAP replies through the famfs kernel and judges every open against the
map rules. These tests read what the run really printed: the count of maps,
the findings (none on our kernel), the slab check, and a map saved on
purpose (index 4242) that is in the artifacts and was replayed from its
file."""
import json
import pathlib
import re
import subprocess

import pytest

from conftest import FAMLAB, ROOT, Run

SEED, COUNT, SAVED = 11, 10000, 4242


@pytest.fixture(scope="module")
def fuzz_run(tmp_path_factory):
    report_dir = tmp_path_factory.mktemp("fmap-fuzz") / "report"
    proc = subprocess.run([str(FAMLAB), "run", "--kernel", "famfs", "--report-dir", str(report_dir),
                           str(ROOT / "scenarios" / "fmap-fuzz.toml")],
                          capture_output=True, text=True, timeout=1800, cwd=ROOT)
    return Run(proc, report_dir)


def step(run, name):
    return next(s for s in run.scenario("fmap-fuzz", "famfs")["steps"] if s["name"] == name)


def summary(output):
    """The JSON line fuzz-open ends with."""
    lines = [l for l in output.splitlines() if l.startswith("fuzz-open: {")]
    assert lines, output[-3000:]
    return json.loads(lines[-1][len("fuzz-open: "):])


def fnv64(data):
    h = 1469598103934665603
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def test_ten_thousand_maps_reach_the_kernel_and_none_is_a_finding(fuzz_run):
    fuzz = step(fuzz_run, "fuzz")
    assert not fuzz["splats"], fuzz["splats"]
    s = summary(fuzz["output"])
    assert s["seed"] == SEED and s["maps"] == COUNT
    # A finding names the rule the kernel and the map rules disagree on.
    first = [l for l in fuzz["output"].splitlines() if "FINDING" in l][:3]
    assert s["findings"] == 0, (s["finding_kinds"], s["finding_rules"], first)
    assert fuzz_run.scenario("fmap-fuzz", "famfs")["status"] == "passed", fuzz_run
    # Both ways out were taken many times, and each as the rules say.
    assert s["accepted"] == s["valid_by_rules"] > COUNT // 10, s
    assert s["refused"].get("EINVAL", 0) > COUNT // 2, s
    assert s["refused"].get("ENODEV", 0) > 0, s  # device indexes the server does not serve
    assert s["accepted"] + sum(s["refused"].values()) == COUNT
    assert s["maps_per_second"] > 0
    # The server answered at least one GET_FMAP per map (RFC V2 asks twice for big ones).
    fmaps = int(re.search(r'"GET_FMAP":(\d+)', fuzz["output"]).group(1))
    assert fmaps >= COUNT, fuzz["output"][-2000:]


def test_no_slab_is_left_behind(fuzz_run):
    leak = summary(step(fuzz_run, "fuzz")["output"])["leak_check"]
    assert leak["ok"], leak
    assert leak["delta_kb"] <= leak["budget_kb"]
    assert leak["sunreclaim_before_kb"] > 0 and leak["sunreclaim_after_kb"] > 0


def test_the_leak_check_sees_maps_that_stay_alive(fuzz_run):
    """Files kept open after the warm-up hold their maps: the same check that
    passed the fuzz run must fail here, or it could not see a leak."""
    s = step(fuzz_run, "leak-check-self-test")
    assert s["status"] == "passed", s  # expect_exit = 1
    leak = summary(s["output"])["leak_check"]
    assert summary(s["output"])["held_open"] > 0
    assert not leak["ok"] and leak["method"] == "sunreclaim"
    assert leak["delta_kb"] > leak["budget_kb"], leak


def test_a_saved_map_is_in_the_artifacts_and_replays_from_its_file(fuzz_run):
    sc = fuzz_run.scenario("fmap-fuzz", "famfs")
    fuzz = step(fuzz_run, "fuzz")
    name = f"fmap-{SEED}-{SAVED}.fmap"
    assert f"fuzz/{name}" in fuzz["data"]["artifacts"]
    saved = fuzz_run.report_dir / pathlib.Path(sc["artifacts"]).name / "fuzz" / name
    fields = dict(l.split(" ", 1) for l in saved.read_text().splitlines() if l and not l.startswith("#"))
    assert fields["famfs-saved-fmap"] == "1"
    assert (int(fields["seed"]), int(fields["index"])) == (SEED, SAVED)
    reply = bytes.fromhex(fields["reply"])
    assert len(reply) > 0
    # The replay step opened exactly these bytes and the kernel did what it did in the fuzz run.
    replay = step(fuzz_run, "replay")
    assert replay["status"] == "passed", replay
    m = re.search(r"replay fmap-11-4242 \((\d+) bytes, fnv64 ([0-9a-f]+)\): kernel (.*?); rules (.*?): agree",
                  replay["output"])
    assert m, replay["output"]
    assert int(m.group(1)) == len(reply) and int(m.group(2), 16) == fnv64(reply)
    observed_kernel = re.match(r"kernel: (.*?); rules: ", fields["observed"]).group(1)
    assert m.group(3) == observed_kernel


def test_the_kernel_log_has_the_run_and_no_splat(fuzz_run):
    log = step(fuzz_run, "kernel-log")
    assert log["status"] == "passed", log["message"]
    assert "famfs: open of node" in log["output"]  # refusals were logged (rate limited)
