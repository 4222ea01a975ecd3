#include "harness/agent/region_builder.h"

#include <gtest/gtest.h>

#include <regex>

#include "base/error.h"
#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;
using famlab::protocol::PlannedRegion;

namespace {

// Two host bridges (uid 12 -> pci0000:0c, uid 222 -> pci0000:de), one
// memdev below each; memN numbering deliberately opposite to serials.
struct TwoBridges : ::testing::Test {
  fake::FakeSysfs fake;
  BringupEnv env;
  std::vector<std::string> said;

  void SetUp() override {
    fake.add_host_bridge(12, "pci0000:0c");
    fake.add_host_bridge(222, "pci0000:de");
    fake.add_root_decoder(0, {12, 222}, 4096);
    fake.add_memdev("mem1", 0x10, 256u << 20, "pci0000:0c", "0000:0c:00.0/0000:0d:00.0", 3);
    fake.add_memdev("mem0", 0x20, 256u << 20, "pci0000:de", "0000:de:00.0/0000:df:00.0", 4);
    fake.prepare_region(0, "region0", 0x490000000);
    env.roots = fake.roots();
    env.info = [this](const std::string& s) { said.push_back(s); };
  }

  PlannedRegion plan(std::vector<uint64_t> targets) {
    PlannedRegion r;
    r.index = 0;
    r.window = 0;
    r.targets = std::move(targets);
    r.granularity = 4096;
    r.size = 512u << 20;
    return r;
  }
};

}  // namespace

TEST_F(TwoBridges, ProgramsTheRegionInPositionOrder) {
  EXPECT_EQ(build_region(plan({0x10, 0x20}), env), "region0");
  fs::path r = fake.real("region0");
  EXPECT_EQ(fake.read(r / "interleave_granularity"), "4096");
  EXPECT_EQ(fake.read(r / "interleave_ways"), "2");
  EXPECT_EQ(fake.read(r / "size"), "536870912");
  EXPECT_EQ(fake.read(r / "target0"), "decoder3.0");  // serial 0x10 = mem1 below uid 12
  EXPECT_EQ(fake.read(r / "target1"), "decoder4.0");
  EXPECT_EQ(fake.read(r / "commit"), "1");
  EXPECT_EQ(fake.read(fake.real("decoder3.0") / "mode"), "ram");
  EXPECT_EQ(fake.read(fake.real("decoder4.0") / "dpa_size"), "268435456");
  EXPECT_EQ(fake.read(fake.sys() / "bus/cxl/drivers/cxl_region/bind"), "region0");
  ASSERT_FALSE(said.empty());
  EXPECT_NE(said[0].find("mem1/decoder3.0 mem0/decoder4.0"), std::string::npos) << said[0];
}

TEST_F(TwoBridges, WrongHostBridgeOrderIsRefusedBeforeTouchingSysfs) {
  try {
    build_region(plan({0x20, 0x10}), env);
    FAIL() << "no throw";
  } catch (const famlab::Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(
        msg.rfind("region 0: target 0 (mem0, serial 0x20) is not below host bridge pci0000:0c (id 12)", 0),
        0u)
        << msg;
  }
  EXPECT_EQ(fake.read(fake.real("decoder0.0") / "create_ram_region"), "region0");  // nothing claimed
  EXPECT_EQ(fake.read(fake.real("decoder3.0") / "mode"), "none");
}

TEST_F(TwoBridges, PlanErrorsSayWhatIsWrong) {
  auto message = [&](PlannedRegion r) {
    try {
      build_region(r, env);
    } catch (const famlab::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  PlannedRegion r = plan({0x10, 0x20});
  r.window = 3;
  EXPECT_NE(message(r).find("root decoder decoder0.3 (window 3) does not exist"), std::string::npos);
  r = plan({0x10, 0x99});
  EXPECT_NE(message(r).find("target 1 (serial 0x99): no memdev has this serial"), std::string::npos);
  r = plan({0x10});
  EXPECT_NE(message(r).find("1 targets cannot spread evenly over the 2 host bridges"), std::string::npos);
  r = plan({0x10, 0x20});
  r.granularity = 256;
  EXPECT_NE(message(r).find("granularity 256 differs from decoder0.0's 4096"), std::string::npos);
  r = plan({0x10, 0x20});
  r.size = 1u << 30;
  EXPECT_NE(message(r).find("mem1 has 256M of ram, the region needs 512M"), std::string::npos);
  r = plan({0x10, 0x10});
  EXPECT_NE(message(r).find("appears twice"), std::string::npos);
}

TEST_F(TwoBridges, AFailedStepTearsTheRegionDown) {
  // A read-only target attribute stands in for the kernel refusing it.
  fs::path r = fake.real("region0");
  fs::remove(r / "target1");
  fs::create_directory(r / "target1");
  try {
    build_region(plan({0x10, 0x20}), env);
    FAIL() << "no throw";
  } catch (const famlab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("region 0: building region0 failed"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("target1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fake.read(fake.real("decoder0.0") / "delete_region"), "region0");
  EXPECT_EQ(fake.read(fake.real("decoder3.0") / "dpa_size"), "0");
}

TEST(RegionBuilder, RandomUuidIsVersion4) {
  std::string u = random_uuid();
  EXPECT_TRUE(
      std::regex_match(u, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << u;
  EXPECT_NE(u, random_uuid());
}
