// Saving and restoring a machine state through a real QEMU 10: the cxl1
// machine, frozen (-S), saved to a file, and a second QEMU of the same
// description loading it and running. A second QEMU given a damaged file
// must fail with QEMU's reason, not start.
#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "lab/vm/machine_state.h"
#include "lab/vm/test_frozen_qemu.h"

using namespace famlab;
using famlab::vm::test_support::FrozenQemu;
using famlab::vm::test_support::have_qemu;

TEST(MachineStateRealQemu, SavedStateLoadsIntoASecondQemuThatThenRuns) {
  if (!have_qemu()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
  RunDir dir("famlab-state-test-");
  std::filesystem::path file = dir.path() / "state.mig";
  FrozenQemu source("cxl1.toml");
  // The hook runs while the guest is paused and before anything is written.
  std::string status_in_hook;
  bool file_in_hook = true;
  vm::SavedState saved = vm::save_machine_state(source.client(), file, 60, [&] {
    status_in_hook = source.client().execute("query-status").value->value("status", "");
    file_in_hook = std::filesystem::exists(file);
  });
  // (This frozen source never ran: "prelaunch"; a booted guest says "paused".)
  EXPECT_TRUE(status_in_hook == "paused" || status_in_hook == "prelaunch") << status_in_hook;
  EXPECT_FALSE(file_in_hook);
  EXPECT_GT(saved.bytes, 1u << 20);
  EXPECT_EQ(saved.bytes, std::filesystem::file_size(file));
  // The source runs on after its snapshot.
  EXPECT_EQ(source.client().execute("query-status").value->value("status", ""), "running");

  FrozenQemu restored("cxl1.toml", file);
  vm::start_restored(restored.client(), 60);
  EXPECT_EQ(restored.client().execute("query-status").value->value("status", ""), "running");
}

TEST(MachineStateRealQemu, ATruncatedStateIsRefusedWithQemusReason) {
  if (!have_qemu()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
  RunDir dir("famlab-state-test-");
  std::filesystem::path file = dir.path() / "state.mig";
  {
    FrozenQemu source("cxl1.toml");
    vm::save_machine_state(source.client(), file, 60);
  }
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  // QEMU gives up on the stream and exits, as soon as it has read it: before
  // the monitor is open, or while famlab waits for the load.
  try {
    FrozenQemu restored("cxl1.toml", file);
    vm::start_restored(restored.client(), 30);
    FAIL() << "a truncated state started";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_TRUE(what.find("loading the machine state") != std::string::npos ||
                what.find("QEMU closed the monitor") != std::string::npos)
        << what;
  }
}
