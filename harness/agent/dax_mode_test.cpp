#include "harness/agent/dax_mode.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "harness/agent/dax_device.h"
#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;

namespace {

// A dax device on a fake sysfs, and a stand-in kernel that does what the
// real driver files do when written.
struct FamfsKernel {
  explicit FamfsKernel(bool has_famfs_dax) {
    fs::path parent = fake.sys() / "devices/platform/x/region0";
    fs::create_directories(parent);
    fake.add_dax(parent, "dax0.0", 256u << 20, "device_dax");
    if (has_famfs_dax) fake.add_dax_driver("famfs_dax");
  }
  AttrWriter writer() {
    return [this](const fs::path& file, const std::string& value) {
      std::string rel = fs::relative(file, fake.sys() / "bus/dax/drivers").string();
      writes.push_back(rel + " " + value);
      if (refuse) return;  // accepted, but nothing happens
      if (rel.ends_with("/unbind")) fake.set_dax_driver(value, "");
      if (rel == "famfs_dax/new_id") fake.set_dax_driver(value, "famfs_dax");
      if (rel == "device_dax/bind") fake.set_dax_driver(value, "device_dax");
    };
  }
  std::string driver() { return DaxDevice(fake.sys() / "bus/dax/devices/dax0.0").driver(); }

  fake::FakeSysfs fake;
  std::vector<std::string> writes;
  bool refuse = false;
};

TEST(DaxMode, FamfsModeUnbindsDeviceDaxThenAddsTheIdToFamfsDax) {
  FamfsKernel k(true);
  EXPECT_TRUE(famfs_dax_available(k.fake.sys()));
  DaxModeChange c = set_dax_mode(k.fake.roots(), "dax0.0", "famfs", 1, {}, k.writer());
  EXPECT_EQ(k.writes, (std::vector<std::string>{"device_dax/unbind dax0.0", "famfs_dax/new_id dax0.0"}));
  EXPECT_TRUE(c.changed);
  EXPECT_EQ(c.driver_before, "device_dax");
  EXPECT_EQ(c.driver, "famfs_dax");
  EXPECT_EQ(c.mode, "famfs");
  EXPECT_EQ(DaxDevice(k.fake.sys() / "bus/dax/devices/dax0.0").mode(), "famfs");

  // Again: already there, nothing written.
  k.writes.clear();
  EXPECT_FALSE(set_dax_mode(k.fake.roots(), "dax0.0", "famfs", 1, {}, k.writer()).changed);
  EXPECT_TRUE(k.writes.empty());
}

TEST(DaxMode, DevdaxModeUnbindsAndRemovesTheIdBeforeBindingDeviceDax) {
  FamfsKernel k(true);
  set_dax_mode(k.fake.roots(), "dax0.0", "famfs", 1, {}, k.writer());
  k.writes.clear();
  DaxModeChange c = set_dax_mode(k.fake.roots(), "dax0.0", "devdax", 1, {}, k.writer());
  EXPECT_EQ(k.writes, (std::vector<std::string>{"famfs_dax/unbind dax0.0", "famfs_dax/remove_id dax0.0",
                                                "device_dax/bind dax0.0"}));
  EXPECT_EQ(c.driver, "device_dax");
  EXPECT_EQ(k.driver(), "device_dax");
}

TEST(DaxMode, AKernelWithoutFamfsDaxIsToldApartAndRefused) {
  FamfsKernel k(false);
  EXPECT_FALSE(famfs_dax_available(k.fake.sys()));
  try {
    set_dax_mode(k.fake.roots(), "dax0.0", "famfs", 1, {}, k.writer());
    FAIL() << "famfs mode without the driver";
  } catch (const famlab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no " + (k.fake.sys() / "bus/dax/drivers/famfs_dax").string()),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(k.writes.empty());
  EXPECT_EQ(k.driver(), "device_dax");
}

TEST(DaxMode, ADriverThatDoesNotBindIsReportedWithWhatIsBound) {
  FamfsKernel k(true);
  k.refuse = true;
  try {
    set_dax_mode(k.fake.roots(), "dax0.0", "famfs", 0.1, {}, k.writer());
    FAIL() << "no bind, no error";
  } catch (const famlab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("dax0.0 is bound to device_dax, not famfs_dax"), std::string::npos)
        << e.what();
  }
}

TEST(DaxMode, ARefusedSysfsWriteNamesTheFile) {
  FamfsKernel k(true);
  EXPECT_THROW(set_dax_mode(k.fake.roots(), "dax9.9", "famfs", 0.1, {}), famlab::Error);
  try {
    set_dax_mode(k.fake.roots(), "dax0.0", "famfs", 0.1, {}, [](const fs::path& f, const std::string&) {
      throw famlab::Error(f.string() + ": write failed: Device or resource busy");
    });
    FAIL() << "a refused write went unnoticed";
  } catch (const famlab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("device_dax/unbind: write failed: Device or resource busy"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
