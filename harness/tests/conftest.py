"""End-to-end tests: the real famlab binary booting real QEMU (TCG) guests."""
import json
import os
import pathlib
import subprocess
import xml.etree.ElementTree as ET

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FAMLAB = pathlib.Path(os.environ.get("FAMLAB", ROOT / "build/release/lab/famlab")).resolve()


def pytest_configure(config):
    config.addinivalue_line("markers", "nightly: long runs for make nightly, left out of make test")


class Run:
    """A finished famlab invocation and what it left in its report dir."""

    def __init__(self, proc, report_dir):
        self.proc = proc
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.report_dir = report_dir

    @property
    def report(self):
        return json.loads((self.report_dir / "report.json").read_text())

    @property
    def junit(self):
        return ET.parse(self.report_dir / "junit.xml").getroot()

    def scenario(self, name, kernel=None):
        for s in self.report["scenarios"]:
            if s["name"] == name and (kernel is None or s["kernel"] == kernel):
                return s
        raise AssertionError(f"scenario {name} not in report: {self.out}\n{self.err}")

    def __repr__(self):
        return f"famlab exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


@pytest.fixture
def famlab(tmp_path):
    """famlab(*args) -> Run, with --report-dir in tmp_path for `run`."""
    assert FAMLAB.exists(), f"{FAMLAB} is not built (make build)"

    def call(*args, timeout=900):
        args = [str(a) for a in args]
        report_dir = tmp_path / "report"
        if args and args[0] == "run" and "--report-dir" not in args:
            args = ["run", "--report-dir", str(report_dir)] + args[1:]
        proc = subprocess.run([str(FAMLAB), *args], capture_output=True, text=True,
                              timeout=timeout, cwd=ROOT)
        return Run(proc, report_dir)

    return call


def qemu_processes_with(marker):
    """PIDs of live (non-zombie) QEMU processes whose command line holds marker."""
    pids = []
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (d / "stat").read_text().split(") ")[1].split()[0]
        except OSError:
            continue
        if "qemu-system" in cmd and marker in cmd and state != "Z":
            pids.append(int(d.name))
    return pids
