"""make nightly: every lab variant's debug flavour (KASAN, lockdep, UBSAN,
kmemleak) on every shipped scenario that applies to it. The debug kernel
must judge each scenario exactly as the fast kernel does: the same cells of
the cap-drop matrix fail on the flawed variants (by design), everything else
passes, and no step carries a kernel report. Four cold debug builds and a
few hours of TCG: not in make test."""
import pytest

from conftest import ROOT

# Cells each variant fails by design (harness/tests/test_famfs.py).
UNPRIVILEGED = {"capset-effective-drop", "fusermount3-unprivileged", "unprivileged-with-dax-fd",
                "supervisor-mounts-for-unprivileged"}
AFTER_INIT = {"capset-after-init", "fd-handed-over-after-init", "fd-cloned-after-init"}
V3 = {"fusermount3-unprivileged", "unprivileged-with-dax-fd", "supervisor-mounts-for-unprivileged"}
EXPECTED_FAILURES = {
    "plain": set(),
    "famfs": set(),
    "famfs-v3": {("cap-drop-matrix", c) for c in V3 | AFTER_INIT},
    "famfs-rfc": {("cap-drop-matrix", c) for c in UNPRIVILEGED | AFTER_INIT},
}


@pytest.mark.nightly
@pytest.mark.parametrize("variant", sorted(EXPECTED_FAILURES))
def test_debug_flavour_judges_like_the_fast_kernel_and_stays_quiet(famlab, variant):
    r = famlab("run", "--kernel", variant, "--debug", ROOT / "scenarios", timeout=4 * 3600)
    assert r.code in (0, 1), r
    kernel = variant + "+debug"
    failed, splats = set(), []
    for sc in r.report["scenarios"]:
        assert sc["kernel"] == kernel, sc["kernel"]
        assert sc["status"] in ("passed", "failed"), (sc["name"], sc["message"])
        for st in sc["steps"]:
            if st["status"] == "failed":
                failed.add((sc["name"], st["name"]))
            splats += [(sc["name"], st["name"], sp["kind"], sp["title"]) for sp in st["splats"]]
    assert not splats, splats
    assert failed == EXPECTED_FAILURES[variant], failed
