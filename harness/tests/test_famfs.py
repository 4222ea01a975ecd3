"""famfs in the lab: our server in the guest, on our three kernel variants
and Debian's stock kernel. The cap-drop matrix is the lab's own acceptance
test: the strict kernel passes, and each flawed variant fails on exactly the
cells that let an unprivileged server turn famfs on."""
import pytest

from conftest import ROOT

MATRIX = ROOT / "scenarios/cap-drop-matrix.toml"
UNPRIVILEGED = {"capset-effective-drop", "fusermount3-unprivileged", "unprivileged-with-dax-fd",
                "supervisor-mounts-for-unprivileged"}
# INIT answered with CAP_SYS_RAWIO, everything after it without (issue 11):
# famfs is on for the connection, but no map from those answers may count.
AFTER_INIT = {"capset-after-init", "fd-handed-over-after-init", "fd-cloned-after-init"}


def cells(run, kernel):
    sc = run.scenario("cap-drop-matrix", kernel)
    return {s["name"]: s for s in sc["steps"] if s["action"] == "famfs_mount"}


def test_strict_kernel_passes_every_cell(famlab):
    r = famlab("run", "--kernel", "famfs", MATRIX)
    assert r.code == 0, r
    c = cells(r, "famfs")
    # io_uring with a personality saved while privileged: the privileged
    # credentials are in effect for every reply, famfs is on (delegation).
    assert {n for n, s in c.items() if s["data"]["famfs"] == "on"} == \
        {"privileged", "bounding-set-only", "io-uring-personality"} | AFTER_INIT
    assert c["io-uring-personality"]["data"]["data_path"] == "dax"
    assert c["io-uring-personality"]["data"]["status"]["kernel_famfs"]["server_rawio"] == "1"
    assert all(c[n]["data"]["famfs"] == "off" for n in UNPRIVILEGED)
    # After INIT the kernel checks the task answering GET_FMAP: the unprivileged
    # answerer's files come through the server although famfs is on.
    assert all(c[n]["data"]["data_path"] == "server" for n in AFTER_INIT)
    # The report explains the seed's misleading experiment.
    assert "stayed effective" in c["bounding-set-only"]["output"]
    # Where famfs is off the probe came back through the server's READ.
    assert c["fusermount3-unprivileged"]["data"]["status"]["opcodes"]["READ"] > 0
    assert c["fusermount3-unprivileged"]["data"]["status"]["mount_method"] == "fusermount3"
    # Where it is on, through fs-dax: the server saw no READ, statx says DAX.
    for n in ("privileged", "bounding-set-only"):
        assert c[n]["data"]["data_path"] == "dax", c[n]["data"]["status"]["opcodes"]
        assert c[n]["data"]["files"][0]["dax"] is True
        assert c[n]["data"]["dax_mode"]["driver"] == "famfs_dax"
    assert all(c[n]["data"]["data_path"] == "server" for n in UNPRIVILEGED)


# famfs-v3 checks only the mounting task, famfs-rfc nothing; neither looks
# at who answers after INIT (the upstream behaviour these variants keep).
@pytest.mark.parametrize("kernel,bad_cells", [
    ("famfs-v3", {"fusermount3-unprivileged", "unprivileged-with-dax-fd", "supervisor-mounts-for-unprivileged"}),
    ("famfs-rfc", UNPRIVILEGED),
])
def test_flawed_variants_fail_naming_the_cells(famlab, kernel, bad_cells):
    r = famlab("run", "--kernel", kernel, MATRIX)
    assert r.code == 1, r
    c = cells(r, kernel)
    failed = {n for n, s in c.items() if s["status"] == "failed"}
    assert failed == bad_cells | AFTER_INIT
    assert all(c[n]["data"]["famfs"] == "on" for n in bad_cells | AFTER_INIT)
    text = r.junit.find(".//failure").text
    for cell in bad_cells:
        assert f"cell '{cell}' on kernel {kernel}: famfs on, expected off" in text
    for cell in AFTER_INIT:
        assert f"step '{cell}' on kernel {kernel}: expected data through server, but the server saw no READ" in text


def test_stock_kernel_never_offers_and_falls_back(famlab):
    r = famlab("run", "--kernel", "stock", MATRIX, ROOT / "scenarios/stock-kernel-fallback.toml",
               ROOT / "scenarios/reject-dax-fmap.toml")
    assert r.code == 0, r
    for name in ["cap-drop-matrix", "stock-kernel-fallback", "reject-dax-fmap"]:
        sc = r.scenario(name, "stock")
        for s in sc["steps"]:
            if s["action"] == "famfs_mount":
                assert s["data"]["famfs"] == "not-offered", s
                assert s["data"]["status"]["dax_fmap_offered"] is False
                assert s["data"]["data_ok"] is True


def test_reject_dax_fmap_on_a_kernel_that_offers_it(famlab):
    r = famlab("run", "--kernel", "famfs", ROOT / "scenarios/reject-dax-fmap.toml")
    assert r.code == 0, r
    step = next(s for s in r.scenario("reject-dax-fmap", "famfs")["steps"] if s["name"] == "decline")
    st = step["data"]["status"]
    assert st["dax_fmap_offered"] is True and st["dax_fmap_accepted"] is False
    assert st["kernel_famfs"]["offered"] == "1" and st["kernel_famfs"]["enabled"] == "0"
    assert st["opcodes"]["READ"] > 0
