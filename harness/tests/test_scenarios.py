"""The shipped scenarios on real QEMU: devdax comes up as the topology says,
and the host finds every pattern granule where the interleave math puts it."""
import pathlib

import pytest

from conftest import ROOT

SHIPPED = ["boot-and-devdax", "interleave-2way-1hb", "interleave-2way-2hb"]


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory):
    """One `famlab run` of the whole default suite on the lab kernel."""
    import subprocess
    from conftest import FAMLAB, Run
    report_dir = tmp_path_factory.mktemp("suite") / "report"
    proc = subprocess.run([str(FAMLAB), "run", "--report-dir", str(report_dir), *[
        str(ROOT / "scenarios" / f"{name}.toml") for name in SHIPPED]],
        capture_output=True, text=True, timeout=1200, cwd=ROOT)
    return Run(proc, report_dir)


def test_suite_passes(lab_run):
    assert lab_run.code == 0, lab_run
    assert lab_run.junit.get("failures") == "0"
    assert lab_run.junit.get("tests") == str(len(SHIPPED))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_step_passed_and_was_reported(lab_run, name):
    sc = lab_run.scenario(name)
    assert sc["status"] == "passed", lab_run
    steps = {s["name"]: s for s in sc["steps"]}
    assert steps["boot"]["status"] == "passed"
    assert all(s["status"] == "passed" for s in sc["steps"]), sc["steps"]
    assert 0 < sc["boot_to_ready_seconds"] < 120


@pytest.mark.parametrize("name", SHIPPED)
def test_guest_view_matches_topology(lab_run, name):
    sc = lab_run.scenario(name)
    bring = next(s for s in sc["steps"] if s["action"] == "bringup")
    view = bring["data"]
    assert view["mismatches"] == []
    ways = {"boot-and-devdax": 1, "interleave-2way-1hb": 2, "interleave-2way-2hb": 2}[name]
    region = view["regions"][0]
    assert region["ways"] == ways
    assert region["dax"]["mode"] == "devdax"
    assert region["dax"]["size"] == region["size"] == ways * 256 * 1024 * 1024


@pytest.mark.parametrize("name", SHIPPED)
def test_placement_checked_every_granule(lab_run, name):
    sc = lab_run.scenario(name)
    check = next(s for s in sc["steps"] if s["action"] == "check_placement")
    assert check["data"]["misplaced"] == 0
    assert check["data"]["granules"] >= 256


@pytest.mark.parametrize("name", SHIPPED)
def test_artifacts_are_enough_to_reproduce(lab_run, name):
    sc = lab_run.scenario(name)
    art = lab_run.report_dir / f"{name}-plain"
    for f in ["qemu-command.sh", "serial.log", "dmesg.log", "agent.log", "topology.toml",
              "scenario.toml", "kernel-config", "kernel-version", "guest-plan.json"]:
        assert (art / f).exists(), f
    cmd = (art / "qemu-command.sh").read_text()
    assert "cxl=on" in cmd and "cxl-type3" in cmd
    assert "Linux version" in (art / "dmesg.log").read_text()


def test_a_file_listed_twice_runs_once_and_one_name_in_two_files_gets_two_folders(famlab, tmp_path):
    one = ROOT / "scenarios" / "boot-and-devdax.toml"
    twin = tmp_path / "twin.toml"  # another file, same scenario name
    twin.write_text(one.read_text().replace('topology = "topologies/', f'topology = "{ROOT}/scenarios/topologies/'))
    r = famlab("run", one, one, twin)
    assert r.code == 0, r
    assert "is listed twice: it runs once" in r.out + r.err
    runs = [s for s in r.report["scenarios"] if s["name"] == "boot-and-devdax"]
    assert len(runs) == 2
    folders = sorted(pathlib.Path(s["artifacts"]).name for s in runs)
    assert folders == ["boot-and-devdax-plain", "boot-and-devdax-plain-2"], folders
    for s in runs:
        assert (pathlib.Path(s["artifacts"]) / "serial.log").exists()


def test_two_scenarios_run_side_by_side_with_j2(famlab):
    """-j 2: the direct backend runs two scenarios at a time; each keeps its
    own folder and result, and the run takes less than the two one after the
    other would."""
    # --cold: two boots side by side, not two sub-second restores.
    r = famlab("run", "--cold", "-j", "2", *[ROOT / "scenarios" / f"{n}.toml" for n in SHIPPED[:2]])
    assert r.code == 0, r
    scenarios = r.report["scenarios"]
    assert [s["status"] for s in scenarios] == ["passed", "passed"], r
    assert "start boot-and-devdax [plain] on" in r.out and "start interleave-2way-1hb [plain] on" in r.out, r
    assert len({s["artifacts"] for s in scenarios}) == 2
    assert r.report["seconds"] < 0.95 * sum(s["seconds"] for s in scenarios), r.report


def test_j_is_for_the_direct_backend(famlab):
    r = famlab("run", "-j", "2", "--connect", "qemu:///system", ROOT / "scenarios/boot-and-devdax.toml")
    assert r.code == 2 and "-j goes with the direct backend" in r.err, r
