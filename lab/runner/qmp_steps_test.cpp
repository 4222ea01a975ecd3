// The QMP steps against a real QEMU 10 (cxl2-1hb, frozen): a command and
// its reply, expected errors, unknown commands, poison at a region offset
// that the host turns into the right device and DPA (QEMU then refuses the
// same range on that device as an overlap, and takes it on the other one).
// A QEMU without a command famlab knows from newer QEMUs is played by a
// transport that lists no CXL commands: the step is skipped, saying why.
#include "lab/runner/qmp_steps.h"

#include <gtest/gtest.h>

#include "lab/common/paths.h"
#include "lab/runner/scripted_guest.h"
#include "lab/topology/load.h"
#include "lab/vm/qemu_backend.h"
#include "lab/vm/test_frozen_qemu.h"

namespace famlab::runner {
namespace {

using nlohmann::json;
using report::Status;
using scenario::Action;

// A StepContext whose guest never runs: the QMP steps are host steps.
struct HostStepContext {
  RunDir dir{"famlab-qmp-steps-"};
  topology::Topology topology;
  plan::QemuPlan qemu;
  protocol::GuestPlan guest_plan;
  vm::QemuBackend backend;
  vm::GuestSession session{
      backend, vm::VmSpec{{}, false, dir.path(), {}},
      vm::SessionLogs{dir.path() / "serial.log", dir.path() / "dmesg.log", dir.path() / "agent.log", {}}};
  std::map<int, std::pair<uint64_t, uint64_t>> written;
  StepContext ctx{session, topology, qemu, guest_plan, "plain", written, 1e9,
                  {},      nullptr,  "",   {},         {},      {},      {}};

  explicit HostStepContext(const std::string& topology_name)
      : topology(topology::load_topology(std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies" /
                                         topology_name)) {}
};

scenario::Step qmp_step(const std::string& command, json args = json::object()) {
  scenario::Step s;
  s.name = "q";
  s.action = Action::Qmp;
  s.qmp_command = command;
  s.qmp_arguments = std::move(args);
  s.timeout_s = 10;
  return s;
}

scenario::Step poison_at_region(uint64_t offset, uint64_t length) {
  scenario::Step s;
  s.name = "poison";
  s.action = Action::InjectPoison;
  s.poison.region = 0;
  s.poison.offset = offset;
  s.poison.length = length;
  s.timeout_s = 10;
  return s;
}

TEST(QmpSteps, AgainstARealQemu) {
  if (!vm::test_support::have_qemu()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
  vm::test_support::FrozenQemu qemu("cxl2-1hb.toml");
  HostStepContext h("cxl2-1hb.toml");
  h.ctx.qmp = &qemu.client();
  h.qemu.vm = qemu.vm();
  h.ctx.region_base[0] = 0x490000000;  // as a bringup would have reported

  // A command and its reply.
  auto version = qmp_step("query-version");
  version.expect_return = json::parse(R"({"qemu": {"major": 10}})");
  StepOutcome v = run_qmp_step(version, h.ctx);
  EXPECT_EQ(v.result.status, Status::Passed) << v.result.message;
  EXPECT_EQ(v.result.data["reply"]["return"]["qemu"]["major"], 10);
  version.expect_return = json::parse(R"({"qemu": {"major": 9}})");
  v = run_qmp_step(version, h.ctx);
  EXPECT_EQ(v.result.status, Status::Failed);
  EXPECT_EQ(v.result.message, "QMP query-version: qemu.major is 10, expected 9");

  // Poison at region offset 0x1000 - 64, 128 bytes: the last 64 bytes of
  // mem0's granule 0 and the first 64 of mem1's.
  StepOutcome p = run_inject_poison(poison_at_region(0x1000 - 64, 128), h.ctx);
  ASSERT_EQ(p.result.status, Status::Passed) << p.result.message;
  ASSERT_EQ(h.ctx.injected.size(), 2u);
  EXPECT_EQ(h.ctx.injected[1].device, "mem1");
  EXPECT_EQ(h.ctx.injected[1].dpa, 0u);
  EXPECT_EQ(h.ctx.injected[1].hpa, 0x490001000u);
  EXPECT_EQ(p.result.data["injected"][0]["dpa"], 0x1000 - 64);
  EXPECT_NE(p.result.output.find("poisoned mem1 DPA 0x0 +64"), std::string::npos) << p.result.output;

  // QEMU has it where the host said: the same range on mem1 is an overlap
  // now, on mem0 (where nothing was injected at DPA 0) it is not.
  auto again = qmp_step("cxl-inject-poison", {{"start", 0}, {"length", 64}});
  again.device = "mem1";
  again.expect_error = "GenericError";
  again.expect_output = {"Overlap"};
  StepOutcome a = run_qmp_step(again, h.ctx);
  EXPECT_EQ(a.result.status, Status::Passed) << a.result.message;
  EXPECT_EQ(a.result.data["arguments"]["path"], "/machine/peripheral/mem1");
  EXPECT_NE(a.result.output.find("Overlap with existing poisoned region"), std::string::npos);
  again.device = "mem0";
  again.expect_error.clear();
  StepOutcome b = run_qmp_step(again, h.ctx);
  EXPECT_EQ(b.result.status, Status::Passed) << b.result.message;

  // Injecting the region range again: QEMU refuses, the step names where.
  StepOutcome twice = run_inject_poison(poison_at_region(0x1000 - 64, 64), h.ctx);
  EXPECT_EQ(twice.result.status, Status::Failed);
  EXPECT_EQ(
      twice.result.message,
      "cxl-inject-poison at mem0 DPA 0xfc0 +64 (region 0 + 0xfc0, HPA 0x490000fc0) failed: GenericError: "
      "Overlap with existing poisoned region not supported");

  // QEMU's refusal of bad arguments fails the step, naming the command.
  StepOutcome bad = run_qmp_step(qmp_step("cxl-inject-correctable-error",
                                          {{"path", "/machine/peripheral/mem0"}, {"type", "no-such-type"}}),
                                 h.ctx);
  EXPECT_EQ(bad.result.status, Status::Failed);
  EXPECT_NE(bad.result.message.find("QMP cxl-inject-correctable-error failed: GenericError: "),
            std::string::npos)
      << bad.result.message;
  // An expected error that does not come is a failure too.
  auto accepted = qmp_step("query-status");
  accepted.expect_error = "GenericError";
  EXPECT_EQ(run_qmp_step(accepted, h.ctx).result.status, Status::Failed);

  // A misspelt command fails and says what this QEMU has instead.
  StepOutcome typo = run_qmp_step(qmp_step("cxl-inject-posion"), h.ctx);
  EXPECT_EQ(typo.result.status, Status::Failed);
  EXPECT_NE(
      typo.result.message.find("has no command 'cxl-inject-posion' (did you mean 'cxl-inject-poison'?)"),
      std::string::npos)
      << typo.result.message;
}

TEST(QmpSteps, AnOlderQemuWithoutTheCommandSkipsTheStep) {
  auto transcript = std::make_shared<vm::QmpTranscript>("");
  vm::QmpClient old(std::make_unique<testing::ScriptedQmp>(
                        "7.2.0", std::vector<std::string>{"query-commands", "query-version"}),
                    transcript);
  old.connect(1);
  HostStepContext h("cxl2-1hb.toml");
  h.ctx.qmp = &old;
  StepOutcome p = run_inject_poison(poison_at_region(0, 64), h.ctx);
  EXPECT_EQ(p.result.status, Status::Skipped);
  EXPECT_EQ(p.result.message, "QEMU 7.2.0 has no QMP command cxl-inject-poison (a newer QEMU has it)");
  EXPECT_TRUE(h.ctx.injected.empty());
  StepOutcome q = run_qmp_step(qmp_step("cxl-inject-dram-event"), h.ctx);
  EXPECT_EQ(q.result.status, Status::Skipped);
  // A command no QEMU famlab knows of is a mistake, not an old QEMU.
  EXPECT_EQ(run_qmp_step(qmp_step("cxl-inject-everything"), h.ctx).result.status, Status::Failed);
}

TEST(QmpSteps, NoMonitorIsAFailureSayingWhy) {
  HostStepContext h("cxl1.toml");
  h.ctx.qmp_problem = "cannot connect to QEMU's QMP socket /x/qmp.sock: No such file or directory";
  StepOutcome o = run_qmp_step(qmp_step("query-status"), h.ctx);
  EXPECT_EQ(o.result.status, Status::Failed);
  EXPECT_EQ(o.result.message,
            "QMP query-status: no QMP connection to this guest's QEMU: cannot connect to QEMU's QMP socket "
            "/x/qmp.sock: No such file or directory");
}

TEST(JsonDifference, ObjectsArraysAndValues) {
  json got = json::parse(R"({"a": {"b": [1, {"c": "x"}]}, "d": 2})");
  EXPECT_EQ(json_difference(json::parse(R"({"a": {"b": [1, {"c": "x"}]}})"), got), "");
  EXPECT_EQ(json_difference(json::parse(R"({"a": {"b": [1, {"c": "y"}]}})"), got),
            R"(a.b[1].c is "x", expected "y")");
  EXPECT_EQ(json_difference(json::parse(R"({"e": 1})"), got), "the return value has no 'e'");
  EXPECT_EQ(json_difference(json::parse(R"({"a": {"b": [1]}})"), got),
            R"(a.b is [1,{"c":"x"}], expected 1 element(s))");
}

}  // namespace
}  // namespace famlab::runner
