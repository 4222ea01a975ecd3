#include "harness/agent/nd_namespace.h"

#include <gtest/gtest.h>

#include "harness/agent/fake_sysfs.h"
#include "harness/agent/nd_region.h"

using namespace famlab::agent;

TEST(NdNamespace, FoundByStartAndItsDaxBelowTheHolder) {
  fake::FakeSysfs fake;
  fake.add_pmem_namespace(0, 0x100000000, 512u << 20);
  EXPECT_FALSE(NdNamespace::at(fake.sys(), 0x200000000));
  auto ns = NdNamespace::at(fake.sys(), 0x100000000);
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->name(), "namespace0.0");
  EXPECT_EQ(ns->mode(), "raw");
  EXPECT_FALSE(ns->dax_device());

  // What ndctl create-namespace -m devdax leaves: an nd_dax claim holding
  // the dax device.
  fs::path claim = fs::canonical(ns->dir()).parent_path() / "dax0.0";
  fs::create_directories(claim);
  fs::create_directory_symlink(claim, fake.sys() / "bus/nd/devices/dax0.0");
  fake.add_dax(claim, "dax0.0", 502u << 20, "device_dax");
  fake.write(ns->dir() / "mode", "dax");
  fake.write(ns->dir() / "holder", "dax0.0");
  auto dax = ns->dax_device();
  ASSERT_TRUE(dax);
  EXPECT_EQ(dax->size(), 502u << 20);

  auto region = NdRegion::at(fake.sys(), 0x100000000);
  ASSERT_TRUE(region);
  ASSERT_EQ(region->namespaces().size(), 1u);
  EXPECT_EQ(region->namespaces()[0].name(), "namespace0.0");
}
