#include "harness/agent/region.h"

#include <gtest/gtest.h>

#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;

TEST(Region, ProgramsAttributesAndFindsItsDaxDevice) {
  fake::FakeSysfs fake;
  fake.add_host_bridge(12, "pci0000:0c");
  fake.add_root_decoder(0, {12}, 256);
  fake.prepare_region(0, "region0", 0x490000000);
  Region r(fake.sys(), "region0");
  ASSERT_TRUE(r.exists());
  r.set_interleave_granularity(4096);
  r.set_interleave_ways(2);
  r.set_size(512u << 20);
  r.set_target(1, "decoder4.0");
  r.commit();
  r.bind();
  EXPECT_EQ(r.interleave_granularity(), 4096u);
  EXPECT_EQ(r.interleave_ways(), 2u);
  EXPECT_EQ(r.size(), 512u << 20);
  EXPECT_EQ(r.resource(), 0x490000000u);
  EXPECT_EQ(r.target(1), "decoder4.0");
  EXPECT_EQ(r.target(0), "");
  EXPECT_TRUE(r.committed());
  EXPECT_EQ(fake.read(fake.sys() / "bus/cxl/drivers/cxl_region/bind"), "region0");

  EXPECT_FALSE(r.dax_device());
  fake.add_dax(fake.real("region0"), "dax0.0", 512u << 20, "device_dax");
  auto dax = r.dax_device();
  ASSERT_TRUE(dax);
  EXPECT_EQ(dax->name(), "dax0.0");
}
