#include "harness/agent/bringup.h"

#include <gtest/gtest.h>

#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;
using namespace famlab::protocol;

namespace {

// One host bridge, two memdevs, and a kernel that leaves the dax device
// unbound (as a stock kernel with kmem does): daxctl must be called.
struct Bringup : ::testing::Test {
  fake::FakeSysfs fake;
  BringupEnv env;
  std::vector<std::string> commands;

  void SetUp() override {
    fake.add_host_bridge(12, "pci0000:0c");
    fake.add_root_decoder(0, {12}, 256);
    fake.add_memdev("mem0", 0x10, 256u << 20, "pci0000:0c", "0000:0d:00.0", 3);
    fake.add_memdev("mem1", 0x20, 256u << 20, "pci0000:0c", "0000:0e:00.0", 4);
    fake.prepare_region(0, "region0", 0x490000000);
    fake.add_dax(fake.real("region0"), "dax0.0", 512u << 20, "");
    env.roots = fake.roots();
    env.device_timeout_s = 0.2;
    env.dax_timeout_s = 0.2;
    env.run_tool = [this](const std::vector<std::string>& argv, double) {
      std::string line;
      for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
      commands.push_back(line);
      if (argv[0] == "daxctl") fake.set_dax_driver(argv.back(), "device_dax");
      return ToolResult{0, "", false};
    };
  }

  GuestPlan plan() {
    GuestPlan p;
    p.memdevs = {{"a", 0x10, 256u << 20, 0}, {"b", 0x20, 256u << 20, 0}};
    PlannedRegion r;
    r.index = 0;
    r.targets = {0x20, 0x10};
    r.granularity = 4096;
    r.size = 512u << 20;
    p.regions = {r};
    return p;
  }
};

}  // namespace

TEST_F(Bringup, BuildsReconfiguresAndVerifies) {
  BringupOutcome out = run_bringup(plan(), env);
  EXPECT_TRUE(out.ok) << out.error;
  EXPECT_EQ(commands, (std::vector<std::string>{"daxctl reconfigure-device --mode=devdax --force dax0.0"}));
  EXPECT_EQ(out.result.view.regions[0].targets, (std::vector<std::string>{"mem1", "mem0"}));
  ASSERT_TRUE(out.result.view.regions[0].dax);
  EXPECT_EQ(out.result.view.regions[0].dax->mode, "devdax");
  EXPECT_TRUE(out.result.mismatches.empty());
  ASSERT_EQ(out.regions.count(0), 1u);
  EXPECT_EQ(out.regions[0].path, (fake.dev() / "dax0.0").string());
  EXPECT_EQ(out.regions[0].size, 512u << 20);
}

TEST_F(Bringup, MismatchesAndMissingDevicesFailTheStep) {
  GuestPlan p = plan();
  p.memdevs[0].ram_size = 512u << 20;
  p.memdevs.push_back({"c", 0x30, 256u << 20, 0});
  BringupOutcome out = run_bringup(p, env);
  EXPECT_FALSE(out.ok);
  EXPECT_NE(out.error.find("devices did not appear within 0.2 s: missing c (serial 0x30)"), std::string::npos)
      << out.error;
  EXPECT_NE(out.error.find("memdev a (serial 0x10, guest mem0): ram_size is 256M, topology says 512M"),
            std::string::npos)
      << out.error;
  EXPECT_NE(out.error.find("memdevs: the guest has 2, topology says 3"), std::string::npos);
  EXPECT_EQ(out.result.mismatches.size(), 3u);
  // The region itself was still built and is usable.
  EXPECT_EQ(out.regions.count(0), 1u);
}

TEST_F(Bringup, ToolFailureIsReportedWithItsOutput) {
  env.run_tool = [](const std::vector<std::string>&, double) {
    return ToolResult{1, "libdaxctl: no such device", false};
  };
  BringupOutcome out = run_bringup(plan(), env);
  EXPECT_FALSE(out.ok);
  EXPECT_NE(out.error.find(
                "region 0: making dax0.0 devdax: 'daxctl reconfigure-device --mode=devdax --force dax0.0' "
                "exited with 1: libdaxctl: no such device"),
            std::string::npos)
      << out.error;
  EXPECT_NE(out.error.find("region 0: dax0.0 mode is unbound, topology says devdax"), std::string::npos);
  EXPECT_EQ(out.regions.count(0), 0u);
}

TEST_F(Bringup, MemmapPmemBecomesDevdax) {
  fake.add_pmem_namespace(1, 0x100000000, 512u << 20);
  env.run_tool = [this](const std::vector<std::string>& argv, double) {
    commands.push_back(argv[0] + " " + argv[1]);
    // What ndctl leaves behind: an nd_dax claim holding a bound dax device.
    fs::path ns = fs::canonical(fake.sys() / "bus/nd/devices/namespace1.0");
    fs::path claim = ns.parent_path() / "dax1.0";
    fs::create_directories(claim);
    fs::create_directory_symlink(claim, fake.sys() / "bus/nd/devices/dax1.0");
    fake.add_dax(claim, "dax1.0", 502u << 20, "device_dax");
    fake.write(ns / "mode", "dax");
    fake.write(ns / "holder", "dax1.0");
    return ToolResult{0, "{}", false};
  };
  GuestPlan p;
  p.memdevs = plan().memdevs;  // the fixture's memdevs are there too
  p.pmem = {{0x100000000, 512u << 20, 2u << 20}};
  BringupOutcome out = run_bringup(p, env);
  EXPECT_TRUE(out.ok) << out.error;
  EXPECT_EQ(commands, (std::vector<std::string>{"ndctl create-namespace"}));
  EXPECT_EQ(out.result.view.pmem[0].ns, "namespace1.0");
  EXPECT_EQ(out.pmem[0].size, 502u << 20);
}
