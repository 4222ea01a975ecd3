"""QMP in the lab, end to end: faults injected into the real QEMU through its
monitor, seen by the real guest kernel. The shipped scenarios pass with the
addresses and fields the host computes; a wrong expectation (a DPA, a trace
field), a misspelt QMP command and bad QMP arguments each fail the scenario
with a message that names them; every exchange is in qmp.log.

KERNEL (default plain, the lab kernel with the ras fragment) picks the
guest kernel; stock works too."""
import os
import re

import pytest

from conftest import ROOT

KERNEL = os.environ.get("FAMLAB_QMP_KERNEL", "plain")
SHIPPED = ["cxl-poison-list", "cxl-error-events"]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    import subprocess
    from conftest import FAMLAB, Run
    report_dir = tmp_path_factory.mktemp("qmp") / "report"
    proc = subprocess.run([str(FAMLAB), "run", "--kernel", KERNEL, "--report-dir", str(report_dir),
                           *[str(ROOT / "scenarios" / f"{n}.toml") for n in SHIPPED]],
                          capture_output=True, text=True, timeout=1200, cwd=ROOT)
    return Run(proc, report_dir)


def steps_of(sc):
    return {s["name"]: s for s in sc["steps"]}


def test_shipped_scenarios_pass(shipped):
    assert shipped.code == 0, shipped
    for name in SHIPPED:
        sc = shipped.scenario(name)
        assert sc["status"] == "passed", (name, sc["message"])
        assert all(s["status"] == "passed" for s in sc["steps"]), sc["steps"]


def test_poison_list_holds_what_was_injected_with_the_kernels_hpas(shipped):
    sc = shipped.scenario("cxl-poison-list")
    steps = steps_of(sc)
    region = next(r for r in steps["bring-up"]["data"]["regions"] if r["index"] == 0)
    injected = []
    for name in ("in-region-device", "spare-device", "across-a-granule", "in-a-file"):
        data = steps[name]["data"]
        assert all(q["reply"] == {"return": {}} for q in data["qmp"]), data  # QEMU's own reply
        injected += data["injected"]
    assert len(injected) == 5  # the granule-crossing range is two pieces
    spare = next(i for i in injected if i["device"] == "mem2")
    assert spare["region"] is None and spare["hpa"] is None
    for i in injected:
        if i["device"] != "mem2":
            assert i["hpa"] == region["resource"] + i["region_offset"], i
    records = steps["poison-list"]["data"]["records"]
    listed = sorted((r["serial"], r["dpa"], r["length"], r["hpa"]) for r in records)
    assert listed == sorted((i["serial"], i["dpa"], i["length"], i["hpa"]) for i in injected)
    # The file offset went through famfs's map: its DPA is not the offset.
    in_file = steps["in-a-file"]["data"]["injected"][0]
    assert in_file["named_as"].startswith("file victim + 0x11040")
    assert in_file["region_offset"] != 0x11040


def test_error_events_arrive_with_their_fields(shipped):
    sc = shipped.scenario("cxl-error-events")
    steps = steps_of(sc)
    events = {e["event"]: e for e in steps["event-records"]["data"]["events"]}
    gm = events["cxl/cxl_general_media"]["fields"]
    assert (gm["dpa"], gm["channel"], gm["rank"], gm["transaction_type"]) == ("2000", "1", "2", "Host Read")
    mm = events["cxl/cxl_memory_module"]["fields"]
    assert (mm["life_used"], mm["device_temp"], mm["dirty_shutdown_cnt"]) == ("33", "44", "21")
    ue = [e for e in steps["uncorrectable-records"]["data"]["events"]
          if e["event"] == "cxl/cxl_aer_uncorrectable_error"]
    assert ue and ue[0]["fields"]["first_error"] == "Component Specific Error"
    assert "frozen state error detected" in steps["recovery"]["output"]
    assert not any(s["splats"] for s in sc["steps"])
    # The step's result in report.json carries QEMU's reply.
    assert steps["general-media"]["data"]["reply"] == {"return": {}}
    assert steps["general-media"]["data"]["arguments"]["path"] == "/machine/peripheral/mem1"


def test_every_qmp_exchange_is_in_qmp_log(shipped):
    log = (shipped.report_dir / f"cxl-error-events-{KERNEL}" / "qmp.log").read_text()
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z +[+-]\d+\.\d{3}s"
    assert re.search(stamp + r' -> \{"arguments":\{"path":"/machine/peripheral/mem0","type":"mem-data-ecc"\},'
                     r'"execute":"cxl-inject-correctable-error","id":"famlab-\d+"\}', log), log[:2000]
    assert re.search(stamp + r' <- \{"return": \{\}, "id": "famlab-\d+"\}', log)
    assert re.search(stamp + r" -- QEMU 10\.\d+\.\d+, \d+ commands", log)


def write_scenario(tmp_path, body):
    f = tmp_path / "scenario.toml"
    f.write_text(f'name = "{tmp_path.name}"\ntopology = "{ROOT}/scenarios/topologies/cxl1.toml"\n'
                 f'timeout = 300\nkeep_going = true\n' + body)
    return f


MISTAKES = """
[[step]]
name = "up"
action = "bringup"

[[step]]
name = "trace-on"
action = "trace_events"
events = ["cxl/cxl_general_media"]

[[step]]
name = "poison"
action = "inject_poison"
device = "mem0"
offset = 0x1000

[[step]]
name = "wrong-dpa"
action = "poison_list"
expect_poison = [{ device = "mem0", offset = 0x2000 }]

[[step]]
name = "right-dpa"
action = "poison_list"
expect_poison = [{ device = "mem0", offset = 0x1000 }]

[[step]]
name = "misspelt"
action = "qmp"
command = "cxl-inject-posion"

[[step]]
name = "bad-arguments"
action = "qmp"
command = "cxl-inject-correctable-error"
device = "mem0"
arguments = { type = "no-such-error" }

[[step]]
name = "expected-error"
action = "qmp"
command = "cxl-inject-poison"
device = "mem0"
arguments = { start = 0x1000, length = 64 }
expect_error = "GenericError"
expect_output = ["Overlap"]

[[step]]
name = "media-event"
action = "qmp"
command = "cxl-inject-general-media-event"
device = "mem0"
arguments = { log = "informational", flags = 1, dpa = 0x3000, descriptor = 1, type = 0, transaction-type = 1, channel = 1 }

[[step]]
name = "wrong-field"
action = "trace_events"
timeout = 30
expect_events = [{ event = "cxl/cxl_general_media", device = "mem0", dpa = 0x3000, fields = { channel = "9" } }]
"""


def test_wrong_expectations_and_bad_commands_fail_naming_them(famlab, tmp_path):
    r = famlab("run", "--kernel", KERNEL, write_scenario(tmp_path, MISTAKES))
    assert r.code == 1, r
    steps = steps_of(r.report["scenarios"][0])
    status = {n: s["status"] for n, s in steps.items()}
    assert status == {"boot": "passed", "up": "passed", "trace-on": "passed", "poison": "passed",
                      "wrong-dpa": "failed", "right-dpa": "passed", "misspelt": "failed",
                      "bad-arguments": "failed", "expected-error": "passed", "media-event": "passed",
                      "wrong-field": "failed"}, status
    m = steps["wrong-dpa"]["message"]
    assert "mem0 DPA 0x2000 +64" in m and "is not in the guest's poison list" in m, m
    assert "unexpected poison: mem0 DPA 0x1000 +64" in m, m
    assert steps["misspelt"]["message"].endswith(
        "has no command 'cxl-inject-posion' (did you mean 'cxl-inject-poison'?)"), steps["misspelt"]["message"]
    assert steps["bad-arguments"]["message"].startswith(
        "QMP cxl-inject-correctable-error failed: GenericError: "), steps["bad-arguments"]["message"]
    assert steps["bad-arguments"]["data"]["reply"]["error"]["class"] == "GenericError"
    m = steps["wrong-field"]["message"]
    assert "no cxl/cxl_general_media record as expected (channel='1', expected '9')" in m, m


# Through libvirt: QMP goes through virDomainQemuMonitorCommand on the
# domain (libvirt owns QEMU's monitor). The private daemon is test_libvirt's.
from test_libvirt import daemon, famlab_run, run_base  # noqa: E402,F401  (fixtures)


@pytest.mark.skipif(os.geteuid() != 0, reason="the private libvirtd needs root")
def test_through_libvirt_the_same_list_and_the_same_failures(shipped, daemon, run_base, tmp_path):  # noqa: F811
    mistakes = write_scenario(tmp_path, MISTAKES)
    r = famlab_run(tmp_path / "report", run_base, "--kernel", KERNEL, "--connect", daemon.uri,
                   ROOT / "scenarios/cxl-poison-list.toml", mistakes)
    assert r.code == 1, r  # the mistakes fail, the shipped scenario passes
    lv = r.scenario("cxl-poison-list")
    assert lv["status"] == "passed", lv["message"]
    assert lv["backend"] == "libvirt"
    qemu = shipped.scenario("cxl-poison-list")

    def listed(sc):
        records = steps_of(sc)["poison-list"]["data"]["records"]
        return sorted((p["serial"], p["dpa"], p["length"], p["hpa"] is not None) for p in records)
    assert listed(lv) == listed(qemu)
    log = (r.report_dir / f"cxl-poison-list-{KERNEL}" / "qmp.log").read_text()
    assert "QMP through libvirt: domain famlab-" in log
    assert '"execute":"cxl-inject-poison"' in log and '"return":{}' in log.replace(" ", "")
    # QEMU's refusals come back through libvirt as the same typed errors.
    steps = steps_of(r.scenario(tmp_path.name))
    assert steps["bad-arguments"]["status"] == "failed"
    assert steps["bad-arguments"]["message"].startswith("QMP cxl-inject-correctable-error failed: GenericError: ")
    assert steps["expected-error"]["status"] == "passed", steps["expected-error"]["message"]
    assert steps["misspelt"]["message"].endswith("(did you mean 'cxl-inject-poison'?)")
    assert daemon.domains() == []
