#include "lab/scenario/scenario_parse.h"

#include <gtest/gtest.h>

using namespace famlab;
using namespace famlab::scenario;

namespace {
std::filesystem::path testdata(const std::string& name) {
  return std::filesystem::path(FAMLAB_SOURCE_DIR) / "lab/scenario/testdata" / name;
}
}  // namespace

TEST(ParseScenario, ReadsStepsDefaultsAndInheritance) {
  std::vector<Diagnostic> problems;
  auto sc = parse_scenario(testdata("good.toml"), problems);
  ASSERT_TRUE(sc.has_value());
  for (const auto& p : problems) ADD_FAILURE() << p.str();

  EXPECT_EQ(sc->name, "good");
  EXPECT_EQ(sc->description, "every action once");
  EXPECT_EQ(
      sc->topology_file,
      (std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies/cxl2-1hb.toml").lexically_normal());
  EXPECT_EQ(sc->kernels, (std::vector<std::string>{"plain", "stock"}));
  EXPECT_DOUBLE_EQ(sc->timeout_s, 120.5);
  ASSERT_EQ(sc->steps.size(), 8u);

  const Step& up = sc->steps[0];
  EXPECT_EQ(up.action, Action::Bringup);
  EXPECT_DOUBLE_EQ(up.timeout_s, 90);
  EXPECT_EQ(up.where.line, 6);

  const Step& write = sc->steps[1];
  EXPECT_EQ(write.action, Action::WritePattern);
  EXPECT_EQ(write.region, 0);
  EXPECT_EQ(write.bytes, 2 * MiB);
  EXPECT_EQ(write.seed, 42u);
  EXPECT_DOUBLE_EQ(write.timeout_s, 60);  // default

  // verify and placement take the last write's size and seed unless given.
  EXPECT_EQ(sc->steps[2].bytes, 2 * MiB);
  EXPECT_EQ(sc->steps[2].seed, 42u);
  EXPECT_EQ(sc->steps[3].bytes, 64 * KiB);
  EXPECT_EQ(sc->steps[3].seed, 42u);
  EXPECT_EQ(sc->steps[4].action, Action::CheckPlacement);
  EXPECT_EQ(sc->steps[4].bytes, 2 * MiB);
  EXPECT_EQ(sc->steps[4].seed, 42u);

  const Step& list = sc->steps[5];
  EXPECT_EQ(list.action, Action::Run);  // implied by run = "..."
  EXPECT_EQ(list.command, "daxctl list -u");
  EXPECT_EQ(list.expect_output, (std::vector<std::string>{"\"mode\":\\s*\"devdax\"", "dax\\d+\\.\\d+"}));
  EXPECT_EQ(list.reject_output, std::vector<std::string>{"error"});
  EXPECT_DOUBLE_EQ(list.timeout_s, 30);
  EXPECT_EQ(sc->steps[6].expect_exit, 1);
  EXPECT_EQ(sc->steps[7].action, Action::Dmesg);
  EXPECT_EQ(sc->steps[7].reject_output, std::vector<std::string>{"BUG:"});
}

TEST(ParseScenario, NotTomlGivesNoModelAndOneDiagnostic) {
  std::vector<Diagnostic> problems;
  EXPECT_FALSE(parse_scenario(testdata("syntax_error.toml"), problems).has_value());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 2);
}

TEST(ParseScenario, StepsWithProblemsAreLeftOutButReported) {
  std::vector<Diagnostic> problems;
  auto sc = parse_scenario(testdata("unknown_action.toml"), problems);
  ASSERT_TRUE(sc.has_value());
  EXPECT_TRUE(sc->steps.empty());
  EXPECT_EQ(problems.size(), 1u);
}

TEST(ParseScenario, FamfsFilesAndDataExpectations) {
  std::vector<Diagnostic> problems;
  auto sc = parse_scenario(testdata("famfs_files.toml"), problems);
  ASSERT_TRUE(sc.has_value());
  for (const auto& p : problems) ADD_FAILURE() << p.str();
  ASSERT_EQ(sc->steps.size(), 4u);

  const Step& files = sc->steps[1];
  ASSERT_EQ(files.files.size(), 4u);
  EXPECT_EQ(files.files[0].name, "simple");
  EXPECT_EQ(files.files[0].size, 6 * MiB);
  EXPECT_EQ(files.files[0].strips, 0u);
  EXPECT_EQ(files.files[1].strips, 3u);
  EXPECT_EQ(files.files[1].chunk, 2 * MiB);
  EXPECT_EQ(files.files[2].chunk, 0u);  // famfs creat's default
  EXPECT_TRUE(files.files[2].extents.empty());
  EXPECT_EQ(files.files[3].extents, (std::vector<uint64_t>{6 * MiB, 4 * MiB}));
  EXPECT_EQ(files.files[1].where.line, 14);
  EXPECT_EQ(files.data_expected_on("famfs"), "dax");
  EXPECT_EQ(files.data_expected_on("stock"), "server");
  EXPECT_TRUE(files.check_placement);
  EXPECT_FALSE(files.expect_open_error);

  EXPECT_TRUE(sc->steps[2].files.empty());
  EXPECT_EQ(sc->steps[2].data_expected_on("famfs-rfc"), "server");  // a plain string is the default
  EXPECT_TRUE(sc->steps[3].expect_open_error);
  EXPECT_FALSE(sc->steps[3].data_expected_on("famfs"));
}
