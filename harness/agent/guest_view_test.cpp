#include "harness/agent/guest_view.h"

#include <gtest/gtest.h>

#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;

TEST(GuestView, ReadsABuiltRegionBackWithTargetsBySerial) {
  fake::FakeSysfs fake;
  fake.add_host_bridge(12, "pci0000:0c");
  fake.add_root_decoder(0, {12}, 256);
  fake.add_memdev("mem0", 0x10, 256u << 20, "pci0000:0c", "0000:0d:00.0", 3);
  fake.add_memdev("mem1", 0x20, 256u << 20, "pci0000:0c", "0000:0e:00.0", 4);
  fake.prepare_region(0, "region0", 0x490000000);
  fs::path r = fake.real("region0");
  fake.write(r / "size", "0x20000000");
  fake.write(r / "interleave_ways", "2");
  fake.write(r / "interleave_granularity", "4096");
  fake.write(r / "target0", "decoder4.0");
  fake.write(r / "target1", "decoder3.0");
  fake.add_dax(r, "dax0.0", 512u << 20, "device_dax");

  GuestView v = read_guest_view(fake.roots(), {{5, "region0"}}, {});
  ASSERT_EQ(v.memdevs.size(), 2u);
  EXPECT_EQ(v.memdevs[1].serial, 0x20u);
  ASSERT_EQ(v.regions.size(), 1u);
  const RegionView& rv = v.regions[0];
  EXPECT_EQ(rv.index, 5);
  EXPECT_EQ(rv.size, 512u << 20);
  EXPECT_EQ(rv.resource, 0x490000000u);
  EXPECT_EQ(rv.targets, (std::vector<std::string>{"mem1", "mem0"}));
  EXPECT_EQ(rv.target_serials, (std::vector<uint64_t>{0x20, 0x10}));
  ASSERT_TRUE(rv.dax);
  EXPECT_EQ(rv.dax->path, (fake.dev() / "dax0.0").string());
  EXPECT_TRUE(rv.dax->path_exists);
  EXPECT_EQ(rv.dax->mode, "devdax");

  nlohmann::json j = famlab::protocol::encode(famlab::protocol::BringupResult{v, {}});
  EXPECT_EQ(j["regions"][0]["targets"][0], "mem1");
  EXPECT_EQ(j["regions"][0]["dax"]["size"], 512u << 20);
  EXPECT_EQ(j["regions"][0]["ways"], 2);
  EXPECT_EQ(j["memdevs"][0]["name"], "mem0");
  EXPECT_TRUE(j["pmem"].is_array());
}
