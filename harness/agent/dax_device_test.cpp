#include "harness/agent/dax_device.h"

#include <gtest/gtest.h>

#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;

TEST(DaxDevice, ModeFollowsTheDriver) {
  fake::FakeSysfs fake;
  fs::path parent = fake.sys() / "devices/platform/x/region3";
  fs::create_directories(parent);
  fake.add_dax(parent, "dax3.0", 256u << 20, "");
  auto all = DaxDevice::all(fake.sys());
  ASSERT_EQ(all.size(), 1u);
  DaxDevice d = all[0];
  EXPECT_EQ(d.size(), 256u << 20);
  EXPECT_EQ(d.align(), 2u << 20);
  EXPECT_EQ(d.mode(), "unbound");
  fake.set_dax_driver("dax3.0", "kmem");
  EXPECT_EQ(d.mode(), "system-ram");
  fake.set_dax_driver("dax3.0", "device_dax");
  EXPECT_EQ(d.mode(), "devdax");
  EXPECT_EQ(d.char_device(fake.dev()), fake.dev() / "dax3.0");
  EXPECT_TRUE(DaxDevice::below(fake.sys(), parent));
  EXPECT_FALSE(DaxDevice::below(fake.sys(), fake.sys() / "devices/platform/x/region4"));
}
