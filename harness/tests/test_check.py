"""famlab check: validation without booting, errors as file:line."""
import pathlib

from conftest import ROOT


def test_shipped_files_are_valid(famlab):
    files = sorted((ROOT / "scenarios").glob("*.toml")) + sorted((ROOT / "scenarios/topologies").glob("*.toml"))
    files += sorted((ROOT / "harness/bench").glob("*.toml"))  # make bench's scenarios
    assert len(files) >= 6
    r = famlab("check", *files)
    assert r.code == 0, r


def test_bad_topology_names_file_line_and_problem(famlab, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[machine]\nmemory = "2G"\n\n'
        '[[host_bridge]]\nid = "hb0"\n\n'
        '[[device]]\nid = "mem0"\nport = "hb0.rp0"\nvolatile = "100M"\n\n'
        '[[window]]\ntargets = ["hb0"]\nsize = "4G"\ngranularity = 3000\n'
    )
    r = famlab("check", bad)
    assert r.code == 2, r
    assert f"{bad}:10" in r.err and "256" in r.err, r       # volatile = "100M"
    assert f"{bad}:15" in r.err and "granularity" in r.err, r


def test_memmap_outside_guest_ram_is_refused(famlab, tmp_path):
    bad = tmp_path / "pmem.toml"
    bad.write_text('[machine]\nmemory = "2G"\n\n[[pmem]]\nstart = "4G"\nsize = "512M"\n')
    r = famlab("check", bad)
    assert r.code == 2, r
    assert f"{bad}:4" in r.err or f"{bad}:5" in r.err, r


def test_missing_file_is_an_error(famlab, tmp_path):
    r = famlab("check", tmp_path / "nope.toml")
    assert r.code == 2
    assert "nope.toml" in r.err


def test_run_with_bad_topology_boots_nothing(famlab, tmp_path):
    topo = tmp_path / "topo.toml"
    topo.write_text('[[host_bridge]]\nid = "hb0"\n[[host_bridge]]\nid = "hb0"\n')
    sc = tmp_path / "sc.toml"
    sc.write_text(f'topology = "{topo}"\n[[step]]\nname = "bring-up"\naction = "bringup"\n')
    r = famlab("run", sc, timeout=120)
    assert r.code == 2, r
    assert "hb0" in (r.out + r.err), r
    assert not list(r.report_dir.rglob("serial.log")), "a VM was started for an invalid topology"


def test_unknown_kernel_is_an_error_for_check_and_run(famlab, tmp_path):
    """A kernels list naming a kernel famlab does not know used to pass check
    and then never run. Now both check and run (before anything boots) stop
    at the name, listing the known ones."""
    sc = tmp_path / "sc.toml"
    sc.write_text(f'topology = "{ROOT}/scenarios/topologies/cxl1.toml"\nkernels = ["famfs-v9"]\n'
                  '[[step]]\nname = "bring-up"\naction = "bringup"\n')
    r = famlab("check", sc)
    assert r.code == 2, r
    line = next(l for l in r.err.splitlines() if "famfs-v9" in l)
    assert line.startswith(f"{sc}:2:12: kernels: unknown kernel 'famfs-v9' (known: "), r
    for known in ("plain", "famfs", "famfs-v3", "famfs-rfc", "stock"):
        assert f" {known}," in line or f" {known})" in line, line

    r = famlab("run", sc, timeout=120)
    assert r.code == 2, r
    assert f"{sc}:2:12: kernels: unknown kernel 'famfs-v9'" in r.err, r
    assert not list(r.report_dir.rglob("serial.log")), "a VM was started for an unknown kernel"


def test_step_problems_point_at_the_key_and_are_not_repeated(famlab, tmp_path):
    topo = tmp_path / "topo.toml"
    topo.write_text('[[host_bridge]]\nid = "hb0"\n\n[[device]]\nid = "mem0"\nport = "hb0.rp0"\n'
                    'volatile = "300M"\n\n[[window]]\ntargets = ["hb0"]\n\n[[region]]\ndevices = ["mem0"]\n')
    sc = tmp_path / "sc.toml"
    sc.write_text(f'topology = "{topo}"\n\n[[step]]\nname = "up"\naction = "bringup"\n\n'
                  '[[step]]\nname = "write"\naction = "write_pattern"\nregion = 1000\n')
    r = famlab("check", sc)
    assert r.code == 2, r
    # The topology's one problem, at volatile; nothing about region 0 lacking
    # capacity, nothing about the step's region against a broken topology.
    assert r.err.splitlines() == [
        f"{topo}:7:1: device 'mem0': volatile = 300M is not a multiple of 256M (QEMU's CXL capacity unit)"], r
    topo.write_text(topo.read_text().replace("300M", "256M"))
    r = famlab("check", sc)
    assert r.code == 2, r
    assert r.err.splitlines() == [
        f"{sc}:10:1: step 'write': region 1000 does not exist in topology 'topo' (regions count from 0; it has 1)"], r
