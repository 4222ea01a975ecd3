"""Our famfs kernel against the review findings of issue 11 and the memory
failures of issue 13. Each scenario failed on the series before its fix
(kernel-config/patches/evidence.md has the failure lines) and must pass on
the series as shipped; the plain kernel runs the two that say what the
stock device_dax path does."""
import subprocess

import pytest

from conftest import FAMLAB, ROOT, Run

FAMFS_FINDINGS = ["famfs-daxdev-namespace", "famfs-unbind-race", "famfs-umount-unbind-race",
                  "famfs-copy-file-range", "famfs-multi-extent", "famfs-size-race", "famfs-create",
                  "famfs-file-times", "famfs-fsync", "famfs-device-cycles", "famfs-mapping-across-unbind",
                  "famfs-fallback-stale-cache", "famfs-poisoned-page", "devdax-poisoned-page",
                  "famfs-report-credentials"]
PLAIN = ["famfs-fallback-stale-cache", "devdax-poisoned-page"]


def run_on(tmp_path_factory, kernel, names):
    report_dir = tmp_path_factory.mktemp(f"findings-{kernel}") / "report"
    proc = subprocess.run([str(FAMLAB), "run", "--kernel", kernel, "--report-dir", str(report_dir),
                           *[str(ROOT / "scenarios" / f"{n}.toml") for n in names]],
                          capture_output=True, text=True, timeout=3600, cwd=ROOT)
    return Run(proc, report_dir)


@pytest.fixture(scope="module")
def famfs_run(tmp_path_factory):
    return run_on(tmp_path_factory, "famfs", FAMFS_FINDINGS)


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory):
    return run_on(tmp_path_factory, "plain", PLAIN)


def step(run, scenario, name, kernel):
    return next(s for s in run.scenario(scenario, kernel)["steps"] if s["name"] == name)


@pytest.mark.parametrize("name", FAMFS_FINDINGS)
def test_finding_scenario_passes_on_the_famfs_kernel(famfs_run, name):
    sc = famfs_run.scenario(name, "famfs")
    assert sc["status"] == "passed", f"{sc['message']}\n{famfs_run}"
    for s in sc["steps"]:
        assert not s.get("splats"), f"{name}/{s['name']}: {s['splats']}"


def test_a_poisoned_famfs_page_is_fenced_and_nothing_else(famfs_run):
    """No reader gets a poisoned page's bytes; the rest of the file, other
    files and the other device keep working (issue 13)."""
    out = step(famfs_run, "famfs-poisoned-page", "poison", "famfs")["output"]
    assert "pread of the poisoned page: rc=1" in out and "Input/output error" in out, out
    # A short read stops where the poisoned page starts.
    assert "pread across into the page returns 4096 bytes" in out, out
    # rc 135 = 128 + SIGBUS: a task touching the page through a mapping dies of it.
    assert "mapping, touching the page: rc=135" in out, out
    assert "madvise: touch 1056768: SIGBUS BUS_MCEERR_AR" in out, out
    assert "bytes after the page: intact" in out and "the other device's mount: intact" in out, out
    assert "fallback read of the poisoned page: rc=1" in out, out


@pytest.mark.parametrize("name", PLAIN)
def test_stock_path_scenarios_pass_on_plain(plain_run, name):
    sc = plain_run.scenario(name, "plain")
    assert sc["status"] == "passed", f"{sc['message']}\n{plain_run}"
