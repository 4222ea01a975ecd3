#include "lab/topology/load.h"

#include <gtest/gtest.h>

using namespace famlab;
using namespace famlab::topology;

namespace {

std::filesystem::path testdata(const std::string& name) {
  return std::filesystem::path(FAMLAB_SOURCE_DIR) / "lab/topology/testdata" / name;
}

std::filesystem::path shipped(const std::string& name) {
  return std::filesystem::path(FAMLAB_SOURCE_DIR) / "scenarios/topologies" / name;
}

// One bad file, the line its (first) problem must point at, and the message.
struct BadFile {
  std::string file;
  int line;
  std::string message;
};

const BadFile kBadFiles[] = {
    {"syntax_error.toml", 3,
     "TOML syntax error: Error while parsing key-value pair: expected value, saw '\\n'"},
    {"unknown_key.toml", 7, "unknown key 'volatle' in [[device]] (did you mean 'volatile'?)"},
    {"wrong_type.toml", 3, "'root_ports' in [[host_bridge]] must be an integer, not a string"},
    {"table_not_array.toml", 1, "'device' must be written as [[device]] tables, not a table"},
    {"bad_id.toml", 2, "host bridge id 'HB0' must match [a-z][a-z0-9_-]*"},
    {"no_capacity.toml", 4, "device 'mem0' has no capacity: give volatile and/or persistent"},
    {"capacity_not_multiple.toml", 7,
     "device 'mem0': volatile = 300M is not a multiple of 256M (QEMU's CXL capacity unit)"},
    {"window_size_not_multiple.toml", 6, "window 0 size 1000M must be a non-zero multiple of 256M"},
    {"bad_granularity.toml", 7, "granularity 3000 must be a power of two from 256 to 16384"},
    {"bad_ways.toml", 30, "region 0 has 5 devices; interleave ways must be 1, 2, 3, 4, 6, 8, 12 or 16"},
    {"ways_not_multiple_of_targets.toml", 16,
     "region 0 is 1-way but window 0 interleaves 2 host bridges: ways must be a multiple of 2"},
    {"granularity_mismatch.toml", 20,
     "region 0 granularity 4096 must equal window 0 granularity 256 when the window interleaves several host "
     "bridges (Linux 6.12 rule)"},
    {"wrong_position.toml", 20,
     "region 0 position 0: device 'mem1' is below host bridge 'hb1', but window 0 sends position 0 to 'hb0' "
     "(targets[0 % 2])"},
    {"window_too_small.toml", 16, "regions in window 0 need 512M but the window is only 256M"},
    {"device_in_two_regions.toml", 16,
     "device 'mem0' is in region 0 and region 1; a device can be in one region only"},
    {"unknown_device.toml", 8, "region 0: unknown device 'mem9'"},
    {"duplicate_id.toml", 6, "duplicate id 'hb0' (first at line 2)"},
    {"unknown_port.toml", 6,
     "device 'mem0': unknown port 'hb0.rp1' (a root port like hb0.rp0 or a switch port like sw0.dp0)"},
    {"port_used_twice.toml", 11,
     "port 'hb0.rp0' is used twice: by device 'mem0' (line 6) and by device 'mem1'"},
    {"switch_below_switch.toml", 11,
     "switch 'sw1' hangs below 'sw0.dp0', which is not a root port: QEMU supports one level of switches"},
    {"pmem_region_on_volatile.toml", 13,
     "region 0 is type \"pmem\" but device 'mem0' has no persistent capacity"},
    {"ram_region_on_persistent.toml", 13,
     "region 0 is type \"ram\" but device 'mem0' has no volatile capacity"},
    {"unequal_capacity.toml", 18,
     "region 0: devices must have equal volatile capacity, but 'mem0' has 256M and 'mem1' has 512M"},
    {"window_unknown_target.toml", 5, "window 0: unknown host bridge 'hb7'"},
    {"region_window_missing.toml", 13,
     "region 0: window 1 does not exist (windows count from 0; the file has 1)"},
    {"maxmem_not_above_memory.toml", 3,
     "machine maxmem 4G must be larger than memory 4G (the hotplug area gives CXL memory its own NUMA node)"},
    {"cpus_out_of_range.toml", 2, "'cpus' = 0 is out of range (1..64)"},
    {"pmem_not_covered.toml", 6,
     "pmem 512M at 4G is not guest RAM: with memory = 2G q35 has RAM at [0, 2G) only, and the guest would "
     "silently read zeros; set [machine] memory to at least 2816M"},
    {"pmem_in_pci_hole.toml", 5,
     "pmem 512M at 3G is not guest RAM: with memory = 6G q35 has RAM at [0, 2G) and [4G, 8G) only, and the "
     "guest would silently read zeros; the range reaches into the PCI hole below 4G, move it"},
};

}  // namespace

TEST(LoadTopology, EveryBadFileFailsAtTheRightLineWithTheRightMessage) {
  for (const auto& bad : kBadFiles) {
    SCOPED_TRACE(bad.file);
    auto path = testdata(bad.file);
    auto problems = check_topology(path);
    ASSERT_FALSE(problems.empty());
    // One mistake, one error: only these two files hold two mistakes each
    // (see the tests below).
    if (bad.file != "bad_granularity.toml" && bad.file != "wrong_position.toml")
      for (size_t i = 1; i < problems.size(); ++i) ADD_FAILURE() << "second error: " << problems[i].str();
    EXPECT_EQ(problems[0].where.file, path.string());
    EXPECT_EQ(problems[0].where.line, bad.line);
    EXPECT_EQ(problems[0].message, bad.message);
    try {
      load_topology(path);
      ADD_FAILURE() << "load_topology accepted " << bad.file;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), problems[0].str());
    }
  }
}

// A refused value is reported once, at its key; the default standing in for
// it must not cause a second error elsewhere (each of these files used to
// give two or three).
struct OneProblem {
  std::string file;
  int line, column;
  std::string message;
};

const OneProblem kRejectedValues[] = {
    {"rejected_capacity_in_region.toml", 8, 1,
     "device 'mem0': volatile = 300M is not a multiple of 256M (QEMU's CXL capacity unit)"},
    {"rejected_region_type.toml", 15, 1, "region 0: type = \"persistent\" must be \"ram\" or \"pmem\""},
    {"rejected_root_ports.toml", 4, 1, "'root_ports' = 0 is out of range (1..16)"},
    {"rejected_host_bridge_id.toml", 3, 1, "host bridge id 'HB0' must match [a-z][a-z0-9_-]*"},
    {"misspelt_capacity_in_region.toml", 8, 1,
     "unknown key 'volatle' in [[device]] (did you mean 'volatile'?)"},
    {"rejected_window_granularity.toml", 18, 1, "granularity 3000 must be a power of two from 256 to 16384"},
    {"rejected_memory_with_pmem.toml", 3, 1,
     "machine memory 100M must be at least 128M and a multiple of 2M"},
    {"misspelt_device_table.toml", 5, 3, "unknown key 'devices' in the topology (did you mean 'device'?)"},
    {"rejected_region_window.toml", 19, 1, "'window' = -1 is out of range (0..1000)"},
    {"rejected_window_size.toml", 17, 1, "window 0 size 1000M must be a non-zero multiple of 256M"},
    {"rejected_pmem_start.toml", 6, 1, "pmem start 1025M must be a multiple of 2M"},
};

TEST(LoadTopology, ARejectedValueIsReportedOnceAtItsKey) {
  for (const auto& bad : kRejectedValues) {
    SCOPED_TRACE(bad.file);
    auto problems = check_topology(testdata(bad.file));
    for (size_t i = 1; i < problems.size(); ++i) ADD_FAILURE() << "follow-on error: " << problems[i].str();
    ASSERT_FALSE(problems.empty());
    EXPECT_EQ(problems[0].where.line, bad.line);
    EXPECT_EQ(problems[0].where.column, bad.column);
    EXPECT_EQ(problems[0].message, bad.message);
  }
}

// Only refused values silence a check: a region member that really has no
// volatile capacity, and a port that really does not exist, are errors.
TEST(LoadTopology, ProblemsOfAcceptedValuesAreStillReported) {
  auto problems = check_topology(testdata("ram_region_on_persistent.toml"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message, "region 0 is type \"ram\" but device 'mem0' has no volatile capacity");
  problems = check_topology(testdata("unknown_port.toml"));
  ASSERT_EQ(problems.size(), 1u);
}

TEST(LoadTopology, CheckReportsEveryProblemInFileOrder) {
  auto problems = check_topology(testdata("bad_granularity.toml"));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].where.line, 7);
  EXPECT_EQ(problems[1].where.line, 11);
  EXPECT_EQ(problems[1].message, "granularity 32768 must be a power of two from 256 to 16384");
}

TEST(LoadTopology, ReportsBothMisplacedPositions) {
  auto problems = check_topology(testdata("wrong_position.toml"));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[1].message.find("position 1: device 'mem0'"), std::string::npos);
}

TEST(LoadTopology, ShippedTopologiesAreValid) {
  for (const char* name : {"cxl1.toml", "cxl2-1hb.toml", "cxl2-2hb.toml", "cxl4-switch.toml", "pmem.toml"}) {
    SCOPED_TRACE(name);
    auto problems = check_topology(shipped(name));
    for (const auto& p : problems) ADD_FAILURE() << p.str();
  }
}

TEST(LoadTopology, ShippedInterleaveTopologiesHaveTheRightShape) {
  Topology two = load_topology(shipped("cxl2-2hb.toml"));
  ASSERT_EQ(two.regions.size(), 1u);
  EXPECT_EQ(two.regions[0].size, 512 * MiB);
  EXPECT_EQ(two.regions[0].granularity, 4096u);
  EXPECT_EQ(two.windows[0].targets, (std::vector<std::string>{"hb0", "hb1"}));

  Topology sw = load_topology(shipped("cxl4-switch.toml"));
  EXPECT_EQ(sw.regions[0].devices.size(), 4u);
  EXPECT_EQ(sw.regions[0].size, 1 * GiB);

  Topology pmem = load_topology(shipped("pmem.toml"));
  EXPECT_TRUE(pmem.devices.empty());
  EXPECT_EQ(pmem.machine.memory, 6 * GiB);
}
