#include "harness/agent/resume.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "base/error.h"

namespace famlab::agent {
namespace {

// A guest's sysfs after a restore, as far as the re-probe looks: one CXL
// host bridge (ACPI0016) whose root port holds a type-3 device driven by
// cxl_pci, the cxl_acpi driver bound to ACPI0017:00, and mem0.
class RestoredSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/famlab-resume-XXXXXX";
    base_ = mkdtemp(tmpl);
    sys_ = base_ / "sys";
    fs::path bus = sys_ / "devices/pci0000:0c";
    fs::path rp = bus / "0000:0c:00.0";
    fs::path ep = rp / "0000:0d:00.0";
    fs::create_directories(ep);
    write(rp / "remove", "");
    fs::create_directories(sys_ / "bus/pci/drivers/cxl_pci");
    fs::create_directory_symlink(sys_ / "bus/pci/drivers/cxl_pci", ep / "driver");
    fs::create_directories(sys_ / "bus/acpi/devices/ACPI0016:00");
    fs::create_directory_symlink(bus, sys_ / "bus/acpi/devices/ACPI0016:00/physical_node");
    fs::path acpi = sys_ / "bus/platform/drivers/cxl_acpi";
    fs::create_directories(acpi / "ACPI0017:00");
    write(acpi / "bind", "");
    write(acpi / "unbind", "");
    write(sys_ / "bus/pci/rescan", "");
    fs::create_directories(sys_ / "bus/cxl/devices/mem0");
    fs::create_directories(sys_ / "bus/cxl/drivers/cxl_mem");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void bind_mem0() {
    fs::create_directory_symlink(sys_ / "bus/cxl/drivers/cxl_mem", sys_ / "bus/cxl/devices/mem0/driver");
  }
  SystemRoots roots() const { return {sys_, base_ / "dev"}; }

  fs::path base_, sys_;
};

TEST_F(RestoredSysfs, FindsTheHostBridgeBusThroughItsAcpiNode) {
  auto buses = cxl_host_bridge_buses(roots());
  ASSERT_EQ(buses.size(), 1u);
  EXPECT_EQ(buses[0].filename(), "pci0000:0c");
}

TEST_F(RestoredSysfs, RemovesTheDevicesRescansAndRebindsTheCxlRoot) {
  bind_mem0();
  ReprobeResult r = reprobe_cxl(roots(), 1, {});
  EXPECT_EQ(r.host_bridges, std::vector<std::string>{"pci0000:0c"});
  EXPECT_EQ(r.memdevs, 1);
  EXPECT_EQ(read(sys_ / "devices/pci0000:0c/0000:0c:00.0/remove"), "1\n");
  EXPECT_EQ(read(sys_ / "bus/pci/rescan"), "1\n");
  EXPECT_EQ(read(sys_ / "bus/platform/drivers/cxl_acpi/unbind"), "ACPI0017:00\n");
  EXPECT_EQ(read(sys_ / "bus/platform/drivers/cxl_acpi/bind"), "ACPI0017:00\n");
}

TEST_F(RestoredSysfs, AMemdevThatDoesNotComeBackIsAnErrorThatCountsThem) {
  int idles = 0;
  try {
    reprobe_cxl(roots(), 0.05, [&] { ++idles; });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("0 of 1 CXL memdevs are bound to cxl_mem"), std::string::npos)
        << e.what();
  }
  EXPECT_GT(idles, 0);
}

TEST_F(RestoredSysfs, AGuestWithoutCxlHostBridgesHasNothingToReprobe) {
  fs::remove_all(sys_ / "bus/acpi");
  ReprobeResult r = reprobe_cxl(roots(), 0.05, {});
  EXPECT_TRUE(r.host_bridges.empty());
  EXPECT_EQ(read(sys_ / "bus/pci/rescan"), "");
}

TEST(Entropy, HexBecomesBytesAndBadTextSaysWhatIsWrong) {
  EXPECT_EQ(entropy_bytes("00ff1A"), (std::vector<uint8_t>{0x00, 0xff, 0x1a}));
  EXPECT_THROW(entropy_bytes("abc"), Error);
  try {
    entropy_bytes("zz");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "entropy: 'z' is not a hex digit");
  }
}

}  // namespace
}  // namespace famlab::agent
