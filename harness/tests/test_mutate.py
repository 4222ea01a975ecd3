"""famlab mutate end to end: a tiny mutation file on the real famfs kernel.

One killable mutant (the INIT reply's flag read from the kernel's own offer:
a server that declined famfs gets it anyway) and one equivalent mutant (a
comment), against the shortest famfs scenario. Each mutant is a real kernel
rebuild through the lab cache (only the patched files recompile, ccache).
"""
import json
import os
import signal
import subprocess
import time

from conftest import FAMLAB, ROOT

SCENARIO = ROOT / "scenarios/reject-dax-fmap.toml"
DATA_PATH = "patches/common/0004-fuse-famfs-data-path.patch"
INIT = "patches/common/0001-fuse-famfs-abi-and-init-report.patch"

TINY = f'''variant = "famfs"

[[mutant]]
id = "replied-from-offer"
patch = "{INIT}"
line = "fi->replied = reply_flags & FUSE_DAX_FMAP;"
replace = "fi->replied = offered_flags & FUSE_DAX_FMAP;"
class = "fallback"
bug = "reads the kernel's own offer as the server's reply"

[[mutant]]
id = "comment-only"
patch = "{DATA_PATH}"
line = "/* famfs allocates and maps in PMD-sized units */"
replace = "/* famfs allocates and maps in 2 MiB units */"
class = "bounds"
bug = "a comment reworded"
equivalent = true
reason = "only a comment changes: the compiler sees the same code"
'''


def mutate(*args, timeout=3600):
    return subprocess.run([str(FAMLAB), "mutate", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_check_names_the_mutant_and_line_of_every_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(TINY.replace("fi->replied = reply_flags", "fi->replied = reply_flag")
                   .replace('class = "bounds"', 'class = "cosmetic"'))
    r = mutate("--check", bad)
    assert r.returncode == 2, r
    assert f"{bad}:3:1: mutant replied-from-offer: no added line of {INIT} reads" in r.stderr, r.stderr
    assert f"{bad}:16:9: mutant comment-only: unknown class 'cosmetic'" in r.stderr, r.stderr
    good = tmp_path / "good.toml"
    good.write_text(TINY)
    r = mutate("--check", good)
    assert r.returncode == 0, r.stderr
    assert "valid mutation file, 2 mutant(s) (1 equivalent) against kernel famfs" in r.stdout


def test_the_shipped_mutation_file_is_valid():
    r = mutate("--check", ROOT / "kernel-config/mutations/famfs.toml")
    assert r.returncode == 0, r.stderr


def test_kill_matrix_of_a_tiny_mutation_file(tmp_path):
    muts = tmp_path / "tiny.toml"
    muts.write_text(TINY)
    out = tmp_path / "report"
    # --fresh: the cells are really run, whatever an earlier run cached.
    t0 = time.monotonic()
    r = mutate("--fresh", "--report-dir", out, muts, SCENARIO)
    wall = time.monotonic() - t0
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
    rep = json.loads((out / "mutate-report.json").read_text())
    assert rep["baseline"]["reject-dax-fmap"]["outcome"] == "survived"
    killed, equivalent = rep["mutants"]
    assert killed["verdict"] == "killed", killed
    cell = killed["cells"]["reject-dax-fmap"]
    assert cell["outcome"] == "killed" and cell["step"] == "decline", cell
    assert "probe" in cell["message"], cell  # why: the probe's open went to famfs (GET_FMAP) although declined
    assert killed["build"] == "built" and killed["build_seconds"] > 0
    assert equivalent["verdict"] == "survived" and equivalent["equivalent"], equivalent
    assert rep["score"] == {**rep["score"], "killed": 1, "survived": 0, "denominator": 1, "equivalent": 1}
    md = (out / "mutate-report.md").read_text()
    assert "**Score: 1/1 = 100.0 %**" in md
    assert "killed by `reject-dax-fmap`, step `decline`" in md
    assert "score: 1/1 killed = 100.0%" in r.stdout
    print(f"tiny matrix: {wall:.0f} s wall; per mutant: "
          + ", ".join(f"{m['id']} {m['seconds']:.0f} s (build {m['build_seconds']:.0f} s)"
                      for m in rep["mutants"]))

    # Resumable: the same run again finds every cell and builds nothing.
    r = mutate("--report-dir", out, muts, SCENARIO, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "replied-from-offer [fallback]: killed (cached)" in r.stdout, r.stdout
    assert ": building (" not in r.stdout, r.stdout

    # Interruptible: SIGINT while the baseline's guest runs leaves a valid,
    # partial report and exit 2.
    part = tmp_path / "partial"
    p = subprocess.Popen([str(FAMLAB), "mutate", "--fresh", "--report-dir", str(part), str(muts),
                          str(SCENARIO)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 300
    while not (part / "baseline").exists() and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.2)
    time.sleep(3)
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 2, f"{stdout}\n{stderr}"
    partial = json.loads((part / "mutate-report.json").read_text())
    assert partial["interrupted"] is True
    assert all(m["verdict"] == "incomplete" for m in partial["mutants"]), partial["mutants"]
    assert "interrupted" in stdout
