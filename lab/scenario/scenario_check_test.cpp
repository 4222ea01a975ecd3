#include "lab/scenario/scenario_check.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "lab/topology/load.h"

using namespace famlab;
using namespace famlab::scenario;

namespace {

// The message for action = "bring-up": it lists every action there is, in
// the parser's order (one place to change when an action is added).
const char* const kUnknownBringUp =
    "step 'up': unknown action \"bring-up\" (bringup, run, write_pattern, verify_pattern, check_placement, "
    "dmesg, famfs_mount, join, dax_mode, backing_checksum, qmp, inject_poison, poison_list, trace_events)";

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
     kUnknownBringUp},
    {"run_without_command.toml", "run_without_command.toml", 5,
     "step 'list': action \"run\" needs run = \"command\""},
    {"key_not_for_action.toml", "key_not_for_action.toml", 6,
     "step 'list': 'size' does not apply to action \"run\""},
    {"bad_size.toml", "bad_size.toml", 10, "step 'write': size 1000 must be a non-zero multiple of 4K"},
    {"pattern_before_bringup.toml", "pattern_before_bringup.toml", 5,
     "step 'write' (write_pattern) needs a bringup step before it"},
    {"placement_before_write.toml", "placement_before_write.toml", 9,
     "step 'placement' (check_placement) comes before any write_pattern for region 0"},
    {"no_kernels.toml", "no_kernels.toml", 2,
     "kernels = [] would never run; leave it out to run on any kernel"},
    {"no_steps.toml", "no_steps.toml", 1, "the scenario has no [[step]]"},
    {"region_out_of_range.toml", "region_out_of_range.toml", 10,
     "step 'write': region 1 does not exist in topology 'cxl1' (regions count from 0; it has 1)"},
    {"too_big.toml", "too_big.toml", 10, "step 'write': 1G does not fit in region 0 (256M)"},
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

// Problems inside a [[step]] point at the key they are about, line and
// column, not at the [[step]] line.
TEST(CheckScenario, StepProblemsPointAtTheirKey) {
  struct At {
    std::string file;
    int line, column;
  };
  for (const At& at : {At{"region_out_of_range.toml", 10, 1}, At{"pattern_before_bringup.toml", 5, 1},
                       At{"too_big.toml", 10, 1}, At{"run_without_command.toml", 5, 1},
                       At{"placement_before_write.toml", 9, 1}, At{"bad_size.toml", 10, 1}}) {
    SCOPED_TRACE(at.file);
    auto problems = check_scenario(testdata(at.file));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].where.line, at.line);
    EXPECT_EQ(problems[0].where.column, at.column);
  }
}

// A refused value is reported once; what stands in for it must not make a
// later step, or the steps against the topology, look wrong too.
TEST(CheckScenario, ARejectedValueCausesNoFollowOnErrors) {
  struct Only {
    std::string file;
    std::string where_file;
    int line;
    std::string message;
  };
  const Only cases[] = {
      {"rejected_region_then_verify.toml", "rejected_region_then_verify.toml", 12,
       "'region' in [[step]] must be an integer, not a string"},
      {"unreadable_bringup_then_write.toml", "unreadable_bringup_then_write.toml", 6,
       kUnknownBringUp},
      {"misspelt_key_in_bringup_then_write.toml", "misspelt_key_in_bringup_then_write.toml", 7,
       "unknown key 'timout' in [[step]] (did you mean 'timeout'?)"},
      {"unreadable_background_then_join.toml", "unreadable_background_then_join.toml", 11,
       "unknown key 'timout' in [[step]] (did you mean 'timeout'?)"},
      {"step_on_topology_with_refused_capacity.toml", "bad-capacity-topology.toml", 7,
       "device 'mem0': volatile = 300M is not a multiple of 256M (QEMU's CXL capacity unit)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    auto problems = check_scenario(testdata(c.file));
    ASSERT_FALSE(problems.empty());
    for (size_t i = 1; i < problems.size(); ++i) ADD_FAILURE() << "follow-on error: " << problems[i].str();
    EXPECT_EQ(problems[0].where.file, testdata(c.where_file).lexically_normal().string());
    EXPECT_EQ(problems[0].where.line, c.line);
    EXPECT_EQ(problems[0].message, c.message);
  }
}

// The lab's kernels: the variants of images/kernels.toml and stock.
TEST(CheckScenario, KnowsTheLabKernels) {
  auto names = lab_kernel_names();
  for (const char* k : {"plain", "famfs", "famfs-v3", "famfs-rfc", "stock"})
    EXPECT_NE(std::find(names.begin(), names.end(), k), names.end()) << k;
  EXPECT_EQ(std::find(names.begin(), names.end(), "famfs-v9"), names.end());
}

TEST(CheckScenario, AnUnknownKernelIsAnErrorAtItsNameListingTheKnownOnes) {
  const std::vector<std::string> known = {"plain", "famfs", "stock"};
  auto problems = check_scenario(testdata("unknown_kernel.toml"), known);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 2);
  EXPECT_EQ(problems[0].where.column, 21);  // the "famfs-v9" item, not the key
  EXPECT_EQ(problems[0].message, "kernels: unknown kernel 'famfs-v9' (known: plain, famfs, stock)");
  EXPECT_THROW(load_scenario(testdata("unknown_kernel.toml"), known), Error);
  // With the lab's own names too (what famlab check and famlab run use).
  problems = check_scenario(testdata("unknown_kernel.toml"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("unknown kernel 'famfs-v9' (known: "), std::string::npos);
  EXPECT_NE(problems[0].message.find("famfs-rfc"), std::string::npos);
  EXPECT_NE(problems[0].message.find("stock"), std::string::npos);
  // The same file with a name famlab knows is valid.
  EXPECT_TRUE(check_scenario(testdata("unknown_kernel.toml"), {"famfs", "famfs-v9"}).empty());
}

TEST(CheckScenario, AnUnknownKernelInAPerKernelExpectationIsAnError) {
  auto problems = check_scenario(testdata("unknown_kernel_in_expectation.toml"), {"famfs", "stock"});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 11);
  EXPECT_EQ(problems[0].where.column, 57);
  EXPECT_EQ(problems[0].message,
            "step 'mount': expect_famfs names unknown kernel 'famfs-v9' (known: famfs, stock, or default)");
}

TEST(CheckScenario, EveryShippedScenarioNamesOnlyKnownKernels) {
  const std::filesystem::path dir = std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios";
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".toml") continue;
    SCOPED_TRACE(e.path().filename().string());
    for (const auto& p : check_scenario(e.path())) ADD_FAILURE() << p.str();
    ++checked;
  }
  EXPECT_GE(checked, 10);
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
      {34, "step 'write' (write_pattern) needs a bringup step before it on guest 'b'"},  // its action
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
      "ram) and guest 'a' (2-way [mem0,mem1] granularity 4096 ram); the same offset would be different "
      "bytes "
      "(allow_different_views = true if meant)",
      "ram-backed.toml:5: shared device 'mem0' of guest 'c' must be volatile with backing = \"file\": "
      "guests "
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
  EXPECT_EQ(problems[0].where.line, 13);  // the action
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
       "step 'size-and-files': size is the probe's size; with files = [...] give each file its size "
       "instead"},
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
      {58,
       "step 'too-big': the files need 538M of famfs (with superblock and log), more than region 0 has "
       "(512M)"},
      {63, "step 'errno-alone': expect_open_errno needs expect_open_error = true"},
      {69,
       "step 'bad-errno': expect_open_errno = \"EFOO\" is not one of EACCES, EBUSY, EINVAL, ENODEV, ENOENT, "
       "ENXIO"},
      {74, "step 'bad-extents': files[0]: extent '3M' is not a non-zero multiple of 2M"},
      {74, "step 'bad-extents': files[1]: extents lists 1 or 2 extents (the RFC V2 kernels take at most 2)"},
  };
  EXPECT_EQ(got, want);
}

TEST(CheckScenario, FamfsPlacementNeedsFileBackedDevices) {
  auto problems = check_scenario(testdata("famfs_placement_not_file_backed.toml"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 11);  // check_placement = true
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
                           "malformed-maps.toml", "cap-drop-matrix.toml", "reject-dax-fmap.toml",
                           "famfs-multi-extent.toml", "famfs-poisoned-page.toml", "famfs-device-cycles.toml"}) {
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
  EXPECT_EQ(malformed, 22);  // every --bad-fmap kind but none
}

TEST(CheckScenario, MapFuzzingScenariosAreValidAndTheNightlyOneIsTenTimesLarger) {
  const std::filesystem::path dir = std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios";
  for (const auto& name : {dir / "fmap-fuzz.toml", dir / "nightly" / "fmap-fuzz-nightly.toml"}) {
    SCOPED_TRACE(name.string());
    for (const auto& p : check_scenario(name)) ADD_FAILURE() << p.str();
  }
  auto count = [](const Scenario& sc) {
    for (const auto& s : sc.steps) {
      auto at = s.command.find("fuzz-open --seed ");
      if (at == std::string::npos) continue;
      auto c = s.command.find("--count ", at);
      return std::stoull(s.command.substr(c + 8));
    }
    return 0ull;
  };
  uint64_t test = count(load_scenario(dir / "fmap-fuzz.toml"));
  uint64_t nightly = count(load_scenario(dir / "nightly" / "fmap-fuzz-nightly.toml"));
  EXPECT_GE(nightly, 100000u);
  EXPECT_GE(nightly, 10 * test);
}
