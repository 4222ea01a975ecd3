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
