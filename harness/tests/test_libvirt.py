"""famlab through libvirt, against a libvirt daemon of our own.

The daemon is started by scripts/private-libvirtd, the script the README
gives for trying libvirt by hand: Debian's libvirtd in system mode (what
runs here without systemd), in a private mount namespace so that its
configuration, sockets, state and logs all live in a temporary directory:
nothing of the machine's own libvirt setup is used or changed. It listens on
unix sockets only, runs QEMU as Debian's libvirt-qemu user like a real host
would, does not see /dev/kvm, and is stopped at the end. Two URIs to its
socket count as two hosts of a pool.

What is checked: the default scenarios give the same results through libvirt
as with QEMU directly; a pool spreads them, keeps its per-host limit, moves
work away from a host that is down and from one that refuses; interrupts
destroy the domains; after a SIGKILL the domains survive and `famlab gc`
removes exactly them."""
import ctypes
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import pathlib

import pytest

from conftest import FAMLAB, ROOT, Run, qemu_processes_with

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the private libvirtd needs root (system mode in its own mount namespace)")

# The daemon the README documents for trying libvirt by hand: the tests use
# exactly that script.
PRIVATE_LIBVIRTD = ROOT / "scripts" / "private-libvirtd"


def die_with_parent():
    """In the child: SIGKILL when pytest goes away, however it goes."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Daemon:
    def __init__(self, base, proc):
        self.base = base
        self.proc = proc
        self.socket = base / "run" / "libvirt-sock"
        # Two spellings of the same daemon: two hosts for the pool.
        self.uri = f"qemu:///system?socket={self.socket}"
        self.uri2 = f"qemu+unix:///system?socket={self.socket}"

    def virsh(self, *args, check=True):
        return subprocess.run(["virsh", "-q", "-c", self.uri, *args], capture_output=True, text=True,
                              timeout=60, check=check)

    def domains(self, prefix="famlab-", running=False):
        out = self.virsh("list", "--name", *(["--state-running"] if running else [])).stdout
        return [n for n in out.split() if n.startswith(prefix)]


def start_daemon(base, cache=None):
    """A private libvirtd with its state in base (cache: share another
    daemon's QEMU capabilities cache instead of probing again)."""
    for tool in ("libvirtd", "virsh", "unshare"):
        assert shutil.which(tool), f"{tool} is missing (make deps)"
    if cache is not None and not (base / "cache").is_symlink():
        if (base / "cache").exists():
            (base / "cache").rmdir()
        (base / "cache").symlink_to(cache)
    with open(base / "daemon.out", "a") as log:
        # The script execs into libvirtd: proc.pid is the daemon's pid.
        proc = subprocess.Popen([str(PRIVATE_LIBVIRTD), str(base)], stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=die_with_parent)
    d = Daemon(base, proc)
    deadline = time.monotonic() + 30
    while not d.socket.exists() or d.virsh("version", check=False).returncode != 0:
        assert proc.poll() is None, (base / "daemon.out").read_text()
        assert time.monotonic() < deadline, "libvirtd did not come up"
        time.sleep(0.1)
    # The first capabilities probe runs QEMU a few times; do it now, not
    # inside the first scenario's boot.
    d.virsh("capabilities")
    return d


def stop_daemon(d):
    """Destroys whatever runs on it, then stops it. Returns the domains that
    were still there."""
    leftovers = []
    if d.proc.poll() is None:
        leftovers = d.domains(prefix="")
        for name in leftovers:
            d.virsh("destroy", name, check=False)
        d.proc.terminate()
        try:
            d.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            d.proc.kill()
            d.proc.wait()
    if d.socket.exists():
        d.socket.unlink()
    return leftovers


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    d = start_daemon(tmp_path_factory.mktemp("libvirtd"))
    try:
        yield d
    finally:
        leftovers = stop_daemon(d)
        assert d.proc.returncode is not None
        assert not leftovers, f"domains left on the test daemon: {leftovers}"


@pytest.fixture(scope="module")
def run_base():
    """TMPDIR for famlab: its run directories go here. libvirt-qemu must be
    able to get through it (0711), and QEMU command lines then carry this
    path, which finds our QEMU processes."""
    base = pathlib.Path(tempfile.mkdtemp(prefix="famlab-lvtest-", dir="/tmp"))
    base.chmod(0o711)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def run_dirs(base):
    return [p for p in base.iterdir() if p.name.startswith("famlab-run-")]


def famlab_run(report_dir, run_base, *args, timeout=900):
    env = dict(os.environ, TMPDIR=str(run_base))
    proc = subprocess.run([str(FAMLAB), "run", "--report-dir", str(report_dir), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    return Run(proc, report_dir)


def famlab_gc(daemon, *args):
    return subprocess.run([str(FAMLAB), "gc", "--connect", daemon.uri, *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def outcome(run):
    """Per scenario (in order): status and each step's (name, status)."""
    return [(s["name"], s["kernel"], s["status"], [(st["name"], st["status"]) for st in s["steps"]])
            for s in run.report["scenarios"]]


def guest_view(sc):
    """What the guest saw of its hardware at bring-up: devices by serial and
    size, regions with their host physical address, ways, granularity and
    targets by serial. (memN names are not stable across boots: the kernel
    probes devices asynchronously, so they are left out.)"""
    view = next(st["data"] for st in sc["steps"] if st["action"] == "bringup")
    memdevs = sorted((m["serial"], m["ram_size"], m["pmem_size"]) for m in view["memdevs"])
    regions = [(r["resource"], r["size"], r["ways"], r["granularity"], r["target_serials"], r["dax"]["mode"],
                r["dax"]["size"]) for r in view["regions"]]
    return memdevs, regions, view["mismatches"], view["pmem"]


@pytest.fixture(scope="module")
def qemu_suite(tmp_path_factory):
    """The default scenarios (`famlab run scenarios/`) with QEMU directly."""
    report = tmp_path_factory.mktemp("qemu-suite") / "report"
    proc = subprocess.run([str(FAMLAB), "run", "--report-dir", str(report), "scenarios/"], capture_output=True,
                          text=True, timeout=900, cwd=ROOT)
    return Run(proc, report)


@pytest.fixture(scope="module")
def libvirt_suite(daemon, run_base, tmp_path_factory):
    """The same scenarios through the test daemon."""
    report = tmp_path_factory.mktemp("libvirt-suite") / "report"
    run = famlab_run(report, run_base, "--backend", "libvirt", "--connect", daemon.uri, "scenarios/")
    run.domains_after = daemon.domains()
    run.run_dirs_after = run_dirs(run_base)
    run.qemu_after = qemu_processes_with(str(run_base))
    return run


def test_daemon_is_private_and_listens_on_unix_sockets_only(daemon):
    pid = daemon.proc.pid
    assert (pathlib.Path(f"/proc/{pid}/exe").resolve().name) == "libvirtd"
    inodes = set()
    for fd in pathlib.Path(f"/proc/{pid}/fd").iterdir():
        try:
            m = re.match(r"socket:\[(\d+)\]", os.readlink(fd))
        except OSError:
            continue
        if m:
            inodes.add(m.group(1))
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in pathlib.Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if f[3] == "0A" and f[9] in inodes:  # LISTEN
                listening.append(f[1])
    assert listening == [], f"libvirtd listens on TCP: {listening}"
    assert (daemon.socket.stat().st_mode & 0o777) == 0o700
    assert f"qemu:///system?socket={daemon.socket}" in (daemon.base / "daemon.out").read_text()
    # Its configuration is the script's, in the temporary directory, and it
    # sees that directory as /etc/libvirt and /run/libvirt (its own mount
    # namespace: the machine's /etc/libvirt is untouched).
    root = pathlib.Path(f"/proc/{pid}/root")
    assert os.readlink(f"/proc/{pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt")
    conf = (daemon.base / "etc" / "libvirtd.conf").read_text()
    assert "listen_tcp = 0" in conf and 'unix_sock_rw_perms = "0700"' in conf
    assert (root / "etc/libvirt/libvirtd.conf").read_text() == conf
    assert (root / "run/libvirt/libvirt-sock").stat().st_ino == daemon.socket.stat().st_ino
    assert "namespaces = [ ]" in (daemon.base / "etc" / "qemu.conf").read_text()
    # /dev/kvm is hidden from it (an empty file), not from us.
    if os.path.exists("/dev/kvm"):
        assert stat.S_ISCHR(os.stat("/dev/kvm").st_mode)
        assert stat.S_ISREG((root / "dev/kvm").stat().st_mode)


def test_default_suite_gives_the_same_results_as_qemu(qemu_suite, libvirt_suite, daemon):
    assert qemu_suite.code == 0, qemu_suite
    assert libvirt_suite.code == 0, libvirt_suite
    assert len(outcome(qemu_suite)) >= 4
    assert outcome(libvirt_suite) == outcome(qemu_suite)
    for q, lv in zip(qemu_suite.report["scenarios"], libvirt_suite.report["scenarios"]):
        # The guest sees the same hardware: same devices, regions, addresses.
        assert guest_view(lv) == guest_view(q), q["name"]
        assert q["backend"] == "qemu" and q["host"] == ""
        assert lv["backend"] == "libvirt" and lv["host"] == daemon.uri
        # One domain per guest, named after scenario, kernel and guest.
        domains = lv["domain"].split(", ")
        suffixes = [f"{q['name']}-plain-{g.split()[0]}" for g in q["guests"]] or [q["name"] + "-plain"]
        assert len(domains) == len(suffixes), lv["domain"]
        for d, suffix in zip(domains, suffixes):
            assert d.startswith("famlab-") and d.endswith(suffix), (d, suffix)
        assert lv["attempts"] == []
    # junit names the host of every testcase.
    hosts = {p.get("value") for p in libvirt_suite.junit.iter("property") if p.get("name") == "host"}
    assert hosts == {daemon.uri}


def test_domain_xml_is_in_the_artifacts(libvirt_suite):
    sc = libvirt_suite.scenario("interleave-2way-2hb")
    art = pathlib.Path(sc["artifacts"])
    ours = (art / "domain.xml").read_text()
    assert "<acpi/>" in ours and "famlab:run" in ours and "pxb-cxl" in ours
    live = (art / "domain-live.xml").read_text()  # what libvirt made of it
    assert f"<name>{sc['domain']}</name>" in live
    assert "qemu:commandline" in live
    assert "Linux version" in (art / "serial.log").read_text() + (art / "dmesg.log").read_text()


def test_suite_leaves_nothing_behind(libvirt_suite):
    assert libvirt_suite.domains_after == []
    assert libvirt_suite.run_dirs_after == []
    assert libvirt_suite.qemu_after == []


def test_pool_spreads_scenarios_and_moves_them_off_bad_hosts(daemon, run_base, qemu_suite, tmp_path,
                                                              tmp_path_factory):
    """Five hosts: two connections to the test daemon (the pool's workers),
    a second daemon that dies while it runs a guest, libvirt's in-process
    test driver (connects, then refuses every famlab domain) and a socket
    nobody listens on. Every scenario runs, once to the end, on one of the
    two good hosts; the report says where, and why not elsewhere."""
    lost = start_daemon(tmp_path_factory.mktemp("libvirtd-lost"), cache=daemon.base / "cache")
    down = f"qemu:///system?socket={daemon.base}/nobody-listens"
    hosts = [daemon.uri, daemon.uri2 + "#1", lost.uri, "test:///default", down]
    seen, stop = [], threading.Event()

    def watch():  # how many famlab guests the test daemon runs at once
        while not stop.is_set():
            seen.append(len(daemon.domains()))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        env = dict(os.environ, TMPDIR=str(run_base))
        args = [a for h in hosts for a in ("--connect", h)]
        proc = subprocess.Popen([str(FAMLAB), "run", "--report-dir", str(tmp_path / "report"), *args,
                                 "--per-host", "1", "--cold", "scenarios/"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        # The second daemon dies while its guest runs (libvirt's QEMU lives on).
        assert wait_for(lambda: lost.domains(running=True) or proc.poll() is not None, 300)
        assert proc.poll() is None and lost.domains(), "the second daemon never got a guest"
        orphan = lost.domains()
        time.sleep(2.0)
        lost.proc.kill()
        lost.proc.wait()
        out, err = proc.communicate(timeout=900)
        run = Run(subprocess.CompletedProcess(proc.args, proc.returncode, out, err), tmp_path / "report")
    finally:
        stop.set()
        watcher.join()
        if proc.poll() is None:
            proc.kill()

    try:
        assert run.code == 0, run
        assert outcome(run) == outcome(qemu_suite)
        report = run.report
        assert {s["host"] for s in report["scenarios"]} == {daemon.uri, daemon.uri2}  # both, no other
        assert max(seen) == 2, seen  # one guest per host at a time, two at once
        by_uri = {h["uri"]: h for h in report["hosts"]}
        # Each scenario ran once to the end, on the host the report names.
        ran = [name for h in report["hosts"] for name in h["scenarios"]]
        assert sorted(ran) == sorted(f"{s['name']} [{s['kernel']}]" for s in report["scenarios"])
        for s in report["scenarios"]:
            assert f"{s['name']} [{s['kernel']}]" in by_uri[s["host"]]["scenarios"]
        assert "cannot connect" in by_uri[down]["down"] and by_uri[down]["scenarios"] == []
        assert f"host {down}: 0 scenario(s), DOWN" in run.out
        assert by_uri["test:///default"]["scenarios"] == []
        # The refused scenarios say so and ran elsewhere.
        refused = [s for s in report["scenarios"] if any("test:///default" in a for a in s["attempts"])]
        assert refused, report["scenarios"]
        for s in refused:
            assert any("cannot start domain" in a for a in s["attempts"]), s["attempts"]
        # The one cut short by the dying daemon ran again, and says so.
        assert "lost while domain" in by_uri[lost.uri]["down"]
        again = [s for s in report["scenarios"] if any(lost.uri in a for a in s["attempts"])]
        assert len(again) == 1, report["scenarios"]
        assert orphan[0].endswith(again[0]["name"] + "-plain")
        assert any("lost while domain" in a for a in again[0]["attempts"])
        assert again[0]["status"] == "passed"
        assert daemon.domains() == [] and run_dirs(run_base) == []

        # Back up, the second daemon still has the guest of the dead
        # connection: a leftover famlab gc removes.
        lost = start_daemon(lost.base, cache=daemon.base / "cache")
        assert lost.domains() == orphan
        gc = famlab_gc(lost)
        assert gc.returncode == 0 and f"removed {orphan[0]}" in gc.stdout, gc.stdout + gc.stderr
        assert lost.domains() == []
        assert wait_for(lambda: qemu_processes_with(str(run_base)) == [], 10)
    finally:
        if lost.proc.poll() is not None:  # a failure above: bring it back to destroy its guest
            lost = start_daemon(lost.base, cache=daemon.base / "cache")
        stop_daemon(lost)


def start_pool_run(daemon, run_base, report_dir):
    """A pool run in the background, returned once it has two guests up
    (cold: a restored guest may be gone before it is looked at)."""
    env = dict(os.environ, TMPDIR=str(run_base))
    proc = subprocess.Popen([str(FAMLAB), "run", "--report-dir", str(report_dir), "--connect", daemon.uri,
                             "--connect", daemon.uri2, "--cold", "scenarios/"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    deadline = time.monotonic() + 300
    while len(daemon.domains()) < 2 or len(qemu_processes_with(str(run_base))) < 2:
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "the pool never had two guests"
        time.sleep(0.2)
    time.sleep(1.0)
    return proc


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)
    return predicate()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_destroys_the_domains(daemon, run_base, tmp_path, sig):
    proc = start_pool_run(daemon, run_base, tmp_path / "report")
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2, out
    assert "interrupted" in out
    assert daemon.domains() == []
    assert wait_for(lambda: qemu_processes_with(str(run_base)) == [], 10)
    assert run_dirs(run_base) == []
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert {s["status"] for s in report["scenarios"]} <= {"error", "skipped"}
    assert len(report["scenarios"]) >= 4  # the ones never started are there too


def test_sigkill_leaves_domains_that_gc_removes_and_nothing_else(daemon, run_base, tmp_path):
    # A domain with our prefix that famlab did not start: gc must keep it.
    foreign = tmp_path / "foreign.xml"
    foreign.write_text("<domain type='qemu'><name>famlab-not-ours</name><memory unit='MiB'>64</memory>"
                       "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
                       "<devices><controller type='usb' model='none'/><memballoon model='none'/></devices>"
                       "</domain>")
    daemon.virsh("create", str(foreign), "--paused")
    try:
        proc = start_pool_run(daemon, run_base, tmp_path / "report")
        ours = [d for d in daemon.domains() if d != "famlab-not-ours"]
        assert len(ours) == 2
        run_id = ours[0].split("-")[1]

        # While famlab runs, its domains are not garbage.
        live = famlab_gc(daemon)
        assert live.returncode == 0, live.stdout + live.stderr
        assert live.stdout.count("is still running") == 2, live.stdout
        assert "removed famlab" not in live.stdout

        proc.kill()
        proc.wait(timeout=10)
        time.sleep(1.0)
        # libvirt owns QEMU: the guests outlive famlab.
        left = [d for d in daemon.domains() if d.startswith(f"famlab-{run_id}-")]
        assert sorted(left) == sorted(ours)
        assert len(qemu_processes_with(str(run_base))) == 2
        assert len(run_dirs(run_base)) == 2

        dry = famlab_gc(daemon, "--dry-run")
        assert dry.returncode == 0 and dry.stdout.count("would remove famlab-") == 2, dry.stdout
        assert len(daemon.domains()) == 3

        gc = famlab_gc(daemon)
        assert gc.returncode == 0, gc.stdout + gc.stderr
        for d in ours:
            assert f"removed {d}: run {run_id}" in gc.stdout
        assert "kept famlab-not-ours: no famlab metadata" in gc.stdout
        assert "2 removed, 1 kept" in gc.stdout
        assert daemon.domains() == ["famlab-not-ours"]
        assert wait_for(lambda: qemu_processes_with(str(run_base)) == [], 10)
        assert run_dirs(run_base) == []  # the crashed run's directories went too

        again = famlab_gc(daemon)
        assert "0 removed, 1 kept" in again.stdout
    finally:
        daemon.virsh("destroy", "famlab-not-ours", check=False)


def test_bad_uri_and_a_daemon_that_is_down_are_clear_errors(daemon, run_base, tmp_path):
    r = subprocess.run([str(FAMLAB), "run", "--connect", "localhost", "scenarios/boot-and-devdax.toml"],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "'localhost': not a libvirt URI" in r.stderr, r.stderr

    down = f"qemu:///system?socket={daemon.base}/nobody-listens"
    run = famlab_run(tmp_path / "report", run_base, "--connect", down, "scenarios/boot-and-devdax.toml")
    assert run.code == 2, run
    line = next(l for l in run.out.splitlines() if "host unavailable" in l)
    assert down in line and "cannot connect" in line and "No such file or directory" in line
    sc = run.scenario("boot-and-devdax")
    assert sc["status"] == "error" and down in sc["message"]
    assert run_dirs(run_base) == []

    gc = subprocess.run([str(FAMLAB), "gc", "--connect", down], capture_output=True, text=True, timeout=60)
    assert gc.returncode == 2
    assert gc.stderr.strip().count("\n") == 0 and down in gc.stderr and "cannot connect" in gc.stderr

    both = subprocess.run([str(FAMLAB), "run", "--backend", "qemu", "--connect", daemon.uri,
                           "scenarios/boot-and-devdax.toml"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert both.returncode == 2 and "--backend libvirt" in both.stderr


def test_kernel_panic_is_reported_from_the_libvirt_console(daemon, run_base, tmp_path):
    """The panic text comes through virDomainOpenConsole before the domain
    goes away; it is a panic, not a timeout, and the domain is gone."""
    f = tmp_path / "panic.toml"
    f.write_text(f'name = "lv-panic"\ntopology = "{ROOT}/scenarios/topologies/cxl1.toml"\nkernels = ["plain"]\n'
                 '\n[[step]]\nname = "provoke-panic"\ntimeout = 120\nrun = "mount -t debugfs none '
                 '/sys/kernel/debug 2>/dev/null; echo PANIC > /sys/kernel/debug/provoke-crash/DIRECT"\n')
    t0 = time.monotonic()
    run = famlab_run(tmp_path / "report", run_base, "--connect", daemon.uri, f)
    assert run.code == 1, run
    assert time.monotonic() - t0 < 100, "the panic was noticed as a timeout"
    step = run.report["scenarios"][0]["steps"][-1]
    assert step["status"] == "failed" and "kernel panic" in step["message"], step
    serial = (tmp_path / "report" / "lv-panic-plain" / "serial.log").read_text()
    assert "Kernel panic" in serial
    assert daemon.domains() == [] and run_dirs(run_base) == []


def test_a_libvirt_guest_restores_from_a_snapshot_like_a_direct_one(daemon, run_base, qemu_suite, tmp_path):
    """Through libvirt the snapshot is saved over the domain's monitor into
    its run directory and moved into the cache; a restore stages it in the
    run directory and QEMU loads it (-incoming in qemu:commandline). The
    restored run matches a cold one, and its key is not the direct
    backend's: libvirt writes its own QEMU command."""
    f = ROOT / "scenarios" / "boot-and-devdax.toml"
    cold = famlab_run(tmp_path / "cold", run_base, "--connect", daemon.uri, "--cold", "--kernel", "plain", f)
    assert cold.code == 0, cold
    runs = [famlab_run(tmp_path / f"warm{i}", run_base, "--connect", daemon.uri, "--kernel", "plain", f)
            for i in range(2)]
    for r in runs:
        assert r.code == 0, r
    boots = [r.report["scenarios"][0]["steps"][0] for r in runs]
    snaps = [b["data"]["snapshot"] for b in boots]
    assert "restored" in snaps[1], boots[1]  # the first run took it, or restored one taken before
    assert "taken" in snaps[0] or "restored" in snaps[0], boots[0]
    key = snaps[1]["restored"]
    direct = qemu_suite.scenario("boot-and-devdax")["steps"][0]["data"]["snapshot"]
    assert key != direct.get("restored", direct.get("taken")), (snaps, direct)
    warm = runs[1].report["scenarios"][0]
    assert outcome(runs[1]) == outcome(cold)
    assert guest_view(warm) == guest_view(cold.report["scenarios"][0])
    art = pathlib.Path(warm["artifacts"])
    assert re.search(r"<qemu:arg value='-incoming'/>\s*<qemu:arg value='file:[^']*/boot-state.mig'/>",
                     (art / "domain.xml").read_text())
    assert "restored from the snapshot in" in (art / "serial.log").read_text()
    assert daemon.domains() == [] and run_dirs(run_base) == []
