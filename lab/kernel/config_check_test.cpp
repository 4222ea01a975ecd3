#include "lab/kernel/config_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lab/common/paths.h"

using namespace famlab;
using namespace famlab::kernel;
namespace fs = std::filesystem;

namespace {
std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}
}  // namespace

TEST(ConfigCheck, ParsesSetAndUnsetLinesWithTheirLineNumbers) {
  auto opts =
      parse_fragment_text("# comment\n\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=\"text\"\n", "f.config");
  ASSERT_EQ(opts.size(), 3u);
  EXPECT_EQ(opts[0].name, "CONFIG_A");
  EXPECT_EQ(opts[0].value, "y");
  EXPECT_EQ(opts[0].where.str(), "f.config:3");
  EXPECT_EQ(opts[1].name, "CONFIG_B");
  EXPECT_EQ(opts[1].value, "n");
  EXPECT_EQ(opts[2].value, "\"text\"");
}

TEST(ConfigCheck, RejectsALineThatIsNotConfig) {
  try {
    parse_fragment_text("CONFIG_A=y\nCXL_ACPI=y\n", "x.config");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.config:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_fragment_text("CONFIG_A=\n", "x.config"), Error);
}

TEST(ConfigCheck, NamesEachDroppedOptionAndTheLineThatAskedForIt) {
  auto req = parse_fragment_text(
      "CONFIG_KEEP=y\nCONFIG_GONE=y\nCONFIG_TRI=y\n# CONFIG_OFF is not set\nCONFIG_N=4\n", "cxl.config");
  auto config =
      parse_config_text("CONFIG_KEEP=y\nCONFIG_TRI=m\nCONFIG_OFF=y\nCONFIG_N=4\n# CONFIG_OTHER is not set\n");
  auto dropped = dropped_options(req, config);
  ASSERT_EQ(dropped.size(), 3u) << joined(dropped);
  EXPECT_NE(dropped[0].find("CONFIG_GONE=y (cxl.config:2) is not set"), std::string::npos) << dropped[0];
  EXPECT_NE(dropped[1].find("CONFIG_TRI=y (cxl.config:3) became CONFIG_TRI=m"), std::string::npos)
      << dropped[1];
  EXPECT_NE(dropped[2].find("CONFIG_OFF is not set (cxl.config:4) became CONFIG_OFF=y"), std::string::npos)
      << dropped[2];
}

TEST(ConfigCheck, NotSetIsHonouredByAnAbsentOption) {
  auto req = parse_fragment_text("# CONFIG_DEV_DAX_KMEM is not set\n", "cxl.config");
  EXPECT_TRUE(dropped_options(req, parse_config_text("CONFIG_DAX=y\n")).empty());
}

TEST(ConfigCheck, TheLastRequestForAnOptionWins) {
  auto req = parse_fragment_text("CONFIG_A=y\n", "a.config");
  auto later = parse_fragment_text("# CONFIG_A is not set\n", "b.config");
  req.insert(req.end(), later.begin(), later.end());
  EXPECT_TRUE(dropped_options(req, parse_config_text("# CONFIG_A is not set\n")).empty());
  auto dropped = dropped_options(req, parse_config_text("CONFIG_A=y\n"));
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_NE(dropped[0].find("b.config:1"), std::string::npos) << dropped[0];
}

TEST(ConfigCheck, CheckFragmentsSurvivedThrowsWithEveryDroppedOption) {
  RunDir dir("famlab-cfgcheck-");
  fs::path frag = dir.path() / "cxl.config";
  std::ofstream(frag) << "CONFIG_CXL_BUS=y\nCONFIG_CXL_ACPI=y\nCONFIG_DEV_DAX=y\n";
  fs::path config = dir.path() / ".config";
  std::ofstream(config) << "CONFIG_CXL_BUS=y\n# CONFIG_CXL_ACPI is not set\n";
  try {
    check_fragments_survived({frag}, config);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("2 option(s)"), std::string::npos) << what;
    EXPECT_NE(what.find("CONFIG_CXL_ACPI=y (" + frag.string() + ":2)"), std::string::npos) << what;
    EXPECT_NE(what.find("CONFIG_DEV_DAX=y (" + frag.string() + ":3)"), std::string::npos) << what;
  }
  std::ofstream(config) << "CONFIG_CXL_BUS=y\nCONFIG_CXL_ACPI=y\nCONFIG_DEV_DAX=y\n";
  EXPECT_NO_THROW(check_fragments_survived({frag}, config));
}

TEST(ConfigCheck, EveryShippedFragmentParses) {
  int files = 0;
  for (const auto& e : fs::directory_iterator(fs::path(FAMLAB_SOURCE_DIR) / "kernel-config")) {
    if (e.path().extension() != ".config") continue;
    ++files;
    EXPECT_FALSE(parse_fragment(e.path()).empty()) << e.path();
  }
  EXPECT_GE(files, 4);
}
