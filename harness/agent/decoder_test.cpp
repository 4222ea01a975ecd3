#include "harness/agent/decoder.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;

TEST(Decoder, RootDecoderTargetsAndRegionCreation) {
  fake::FakeSysfs fake;
  fake.add_host_bridge(12, "pci0000:0c");
  fake.add_host_bridge(222, "pci0000:de");
  fake.add_root_decoder(0, {12, 222}, 4096);
  Decoder root = Decoder::named(fake.sys(), "decoder0.0");
  ASSERT_TRUE(root.exists());
  EXPECT_EQ(root.port_name(), "root0");
  EXPECT_EQ(root.target_list(), (std::vector<int>{12, 222}));
  EXPECT_EQ(root.interleave_ways(), 2u);
  EXPECT_EQ(root.interleave_granularity(), 4096u);
  EXPECT_EQ(root.create_region("ram"), "region0");
  EXPECT_EQ(fake.read(root.dir() / "create_ram_region"), "region0");
  EXPECT_THROW(root.create_region("cache"), famlab::Error);
}

TEST(Decoder, EndpointDecoderFreeUntilProgrammed) {
  fake::FakeSysfs fake;
  fake.add_host_bridge(12, "pci0000:0c");
  fake.add_memdev("mem0", 1, 256u << 20, "pci0000:0c", "0000:0d:00.0", 3);
  Decoder d = Decoder::named(fake.sys(), "decoder3.0");
  EXPECT_EQ(d.port_name(), "endpoint3");
  EXPECT_TRUE(d.is_free());
  d.set_mode("ram");
  d.set_dpa_size(256u << 20);
  EXPECT_EQ(d.mode(), "ram");
  EXPECT_EQ(d.dpa_size(), 256u << 20);
  EXPECT_FALSE(d.is_free());
}
