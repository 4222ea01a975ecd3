#include "lab/scenario/scenario_check.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "lab/topology/load.h"

using namespace famlab;
using namespace famlab::scenario;

namespace {

std::filesystem::path testdata(const std::string& name) {
  return std::filesystem::path(FAMLAB_SOURCE_DIR) / "lab/scenario/testdata" / name;
}

struct BadScenario {
  std::string file;
  std::string where_file;  // where the problem is: the scenario or its topology
  int line;
  std::string message;
};

const BadScenario kBad[] = {
    {"syntax_error.toml", "syntax_error.toml", 2,
     "TOML syntax error: Error while parsing table header: expected ']', saw '\\n'"},
    {"unknown_key.toml", "unknown_key.toml", 6,
     "unknown key 'expect_outptu' in [[step]] (did you mean 'expect_output'?)"},
    {"bad_regex.toml", "bad_regex.toml", 6,
     "step 'list': expect_output[1] = \"(unclosed\" is not a valid regular expression (Mismatched '(' and "
     "')' in "
     "regular expression)"},
    {"duplicate_step.toml", "duplicate_step.toml", 8, "duplicate step name 'up'"},
    {"unknown_action.toml", "unknown_action.toml", 5,
     "step 'up': unknown action \"bring-up\" (bringup, run, write_pattern, verify_pattern, check_placement, "
     "dmesg, famfs_mount, join)"},
    {"run_without_command.toml", "run_without_command.toml", 3,
     "step 'list': action \"run\" needs run = \"command\""},
    {"key_not_for_action.toml", "key_not_for_action.toml", 6,
     "step 'list': 'size' does not apply to action \"run\""},
    {"bad_size.toml", "bad_size.toml", 10, "step 'write': size 1000 must be a non-zero multiple of 4K"},
    {"pattern_before_bringup.toml", "pattern_before_bringup.toml", 3,
     "step 'write' (write_pattern) needs a bringup step before it"},
    {"placement_before_write.toml", "placement_before_write.toml", 7,
     "step 'placement' (check_placement) comes before any write_pattern for region 0"},
    {"no_kernels.toml", "no_kernels.toml", 2,
     "kernels = [] would never run; leave it out to run on any kernel"},
    {"no_steps.toml", "no_steps.toml", 1, "the scenario has no [[step]]"},
    {"region_out_of_range.toml", "region_out_of_range.toml", 7,
     "step 'write': region 1 does not exist in topology 'cxl1' (regions count from 0; it has 1)"},
    {"too_big.toml", "too_big.toml", 7, "step 'write': 1G does not fit in region 0 (256M)"},
    {"uses_broken_topology.toml", "broken-topology.toml", 3, "'root_ports' = 0 is out of range (1..16)"},
};

}  // namespace

TEST(CheckScenario, EveryBadFileFailsAtTheRightPlace) {
  for (const auto& bad : kBad) {
    SCOPED_TRACE(bad.file);
    auto problems = check_scenario(testdata(bad.file));
    ASSERT_FALSE(problems.empty());
    EXPECT_EQ(problems[0].where.file, testdata(bad.where_file).lexically_normal().string());
    EXPECT_EQ(problems[0].where.line, bad.line);
    EXPECT_EQ(problems[0].message, bad.message);
    EXPECT_THROW(load_scenario(testdata(bad.file)), Error);
  }
}

TEST(CheckScenario, MultiGuestScenariosNameTheGuestOfEveryStep) {
  for (const auto& p : check_scenario(testdata("multi_guest.toml"))) ADD_FAILURE() << p.str();
  Scenario sc = load_scenario(testdata("multi_guest.toml"));
  ASSERT_EQ(sc.guests.size(), 2u);
  EXPECT_TRUE(sc.multi_guest());
  EXPECT_EQ(sc.shared_devices, std::vector<std::string>{"mem0"});
  std::vector<std::pair<std::string, std::string>> steps;
  for (const auto& s : sc.steps) steps.emplace_back(s.name, s.guest);
  std::vector<std::pair<std::string, std::string>> want = {
      {"up@a", "a"}, {"up@b", "b"}, {"producer", "a"}, {"consumer", "b"}, {"wait", ""}, {"check", "a"}};
  EXPECT_EQ(steps, want);  // guest = "*" expands, the first guest is the default
  EXPECT_TRUE(sc.steps[2].background);
  EXPECT_EQ(sc.steps[4].action, Action::Join);
  EXPECT_EQ(sc.steps[4].join, "producer");
}

TEST(CheckScenario, MultiGuestMistakesAreReportedWhereTheyAre) {
  auto problems = check_scenario(testdata("multi_guest_mistakes.toml"));
  std::vector<std::pair<int, std::string>> got;
  for (const auto& p : problems) got.emplace_back(p.where.line, p.message);
  std::vector<std::pair<int, std::string>> want = {
      {13, "step 'on-c': no guest named 'c' (guests: a, b)"},
      {24, "step 'again-on-a': guest 'a' is still running background step 'producer'; join it first"},
      {29, "step 'wait': join = \"nothing\" names no background step before it that is still running"},
      {31, "step 'write' (write_pattern) needs a bringup step before it on guest 'b'"},
  };
  EXPECT_EQ(got, want);
}

TEST(CheckScenario, SharedDevicesMustBeTheSameFileBackedMemoryEverywhere) {
  auto problems = check_scenario(testdata("multi_guest_shared_mismatch.toml"));
  std::vector<std::string> got;
  for (const auto& p : problems)
    got.push_back(p.where.file.substr(p.where.file.rfind('/') + 1) + ":" + std::to_string(p.where.line) +
                  ": " + p.message);
  std::vector<std::string> want = {
      "multi_guest_shared_mismatch.toml:8: shared device 'mem1' is not in guest 'b' (" +
          testdata("cxl1-512m.toml").lexically_normal().string() + ")",
      "multi_guest_shared_mismatch.toml:12: shared device 'mem1' is not in guest 'c' (" +
          testdata("ram-backed.toml").lexically_normal().string() + ")",
      "cxl1-512m.toml:7: shared device 'mem0' has 512M in guest 'b' but 256M in guest 'a'",
      "cxl1-512m.toml:18: shared device 'mem0' is seen differently by guest 'b' (1-way [mem0] granularity "
      "4096 "
      "ram) and guest 'a' (2-way [mem0,mem1] granularity 4096 ram); the same offset would be different bytes "
      "(allow_different_views = true if meant)",
      "ram-backed.toml:5: shared device 'mem0' of guest 'c' must be volatile with backing = \"file\": guests "
      "share it through one file",
  };
  for (const auto& w : want) EXPECT_NE(std::find(got.begin(), got.end(), w), got.end()) << "missing: " << w;
  EXPECT_EQ(got.size(), want.size() + 1);  // and guest c's region differs from a's too
}

TEST(CheckScenario, TopologyAndGuestsAreExclusiveAndSharingNeedsTwoGuests) {
  auto problems = check_scenario(testdata("multi_guest_topology_and_guests.toml"));
  std::vector<std::pair<int, std::string>> got;
  for (const auto& p : problems) got.emplace_back(p.where.line, p.message);
  std::vector<std::pair<int, std::string>> want = {
      {2, "a scenario has either topology = \"...\" (one guest) or [[guest]] tables, not both"},
      {3, "shared_devices needs at least two [[guest]] tables to share between"},
  };
  EXPECT_EQ(got, want);
}

TEST(CheckScenario, MissingTopologyFileNamesTheResolvedPath) {
  auto problems = check_scenario(testdata("missing_topology.toml"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 2);
  EXPECT_EQ(
      problems[0].message,
      "topology file " + testdata("topologies/nowhere.toml").lexically_normal().string() + " does not exist");
}

TEST(CheckScenario, PlacementNeedsFileBackedDevices) {
  auto problems = check_scenario(testdata("placement_not_file_backed.toml"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 11);
  EXPECT_EQ(problems[0].message,
            "step 'placement': check_placement reads the backing files, but device 'mem0' of "
            "region 0 is not backing = \"file\" in " +
                testdata("ram-backed.toml").lexically_normal().string());
}

TEST(CheckScenario, FamfsFileMistakesAreEachReportedWhereTheyAre) {
  auto problems = check_scenario(testdata("famfs_bad_files.toml"));
  std::vector<std::pair<int, std::string>> got;
  for (const auto& p : problems) got.emplace_back(p.where.line, p.message);
  std::vector<std::pair<int, std::string>> want = {
      {10, "step 'bad-chunk': files[0]: chunk 3M must be a power of two from 2M to 1G"},
      {15, "step 'chunk-alone': files[0]: chunk applies to interleaved files only; give strips = N too"},
      {20,
       "step 'size-and-files': size is the probe's size; with files = [...] give each file its size instead"},
      {26,
       "step 'bad-data': expect_data = \"disk\" must be one of dax, server (or a table of kernel = value)"},
      {31,
       "step 'placement-alone': check_placement looks for files written through the mount: give files = "
       "[...]"},
      {38, "step 'open-error-and-data': expect_data needs data, but expect_open_error says no file opens"},
      {43, "step 'same-name': files[1]: a second file named 'a'"},
      {48,
       "step 'bad-file': files[0]: name '../x' must match [A-Za-z0-9][A-Za-z0-9_.-]* (one path component)"},
      {48, "step 'bad-file': files[0]: size 1000 must be a non-zero multiple of 4K"},
      {48, "'strips' = 17 is out of range (1..16)"},
      {48, "unknown key 'colour' in step 'bad-file' files[0]"},
      {53, "step 'files-on-run': 'files' does not apply to action \"run\""},
      {55,
       "step 'too-big': the files need 538M of famfs (with superblock and log), more than region 0 has "
       "(512M)"},
  };
  EXPECT_EQ(got, want);
}

TEST(CheckScenario, FamfsPlacementNeedsFileBackedDevices) {
  auto problems = check_scenario(testdata("famfs_placement_not_file_backed.toml"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 7);
  EXPECT_NE(problems[0].message.find("device 'mem0' of region 0 is not backing = \"file\""),
            std::string::npos)
      << problems[0].message;
}

TEST(CheckScenario, ShippedScenariosAreValidAndWriteSeveralGranulesPerDevice) {
  const std::filesystem::path dir = std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios";
  for (const char* name : {"boot-and-devdax.toml", "interleave-2way-1hb.toml", "interleave-2way-2hb.toml"}) {
    SCOPED_TRACE(name);
    for (const auto& p : check_scenario(dir / name)) ADD_FAILURE() << p.str();
    Scenario sc = load_scenario(dir / name);
    auto topo = topology::load_topology(sc.topology_file);
    bool placement = false;
    for (const auto& s : sc.steps) {
      if (s.action != Action::CheckPlacement) continue;
      placement = true;
      const auto& region = topo.regions[static_cast<size_t>(s.region)];
      // Every device must receive more than one granule for the check to mean anything.
      EXPECT_GE(s.bytes / region.granularity / region.devices.size(), 2u);
    }
    EXPECT_TRUE(placement);
  }
}

TEST(CheckScenario, ShippedFamfsDataScenariosAreValid) {
  const std::filesystem::path dir = std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios";
  for (const char* name : {"interleaved-reads-1way.toml", "interleaved-reads-2way-1hb-g256.toml",
                           "interleaved-reads-2way-1hb-g4096.toml", "interleaved-reads-2way-2hb-g4096.toml",
                           "malformed-maps.toml", "cap-drop-matrix.toml", "reject-dax-fmap.toml"}) {
    SCOPED_TRACE(name);
    for (const auto& p : check_scenario(dir / name)) ADD_FAILURE() << p.str();
  }
  // Every interleaved-reads file crosses chunk, strip and row boundaries and
  // the host checks where each word landed.
  Scenario sc = load_scenario(dir / "interleaved-reads-2way-1hb-g256.toml");
  const Step& files = sc.steps.at(1);
  EXPECT_TRUE(files.check_placement);
  EXPECT_EQ(files.data_expected_on("famfs"), "dax");
  for (const auto& f : files.files) {
    if (f.strips) {
      EXPECT_GT(f.size, f.strips * f.chunk) << f.name << ": no row boundary to cross";
    }
  }
  Scenario bad = load_scenario(dir / "malformed-maps.toml");
  int malformed = 0;
  for (const auto& s : bad.steps) malformed += s.expect_open_error;
  EXPECT_EQ(malformed, 12);  // every --bad-fmap kind but none
}
