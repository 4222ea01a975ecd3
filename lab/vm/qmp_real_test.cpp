// The QMP client against a real QEMU 10: the cxl1 topology's machine,
// started frozen (-S, a stand-in kernel), its monitor on a unix socket in
// the private run directory. query-commands must list the CXL injection
// commands, and a real cxl-inject-poison must land in the device: the same
// range injected again is refused as an overlap, which only a stored
// record explains. Bad arguments come back as QEMU's typed errors.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "base/error.h"
#include "base/process.h"
#include "lab/common/paths.h"
#include "lab/plan/qemu_args.h"
#include "lab/plan/test_stand_in_kernel.h"
#include "lab/topology/load.h"
#include "lab/vm/qmp_client.h"
#include "lab/vm/qmp_socket.h"

using namespace famlab;
using nlohmann::json;

namespace {

struct FrozenQemu {
  RunDir run{"famlab-qmp-real-"};
  std::filesystem::path socket = run.path() / "qmp-test.sock";
  std::unique_ptr<Child> qemu;
  std::shared_ptr<vm::QmpTranscript> transcript = std::make_shared<vm::QmpTranscript>(run.path() / "qmp.log");
  std::unique_ptr<vm::QmpClient> client;

  void start(const std::string& topology) {
    plan::QemuInputs in;
    in.kernel = run.path() / "bzImage";
    in.initrd = run.path() / "initrd";
    in.run_dir = run.path();
    plan::test_support::write_stand_in_kernel(in.kernel);
    std::ofstream(in.initrd) << "initrd";
    auto plan = plan::make_qemu_plan(
        topology::load_topology(std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies" / topology),
        in);
    plan.argv.push_back("-S");
    plan.argv.push_back("-qmp");
    plan.argv.push_back("unix:" + socket.string() + ",server=on,wait=off");
    ProcessOptions opts;
    opts.stdout_file = run.path() / "qemu.log";
    qemu = std::make_unique<Child>(plan.argv, opts);
    client = std::make_unique<vm::QmpClient>(std::make_unique<vm::QmpSocketTransport>(socket, transcript),
                                             transcript);
    client->connect(20);
  }

  ~FrozenQemu() {
    client.reset();
    if (qemu) {
      qemu->kill_group();
      qemu->wait();
    }
  }
};

bool have_qemu() {
  try {
    find_program("qemu-system-x86_64");
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

TEST(QmpRealQemu, QueryCommandsAndARealPoisonInjection) {
  if (!have_qemu()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
  FrozenQemu q;
  q.start("cxl1.toml");
  EXPECT_FALSE(q.client->qemu_version().empty());
  for (const char* c :
       {"cxl-inject-poison", "cxl-inject-general-media-event", "cxl-inject-dram-event",
        "cxl-inject-memory-module-event", "cxl-inject-uncorrectable-errors", "cxl-inject-correctable-error"})
    EXPECT_TRUE(q.client->has(c)) << c << " missing from QEMU " << q.client->qemu_version();
  EXPECT_FALSE(q.client->has("cxl-inject-everything"));

  // The topology's device id is its QEMU id: /machine/peripheral/<id>.
  const json args = {{"path", "/machine/peripheral/mem0"}, {"start", 0x1000}, {"length", 64}};
  vm::QmpReply first = q.client->execute("cxl-inject-poison", args);
  ASSERT_TRUE(first.ok()) << first.error->desc;
  vm::QmpReply again = q.client->execute("cxl-inject-poison", args);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error->error_class, "GenericError");
  EXPECT_NE(again.error->desc.find("Overlap"), std::string::npos) << again.error->desc;

  vm::QmpReply unaligned = q.client->execute(
      "cxl-inject-poison", {{"path", "/machine/peripheral/mem0"}, {"start", 0x1010}, {"length", 64}});
  ASSERT_FALSE(unaligned.ok());
  EXPECT_NE(unaligned.error->desc.find("64 byte aligned"), std::string::npos) << unaligned.error->desc;

  vm::QmpReply not_type3 = q.client->execute(
      "cxl-inject-poison", {{"path", "/machine/peripheral/hb0"}, {"start", 0}, {"length", 64}});
  ASSERT_FALSE(not_type3.ok());
  EXPECT_NE(not_type3.error->desc.find("CXL type 3"), std::string::npos) << not_type3.error->desc;

  vm::QmpReply missing_arg =
      q.client->execute("cxl-inject-poison", {{"path", "/machine/peripheral/mem0"}, {"start", 0}});
  ASSERT_FALSE(missing_arg.ok());
  EXPECT_NE(missing_arg.error->desc.find("'length' is missing"), std::string::npos)
      << missing_arg.error->desc;

  vm::QmpReply unknown = q.client->execute("cxl-inject-everything");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error->error_class, "CommandNotFound");
}
