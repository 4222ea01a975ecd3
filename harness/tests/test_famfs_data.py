"""famfs data path (issue 5): file bytes go from the application straight to
the emulated CXL memory through fs-dax; the server only hands out maps.
interleaved-reads checks data, the server's silence, statx DAX and, on the
host, where every word landed; malformed-maps checks that each bad map is
refused at open without a splat."""
import subprocess

import pytest

from conftest import FAMLAB, ROOT, Run

INTERLEAVED = ["interleaved-reads-1way", "interleaved-reads-2way-1hb-g256", "interleaved-reads-2way-1hb-g4096",
               "interleaved-reads-2way-2hb-g4096"]
BAD_FMAP = ["overlap", "beyond-device", "misaligned-offset", "misaligned-length", "zero-extents",
            "huge-extent-count", "too-many-extents", "too-many-strips", "chunk-zero", "chunk-not-pow2",
            "short-reply", "wrong-file-size", "devindex-beyond-table", "devindex-unknown", "zero-length-extent",
            "extent-wraps", "short-coverage", "reserved-header", "reserved-extent", "reserved-interleave",
            "strips-zero", "huge-strip-count"]
# The errno each kind's open must fail with: EINVAL for a malformed map,
# ENODEV when GET_DAXDEV fails for a device the server does not serve.
OPEN_ERRNO = {kind: "EINVAL" for kind in BAD_FMAP} | {"devindex-unknown": "ENODEV"}
FILES = {"simple": 6 << 20, "i2": 7 << 20, "i3": 13 << 20, "i4": 17 << 20}


def famlab_run(tmp_path_factory, kernel, names, timeout=1800):
    report_dir = tmp_path_factory.mktemp(f"data-{kernel}") / "report"
    proc = subprocess.run([str(FAMLAB), "run", "--kernel", kernel, "--report-dir", str(report_dir),
                           *[str(ROOT / "scenarios" / f"{n}.toml") for n in names]],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    return Run(proc, report_dir)


@pytest.fixture(scope="module")
def famfs_run(tmp_path_factory):
    """Every interleaved-reads topology and malformed-maps on the famfs kernel."""
    return famlab_run(tmp_path_factory, "famfs", INTERLEAVED + ["malformed-maps", "famfs-device-lifecycle",
                                                             "famfs-two-devices", "famfs-page-cache-guards"])


@pytest.fixture(scope="module")
def rfc_run(tmp_path_factory):
    """The RFC kernel: the cross-host-bridge topology and malformed-maps."""
    return famlab_run(tmp_path_factory, "famfs-rfc", ["interleaved-reads-2way-2hb-g4096", "malformed-maps"])


def step(run, scenario, kernel, name):
    return next(s for s in run.scenario(scenario, kernel)["steps"] if s["name"] == name)


def check_interleaved(run, scenario, kernel):
    files = step(run, scenario, kernel, "files")
    assert files["status"] == "passed", files
    d = files["data"]
    assert d["famfs"] == "on" and d["data_path"] == "dax"
    ops = d["status"]["opcodes"]
    assert ops.get("READ", 0) == 0 and ops.get("WRITE", 0) == 0, ops
    assert ops.get("GET_FMAP", 0) >= len(FILES) and ops.get("GET_DAXDEV", 0) >= 1, ops
    assert d["dax_mode"]["driver"] == "famfs_dax"
    by_name = {f["name"]: f for f in d["files"]}
    assert set(by_name) == set(FILES)
    for name, size in FILES.items():
        f = by_name[name]
        assert f["ok"] and f["dax"] and f["write_ok"] and f["read_ok"] and f["pread_ok"] and f["mmap_ok"], f
        # three reads across each inner 2 MiB boundary, then the start and the end
        assert f["pread_checks"] == 3 * ((size - 1) // (2 << 20)) + 2, f
    assert {f["name"]: f["map"]["kind"] for f in d["files"]}["i4"] == "interleaved"
    # The host oracle read every word of every file from the backing files.
    assert d["placement"]["misplaced"] == 0
    assert d["placement"]["bytes"] == sum(FILES.values())


@pytest.mark.parametrize("scenario", INTERLEAVED)
def test_interleaved_reads_through_dax_land_where_both_interleaves_say(famfs_run, scenario):
    assert famfs_run.scenario(scenario, "famfs")["status"] == "passed", famfs_run
    check_interleaved(famfs_run, scenario, "famfs")


def test_devdax_works_again_after_a_famfs_step(famfs_run):
    write = step(famfs_run, "interleaved-reads-1way", "famfs", "devdax-after-famfs")
    assert write["status"] == "passed", write
    assert write["data"]["dax_mode"]["driver"] == "device_dax"
    placement = step(famfs_run, "interleaved-reads-1way", "famfs", "devdax-placement")
    assert placement["data"]["misplaced"] == 0


def check_malformed(run, kernel):
    sc = run.scenario("malformed-maps", kernel)
    cells = {s["name"]: s for s in sc["steps"] if s["action"] == "famfs_mount"}
    assert set(cells) == set(BAD_FMAP)
    for kind, s in cells.items():
        assert s["status"] == "passed", (kind, s["message"])
        assert not s["splats"], (kind, s["splats"])
        assert all(f["open_errno_name"] == OPEN_ERRNO[kind] for f in s["data"]["files"]), (kind, s["data"]["files"])
        assert s["data"]["status"]["opcodes"].get("READ", 0) == 0, kind
    log = next(s for s in sc["steps"] if s["name"] == "kernel-log")
    assert log["status"] == "passed", log["message"]


def test_every_malformed_map_is_refused_cleanly_on_famfs(famfs_run):
    assert famfs_run.scenario("malformed-maps", "famfs")["status"] == "passed", famfs_run
    check_malformed(famfs_run, "famfs")


def test_rfc_kernel_reads_across_host_bridges_and_refuses_malformed_maps(rfc_run):
    assert rfc_run.code == 0, rfc_run
    check_interleaved(rfc_run, "interleaved-reads-2way-2hb-g4096", "famfs-rfc")
    check_malformed(rfc_run, "famfs-rfc")


def test_devices_are_refused_held_and_given_up_safely(famfs_run):
    """device_dax cannot serve famfs, a second connection cannot take a held
    device, and an unbind under an open file stops it without a splat."""
    sc = famfs_run.scenario("famfs-device-lifecycle", "famfs")
    assert sc["status"] == "passed", famfs_run
    out = step(famfs_run, "famfs-device-lifecycle", "famfs", "lifecycle")["output"]
    assert "read-after-unbind: rc=1" in out and "after-rebind: intact" in out, out
    assert not any(s["splats"] for s in sc["steps"])
    out = step(famfs_run, "famfs-device-lifecycle", "famfs", "chardev-bounds")["output"]
    assert "last-byte: touch" in out and ": ok" in out and "past-end: touch" in out and "SIGBUS" in out, out


def test_page_cache_never_mixes_with_a_famfs_map(famfs_run):
    """Page cache a server pushes before the map makes the famfs open refuse
    (EBUSY); a push over a mapped file is refused (EINVAL)."""
    sc = famfs_run.scenario("famfs-page-cache-guards", "famfs")
    assert sc["status"] == "passed", famfs_run
    out = step(famfs_run, "famfs-page-cache-guards", "famfs", "guards")["output"]
    assert "store-before-map: open rc=1" in out and "Device or resource busy" in out, out
    assert '"notify_store":{"EINVAL":1}' in out and "store-over-map: still intact" in out, out


def test_one_connection_serves_files_from_two_devices(famfs_run):
    """A file whose map names device index 1 is read and written on dax1.0."""
    sc = famfs_run.scenario("famfs-two-devices", "famfs")
    assert sc["status"] == "passed", famfs_run
    out = step(famfs_run, "famfs-two-devices", "famfs", "two-devices")["output"]
    assert "far: bytes are on dax1.0" in out and '"GET_DAXDEV": 2' in out, out
