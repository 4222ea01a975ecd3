#!/usr/bin/env python3
"""make bench: famlab's figures as JSON lines.

- boot_to_devdax_ready: host seconds from QEMU start to the agent reporting
  every region as devdax, median of 5 boots, per kernel;
- devdax bandwidth through the agent's mmap pattern writer/reader (MB/s);
- default_suite_wall: one `famlab run scenarios/` on the lab kernel;
- kernel_no_change_rebuild: `famlab kernel build` with nothing changed;
- the famfs data path (famfs-bandwidth.toml, kernel famfs), median of RUNS
  guests, all measured by famlab-bw on the same region in the same guest:
  raw devdax mmap, a famfs file over fs-dax (read/write(2) and mmap), and
  the same file through the server's READ/WRITE (fallback); plus the ratio
  famfs/raw that issue 5 targets (>= 0.9);
- famfs_host_read_bandwidth: the same famfs file read on the master and on
  a client (two guests, one shared device), median of RUNS;
- multi_guest_ready: wall time from start to every guest brought up, for
  1, 2 and 4 guests booted side by side sharing one CXL device, median of 3;
- fast_vs_debug: boot to ready and the wall time of the shipped famfs
  scenarios (DEBUG_SCENARIOS) on famfs and on famfs+debug, run one after
  the other on this machine, with the ratio;
- fmap_fuzz_rate: maps per second of fmap-fuzz (10,000 maps, famfs);
- ready_by_topology: boot to devdax ready for 1 device (cxl1) and 4 devices
  (cxl4-switch), median of RUNS, one after the other;
- suite_jobs: the default suite's wall time with -j 1 and -j 2;
- boot_breakdown: where boot to ready goes, per topology, median of RUNS:
  QEMU and firmware (host boot time minus the guest's uptime at the hello),
  the kernel until /init, /init until the agent's hello, the bring-up
  (regions and devdax), and the kernel's longest silences before /init
  (the line after which the time went);
- snapshot_start: scenario start to its first step (the boot step) and to
  devdax ready, cold (--cold) and restored from a snapshot, side by side,
  median of RUNS, per topology; and what taking the snapshot cost;
- libvirt_snapshot_start: the same through a private libvirtd
  (scripts/private-libvirtd), one device, with famlab's own wall time;
- matrix_wall: every shipped scenario on every kernel it lists, once
  --cold, once taking snapshots (an empty snapshot store), once restoring
  them: the nightly's wall time before and after snapshots.

Boot figures other than snapshot_start and matrix_wall are cold boots
(--cold). `bench.py NAME...` runs only the named groups (see GROUPS).
"""
import json
import os
import re
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
FAMLAB = os.environ.get("FAMLAB", str(ROOT / "build/release/lab/famlab"))
READY = ROOT / "harness/bench/ready.toml"
FAMFS_BW = ROOT / "harness/bench/famfs-bandwidth.toml"
FAMFS_HOSTS_BW = ROOT / "harness/bench/famfs-hosts-bandwidth.toml"
RUNS = int(os.environ.get("FAMLAB_BENCH_RUNS", "5"))
# Every kernel the shipped scenarios list: each runs on those of them it names.
MATRIX_KERNELS = ["plain", "stock", "famfs", "famfs-v3", "famfs-rfc"]


def famlab_run(*args):
    with tempfile.TemporaryDirectory() as d:
        t0 = time.monotonic()
        p = subprocess.run([FAMLAB, "run", "--report-dir", d, *map(str, args)], capture_output=True, text=True)
        wall = time.monotonic() - t0
        if p.returncode != 0:
            sys.exit(f"famlab run {' '.join(map(str, args))} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return json.loads(pathlib.Path(d, "report.json").read_text()), wall


def emit(**kv):
    print(json.dumps(kv), flush=True)


def kernel_cache_hit(variant):
    """Seconds for `famlab kernel build` when nothing changed (a cache hit)."""
    subprocess.run([FAMLAB, "kernel", "build", "--variant", variant], capture_output=True, check=True)
    t0 = time.monotonic()
    subprocess.run([FAMLAB, "kernel", "build", "--variant", variant], capture_output=True, check=True)
    return time.monotonic() - t0


def famfs_bandwidth():
    """{(step, method, direction): [MB/s per run]} from famfs-bandwidth.toml."""
    famlab_run("--kernel", "famfs", FAMFS_BW)  # warm the caches
    figures = {}
    for _ in range(RUNS):
        rep, _ = famlab_run("--kernel", "famfs", FAMFS_BW)
        for step in rep["scenarios"][0]["steps"]:
            for line in step.get("output", "").splitlines():
                if line.startswith("{"):
                    j = json.loads(line)
                    figures.setdefault((step["name"], j["method"], j["direction"]), []).append(j["mb_per_s"])
    med = {k: statistics.median(v) for k, v in figures.items()}
    for (step, method, direction), v in sorted(figures.items()):
        emit(metric=f"{step}_{method}_{direction}_bandwidth", kernel="famfs", unit="MB/s",
             median=round(med[(step, method, direction)], 1), runs=[round(x, 1) for x in v])
    for direction in ["read", "write"]:
        raw = med[("raw-devdax", "mmap", direction)]
        for method in ["io", "mmap"]:
            emit(metric=f"famfs_over_raw_{method}_{direction}", kernel="famfs", unit="ratio", target=0.9,
                 value=round(med[("famfs-dax", method, direction)] / raw, 2))


def json_lines(step):
    for line in step.get("output", "").splitlines():
        if line.startswith("{"):
            yield json.loads(line)


def famfs_host_bandwidth():
    """The same file read on the master and on a client, side by side."""
    famlab_run("--kernel", "famfs", FAMFS_HOSTS_BW)  # warm the caches
    figures = {}
    for _ in range(RUNS):
        rep, _ = famlab_run("--kernel", "famfs", FAMFS_HOSTS_BW)
        for step in rep["scenarios"][0]["steps"]:
            if step["name"] in ("master", "client"):
                for j in json_lines(step):
                    figures.setdefault((step["name"], j["method"]), []).append(j["mb_per_s"])
    for (host, method), v in sorted(figures.items()):
        emit(metric="famfs_host_read_bandwidth", host=host, method=method, kernel="famfs", unit="MB/s",
             median=round(statistics.median(v), 1), runs=[round(x, 1) for x in v])


def multi_guest_scenario(d, guests):
    """A scenario of `guests` guests on cxl1, sharing mem0 when there are several."""
    topo = ROOT / "scenarios/topologies/cxl1.toml"
    text = f'name = "bench-{guests}-guests"\ntimeout = 600\n'
    if guests > 1:
        text += 'shared_devices = ["mem0"]\n'
    for i in range(guests):
        text += f'\n[[guest]]\nname = "g{i}"\ntopology = "{topo}"\n'
    text += '\n[[step]]\nname = "bring-up"\nguest = "*"\naction = "bringup"\n'
    path = pathlib.Path(d) / f"bench-{guests}.toml"
    path.write_text(text)
    return path


def multi_guest_ready(kernel="plain", runs=3):
    with tempfile.TemporaryDirectory() as d:
        for guests in [1, 2, 4]:
            sc = multi_guest_scenario(d, guests)
            famlab_run("--kernel", kernel, sc)  # warm the caches
            ready = []
            for _ in range(runs):
                rep, _ = famlab_run("--kernel", kernel, sc)
                ready.append(rep["scenarios"][0]["boot_to_ready_seconds"])
            emit(metric="multi_guest_ready", kernel=kernel, guests=guests, unit="s",
                 median=round(statistics.median(ready), 3), runs=[round(x, 3) for x in ready])


# The famfs scenarios the fast/debug comparison runs (one guest each).
DEBUG_SCENARIOS = ["boot-and-devdax", "cap-drop-matrix", "interleaved-reads-2way-1hb-g4096", "malformed-maps",
                   "famfs-device-lifecycle", "famfs-multi-extent", "famfs-poisoned-page"]


def fast_vs_debug():
    files = [ROOT / "scenarios" / f"{n}.toml" for n in DEBUG_SCENARIOS]
    figures = {}
    for flavour in (["--kernel", "famfs"], ["--kernel", "famfs", "--debug"]):
        famlab_run("--cold", *flavour, ROOT / "scenarios/boot-and-devdax.toml")  # build or find the kernel and image
        rep, wall = famlab_run("--cold", *flavour, *files)
        ready = statistics.median(s["boot_to_ready_seconds"] for s in rep["scenarios"])
        name = rep["scenarios"][0]["kernel"]
        figures[name] = (ready, wall)
        emit(metric="famfs_scenarios_wall", kernel=name, unit="s", value=round(wall, 1),
             boot_to_ready_median=round(ready, 2), scenarios=len(rep["scenarios"]))
    (fr, fw), (dr, dw) = figures["famfs"], figures["famfs+debug"]
    emit(metric="debug_over_fast", unit="ratio", boot_to_ready=round(dr / fr, 2), scenarios_wall=round(dw / fw, 2))


def fmap_fuzz_rate():
    rep, _ = famlab_run("--kernel", "famfs", ROOT / "scenarios/fmap-fuzz.toml")
    step = next(s for s in rep["scenarios"][0]["steps"] if s["name"] == "fuzz")
    summary = next(json.loads(line.split("fuzz-open: ", 1)[1]) for line in step["output"].splitlines()
                   if line.startswith("fuzz-open: {"))
    emit(metric="fmap_fuzz_rate", kernel="famfs", unit="maps/s", value=round(summary["maps_per_second"], 1),
         maps=summary["maps"], seconds=round(summary["seconds"], 1))


def bringup_scenario(d, name, topo):
    """A scenario file in d: boot on scenarios/topologies/TOPO.toml and bring up, nothing else."""
    sc = pathlib.Path(d) / f"{name}.toml"
    sc.write_text(f'name = "{name}"\ntopology = "{ROOT}/scenarios/topologies/{topo}.toml"\n\n'
                  '[[step]]\nname = "bring-up"\naction = "bringup"\n')
    return sc


def ready_by_topology(kernel="plain"):
    with tempfile.TemporaryDirectory() as d:
        for topo in ["cxl1", "cxl4-switch"]:
            sc = bringup_scenario(d, f"ready-{topo}", topo)
            famlab_run("--cold", "--kernel", kernel, sc)  # warm the caches
            ready = [famlab_run("--cold", "--kernel", kernel, sc)[0]["scenarios"][0]["boot_to_ready_seconds"]
                     for _ in range(RUNS)]
            emit(metric="boot_to_devdax_ready_by_topology", kernel=kernel, topology=topo, unit="s",
                 median=round(statistics.median(ready), 3), runs=[round(x, 3) for x in ready])


def kernel_log_times(dmesg):
    """[(seconds, text)] of the kernel log records in a dmesg.log artifact."""
    out = []
    for line in dmesg.splitlines():
        m = re.match(r"\[\s*(\d+\.\d+)\] (.*)", line)
        if m:
            out.append((float(m.group(1)), m.group(2)))
    return out


def boot_breakdown(kernel="plain"):
    for topo in ["cxl1", "cxl4-switch"]:
        phases = {"qemu_firmware": [], "kernel_to_init": [], "init_to_hello": [], "bringup": [], "ready": []}
        silences = {}
        with tempfile.TemporaryDirectory() as d:
            sc = bringup_scenario(d, f"parts-{topo}", topo)
            famlab_run("--cold", "--kernel", kernel, sc)  # warm the caches
            for i in range(RUNS):
                rep_dir = pathlib.Path(d) / f"run-{i}"
                p = subprocess.run([FAMLAB, "run", "--cold", "--kernel", kernel, "--report-dir", str(rep_dir), str(sc)],
                                   capture_output=True, text=True)
                if p.returncode != 0:
                    sys.exit(f"boot_breakdown {topo} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
                scenario = json.loads((rep_dir / "report.json").read_text())["scenarios"][0]
                steps = {s["name"]: s for s in scenario["steps"]}
                boot, uptime = steps["boot"]["seconds"], float(steps["boot"]["data"]["guest_uptime"])
                log = kernel_log_times((rep_dir / f"parts-{topo}-{kernel}" / "dmesg.log").read_text())
                init = next(t for t, text in log if text.startswith("Run /init"))
                phases["qemu_firmware"].append(boot - uptime)
                phases["kernel_to_init"].append(init)
                phases["init_to_hello"].append(uptime - init)
                phases["bringup"].append(steps["bring-up"]["seconds"])
                phases["ready"].append(scenario["boot_to_ready_seconds"])
                before_init = [(t, text) for t, text in log if t <= init]
                for (t0, text), (t1, _) in zip(before_init, before_init[1:]):
                    key = re.sub(r"\d+", "N", text)[:60]
                    silences.setdefault(key, []).append(t1 - t0)
        longest = sorted(((statistics.median(v), k) for k, v in silences.items() if len(v) == RUNS), reverse=True)
        emit(metric="boot_breakdown", kernel=kernel, topology=topo, unit="s",
             **{k: round(statistics.median(v), 3) for k, v in phases.items()},
             longest_kernel_silences=[{"after": k, "s": round(v, 3)} for v, k in longest[:4]])


def suite_jobs(kernel="plain"):
    for jobs in ["1", "2"]:
        rep, wall = famlab_run("--cold", "--kernel", kernel, "-j", jobs, ROOT / "scenarios")
        emit(metric="suite_wall_by_jobs", kernel=kernel, jobs=int(jobs), unit="s", value=round(wall, 1),
             scenarios=len(rep["scenarios"]))


def snapshot_start(kernel="plain"):
    """Boot step and boot to ready, cold and restored, alternating runs."""
    with tempfile.TemporaryDirectory() as d:
        for topo in ["cxl1", "cxl4-switch"]:
            sc = bringup_scenario(d, f"snap-{topo}", topo)
            rep, _ = famlab_run("--kernel", kernel, sc)  # takes the snapshot if there is none
            taken = rep["scenarios"][0]["steps"][0]["data"].get("snapshot", {})
            figures = {"cold": ([], []), "restored": ([], [])}
            for _ in range(RUNS):
                for mode, args in [("cold", ["--cold"]), ("restored", [])]:
                    sc_rep = famlab_run(*args, "--kernel", kernel, sc)[0]["scenarios"][0]
                    boot = sc_rep["steps"][0]
                    if mode == "restored" and "restored" not in boot["data"].get("snapshot", {}):
                        sys.exit(f"snapshot_start: {topo} was not restored: {boot}")
                    figures[mode][0].append(boot["seconds"])
                    figures[mode][1].append(sc_rep["boot_to_ready_seconds"])
            med = {m: (statistics.median(b), statistics.median(r)) for m, (b, r) in figures.items()}
            emit(metric="snapshot_start", kernel=kernel, topology=topo, unit="s",
                 cold_to_first_step=round(med["cold"][0], 3), restored_to_first_step=round(med["restored"][0], 3),
                 cold_to_ready=round(med["cold"][1], 3), restored_to_ready=round(med["restored"][1], 3),
                 ratio_to_ready=round(med["cold"][1] / med["restored"][1], 1),
                 restored_runs=[round(x, 3) for x in figures["restored"][0]],
                 snapshot_bytes=taken.get("bytes"), save_seconds=taken.get("save_seconds"))


class PrivateLibvirtd:
    """scripts/private-libvirtd in a temporary directory (as the e2e tests run
    it), with a TMPDIR for famlab's run directories that libvirt-qemu can
    enter; stopped, and everything removed, on exit."""

    def __enter__(self):
        self.base = pathlib.Path(tempfile.mkdtemp(prefix="famlab-bench-libvirtd-"))
        self.runs = pathlib.Path(tempfile.mkdtemp(prefix="famlab-bench-lvruns-", dir="/tmp"))
        self.runs.chmod(0o711)
        self.log = open(self.base / "daemon.out", "w")
        self.proc = subprocess.Popen([str(ROOT / "scripts/private-libvirtd"), str(self.base)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.uri = f"qemu:///system?socket={self.base}/run/libvirt-sock"
        deadline = time.monotonic() + 30
        while subprocess.run(["virsh", "-c", self.uri, "version"], capture_output=True).returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("libvirtd did not come up: " + (self.base / "daemon.out").read_text())
            time.sleep(0.1)
        subprocess.run(["virsh", "-c", self.uri, "capabilities"], capture_output=True)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.base, ignore_errors=True)
        shutil.rmtree(self.runs, ignore_errors=True)


def libvirt_snapshot_start(kernel="plain"):
    """snapshot_start through a private libvirtd: the boot step and boot to
    ready, cold and restored, alternating runs, one device (cxl1)."""
    with PrivateLibvirtd() as lv, tempfile.TemporaryDirectory() as d:
        os.environ["TMPDIR"] = str(lv.runs)
        try:
            sc = bringup_scenario(d, "snap-libvirt-cxl1", "cxl1")
            rep, _ = famlab_run("--connect", lv.uri, "--kernel", kernel, sc)  # takes the snapshot if none
            taken = rep["scenarios"][0]["steps"][0]["data"].get("snapshot", {})
            figures = {"cold": ([], [], []), "restored": ([], [], [])}
            for _ in range(RUNS):
                for mode, args in [("cold", ["--cold"]), ("restored", [])]:
                    rep, wall = famlab_run(*args, "--connect", lv.uri, "--kernel", kernel, sc)
                    sc_rep = rep["scenarios"][0]
                    boot = sc_rep["steps"][0]
                    if mode == "restored" and "restored" not in boot["data"].get("snapshot", {}):
                        sys.exit(f"libvirt_snapshot_start: not restored: {boot}")
                    figures[mode][0].append(boot["seconds"])
                    figures[mode][1].append(sc_rep["boot_to_ready_seconds"])
                    figures[mode][2].append(wall)
        finally:
            del os.environ["TMPDIR"]
    med = {m: [statistics.median(x) for x in f] for m, f in figures.items()}
    emit(metric="libvirt_snapshot_start", kernel=kernel, topology="cxl1", unit="s",
         cold_to_first_step=round(med["cold"][0], 3), restored_to_first_step=round(med["restored"][0], 3),
         cold_to_ready=round(med["cold"][1], 3), restored_to_ready=round(med["restored"][1], 3),
         cold_famlab_wall=round(med["cold"][2], 3), restored_famlab_wall=round(med["restored"][2], 3),
         ratio_to_ready=round(med["cold"][1] / med["restored"][1], 1),
         snapshot_bytes=taken.get("bytes"), save_seconds=taken.get("save_seconds"))


def matrix_wall():
    """The nightly's matrix: cold, then snapshots from an empty store, then warm."""
    store = pathlib.Path(os.environ.get("FAMLAB_CACHE") or pathlib.Path.home() / ".cache/famlab") / "snapshots"
    aside = store.with_name("snapshots.bench-aside")
    if store.exists():
        store.rename(aside)  # an empty store for the "taking" run; put back after
    try:
        walls = {}
        for mode, args in [("cold", ["--cold"]), ("taking", []), ("restoring", [])]:
            with tempfile.TemporaryDirectory() as d:
                t0 = time.monotonic()
                kernels = [a for k in MATRIX_KERNELS for a in ("--kernel", k)]
                subprocess.run([FAMLAB, "run", "--report-dir", d, *args, *kernels, str(ROOT / "scenarios")],
                               capture_output=True, text=True)
                walls[mode] = time.monotonic() - t0
                rep = json.loads(pathlib.Path(d, "report.json").read_text())
            boots = [st for s in rep["scenarios"] for st in s["steps"] if st["name"].startswith("boot")]
            emit(metric="matrix_wall", mode=mode, unit="s", value=round(walls[mode], 1), cells=len(rep["scenarios"]),
                 restored_boots=sum(1 for b in boots if "restored" in (b.get("data") or {}).get("snapshot", {})),
                 boots=len(boots),
                 not_passed=[f"{s['name']} [{s['kernel']}] {s['status']}" for s in rep["scenarios"]
                             if s["status"] != "passed"])
        emit(metric="matrix_wall_ratio", unit="ratio", cold_over_restoring=round(walls["cold"] / walls["restoring"], 2),
             cold_over_taking=round(walls["cold"] / walls["taking"], 2))
    finally:
        if aside.exists():
            shutil.rmtree(store, ignore_errors=True)
            aside.rename(store)


def main():
    groups = sys.argv[1:]
    if groups:
        for g in groups:
            GROUPS[g]()
        return
    for variant in ["plain", "famfs", "famfs-v3", "famfs-rfc"]:
        emit(metric="kernel_no_change_rebuild", kernel=variant, unit="s", value=round(kernel_cache_hit(variant), 3))
    for kernel in os.environ.get("FAMLAB_BENCH_KERNELS", "plain stock").split():
        famlab_run("--cold", "--kernel", kernel, READY)  # warm the kernel and image caches
        ready, write, read = [], [], []
        for _ in range(RUNS):
            rep, _ = famlab_run("--cold", "--kernel", kernel, READY)
            sc = rep["scenarios"][0]
            ready.append(sc["boot_to_ready_seconds"])
            steps = {s["name"]: s for s in sc["steps"]}
            write.append(steps["write-16M"]["data"]["mb_per_s"])
            read.append(steps["read-16M"]["data"]["mb_per_s"])
        emit(metric="boot_to_devdax_ready", kernel=kernel, unit="s", median=round(statistics.median(ready), 3),
             runs=[round(x, 3) for x in ready])
        emit(metric="devdax_write_bandwidth", kernel=kernel, unit="MB/s", median=round(statistics.median(write), 1))
        emit(metric="devdax_read_bandwidth", kernel=kernel, unit="MB/s", median=round(statistics.median(read), 1))
    if os.environ.get("FAMLAB_BENCH_FAMFS", "1") == "1":
        famfs_bandwidth()
        famfs_host_bandwidth()
    multi_guest_ready()
    if os.environ.get("FAMLAB_BENCH_DEBUG", "1") == "1":
        fast_vs_debug()
    fmap_fuzz_rate()
    ready_by_topology()
    boot_breakdown()
    snapshot_start()
    libvirt_snapshot_start()
    suite_jobs()
    rep, wall = famlab_run(ROOT / "scenarios")
    emit(metric="default_suite_wall", kernel="plain", unit="s", value=round(wall, 1),
         scenarios=len(rep["scenarios"]))
    matrix_wall()


GROUPS = {"ready_by_topology": ready_by_topology, "boot_breakdown": boot_breakdown,
          "snapshot_start": snapshot_start, "libvirt_snapshot_start": libvirt_snapshot_start, "suite_jobs": suite_jobs, "matrix_wall": matrix_wall,
          "fmap_fuzz_rate": fmap_fuzz_rate, "multi_guest_ready": multi_guest_ready}


if __name__ == "__main__":
    main()
