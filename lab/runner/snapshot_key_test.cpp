#include "lab/runner/snapshot_key.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "lab/common/paths.h"

namespace famlab::runner {
namespace {

class SnapshotKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : {"qemu", "bzImage", "initrd"}) write(f, std::string(f) + " v1");
    in_.qemu_argv = {"qemu-system-x86_64", "-kernel", (dir_.path() / "bzImage").string(), "-chardev",
                     "socket,id=agent,path=/tmp/famlab-run-AAAA/agent.sock"};
    in_.run_dir = "/tmp/famlab-run-AAAA";
    in_.qemu_binary = dir_.path() / "qemu";
    in_.kernel = dir_.path() / "bzImage";
    in_.initrd = dir_.path() / "initrd";
    in_.guest_plan = R"({"regions":[]})";
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() / name, std::ios::trunc) << text;
  }

  RunDir dir_{"famlab-key-test-"};
  SnapshotKeyInputs in_;
};

TEST_F(SnapshotKeyTest, TheRunDirectoryDoesNotCountButEverythingElseDoes) {
  const std::string key = snapshot_key(in_);
  EXPECT_EQ(key.size(), 64u);

  SnapshotKeyInputs other_run = in_;
  other_run.run_dir = "/tmp/famlab-run-BBBB";
  other_run.qemu_argv[4] = "socket,id=agent,path=/tmp/famlab-run-BBBB/agent.sock";
  EXPECT_EQ(snapshot_key(other_run), key);

  SnapshotKeyInputs more_cpus = in_;
  more_cpus.qemu_argv.push_back("-smp");
  EXPECT_NE(snapshot_key(more_cpus), key);

  SnapshotKeyInputs other_plan = in_;
  other_plan.guest_plan = R"({"regions":[{"ways":2}]})";
  EXPECT_NE(snapshot_key(other_plan), key);
}

TEST_F(SnapshotKeyTest, ANewKernelImageOrQemuIsANewKey) {
  const std::string key = snapshot_key(in_);
  for (const char* f : {"bzImage", "initrd", "qemu"}) {
    write(f, std::string(f) + " v2, a different size");
    EXPECT_NE(snapshot_key(in_), key) << f;
    write(f, std::string(f) + " v1");
  }
}

TEST_F(SnapshotKeyTest, ALibvirtHostIsAMachineOfItsOwn) {
  const std::string direct = snapshot_key(in_);
  SnapshotKeyInputs libvirt = in_;
  libvirt.machine = "libvirt host h1: libvirt 11.3.0, QEMU 10.0.2";
  const std::string on_h1 = snapshot_key(libvirt);
  EXPECT_NE(on_h1, direct);
  libvirt.machine = "libvirt host h1: libvirt 11.3.0, QEMU 10.0.3";
  EXPECT_NE(snapshot_key(libvirt), on_h1);
  libvirt.machine = "libvirt host h2: libvirt 11.3.0, QEMU 10.0.2";
  EXPECT_NE(snapshot_key(libvirt), on_h1);
}

TEST_F(SnapshotKeyTest, AMissingFileSaysWhich) {
  in_.kernel = dir_.path() / "gone";
  try {
    snapshot_key(in_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gone"), std::string::npos) << e.what();
  }
}

TEST(WithoutRunDir, ReplacesEveryOccurrence) {
  EXPECT_EQ(without_run_dir({"a=/r/x,b=/r/y", "/other"}, "/r"),
            (std::vector<std::string>{"a=@RUN@/x,b=@RUN@/y", "/other"}));
}

}  // namespace
}  // namespace famlab::runner
