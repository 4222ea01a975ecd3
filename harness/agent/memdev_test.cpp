#include "harness/agent/memdev.h"

#include <gtest/gtest.h>

#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;

TEST(Memdev, ReadsAttributesAndFindsBySerial) {
  fake::FakeSysfs fake;
  fake.add_host_bridge(12, "pci0000:0c");
  fake.add_memdev("mem1", 0x2a, 256u << 20, "pci0000:0c", "0000:0c:00.0/0000:0d:00.0", 3);
  fake.add_memdev("mem0", 0x2b, 512u << 20, "pci0000:0c", "0000:0c:01.0/0000:0e:00.0", 4);

  auto all = Memdev::all(fake.sys());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name(), "mem0");  // natural order, not creation order

  auto m = Memdev::by_serial(fake.sys(), 0x2a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name(), "mem1");
  EXPECT_EQ(m->ram_size(), 256u << 20);
  EXPECT_EQ(m->pmem_size(), 0u);
  EXPECT_EQ(m->real_dir().parent_path().parent_path().parent_path().filename(), "pci0000:0c");
  EXPECT_FALSE(Memdev::by_serial(fake.sys(), 0x99));
}
