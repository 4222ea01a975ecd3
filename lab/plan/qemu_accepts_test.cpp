// The real check of make_qemu_plan: QEMU 10 must accept the argv for every
// shipped topology. QEMU starts frozen (-S) so no guest runs; a header-only
// stand-in kernel is enough for its loader. Still running after 2 s = the
// machine was built; an exit means QEMU refused something, and it says what.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "base/error.h"
#include "base/process.h"
#include "lab/common/paths.h"
#include "lab/plan/qemu_args.h"
#include "lab/plan/test_stand_in_kernel.h"
#include "lab/topology/load.h"

using namespace famlab;
using namespace famlab::plan;
using famlab::plan::test_support::write_stand_in_kernel;

namespace {

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void expect_qemu_accepts(const std::filesystem::path& topology_file) {
  SCOPED_TRACE(topology_file.string());
  try {
    find_program("qemu-system-x86_64");
  } catch (const Error&) {
    GTEST_SKIP() << "qemu-system-x86_64 is not installed";
  }
  RunDir run("famlab-plan-test-");
  QemuInputs in;
  in.kernel = run.path() / "bzImage";
  in.initrd = run.path() / "initrd";
  in.run_dir = run.path();
  write_stand_in_kernel(in.kernel);
  std::ofstream(in.initrd) << "initrd";

  QemuPlan plan = make_qemu_plan(topology::load_topology(topology_file), in);
  plan.argv.push_back("-S");
  ProcessOptions opts;
  opts.stdout_file = run.path() / "qemu.log";
  Child qemu(plan.argv, opts);
  auto exit_code = qemu.wait_for(std::chrono::seconds(2));
  if (exit_code) {
    ADD_FAILURE() << "QEMU exited with " << *exit_code << ": " << read_all(run.path() / "qemu.log");
    return;
  }
  EXPECT_TRUE(std::filesystem::exists(plan.agent_socket));  // the chardev is listening
  for (const auto& b : plan.backing) {
    EXPECT_EQ(std::filesystem::file_size(b.file), b.size) << b.file;  // QEMU created the file
  }
  qemu.kill_group();
  qemu.wait();
}

std::filesystem::path source(const std::string& relative) {
  return std::filesystem::path(FAMLAB_SOURCE_DIR) / relative;
}

}  // namespace

TEST(QemuAccepts, Cxl1) { expect_qemu_accepts(source("scenarios/topologies/cxl1.toml")); }
TEST(QemuAccepts, Cxl2OneHostBridge) { expect_qemu_accepts(source("scenarios/topologies/cxl2-1hb.toml")); }
TEST(QemuAccepts, Cxl2TwoHostBridges) { expect_qemu_accepts(source("scenarios/topologies/cxl2-2hb.toml")); }
TEST(QemuAccepts, Cxl4BelowASwitch) { expect_qemu_accepts(source("scenarios/topologies/cxl4-switch.toml")); }
TEST(QemuAccepts, PmemOnly) { expect_qemu_accepts(source("scenarios/topologies/pmem.toml")); }
// Persistent devices with label areas, two windows, a switch next to a root port.
TEST(QemuAccepts, EveryFeature) { expect_qemu_accepts(source("lab/topology/testdata/full.toml")); }
