#include "lab/topology/parse.h"

#include <gtest/gtest.h>

using namespace famlab;
using namespace famlab::topology;

namespace {
std::filesystem::path testdata(const std::string& name) {
  return std::filesystem::path(FAMLAB_SOURCE_DIR) / "lab/topology/testdata" / name;
}
}  // namespace

TEST(ParseTopology, ReadsEveryTableWithDefaults) {
  std::vector<Diagnostic> problems;
  auto t = parse_topology(testdata("full.toml"), problems);
  ASSERT_TRUE(t.has_value());
  ASSERT_TRUE(problems.empty()) << problems.front().str();

  EXPECT_EQ(t->name, "full");  // no name key: the file stem
  EXPECT_EQ(t->machine.memory, 3 * GiB);
  EXPECT_EQ(t->machine.maxmem, 9 * GiB);  // default: memory + 6G
  EXPECT_EQ(t->machine.cpus, 1);

  ASSERT_EQ(t->host_bridges.size(), 2u);
  EXPECT_EQ(t->host_bridges[0].root_ports, 2);
  EXPECT_EQ(t->host_bridges[1].root_ports, 1);
  EXPECT_EQ(t->host_bridges[1].where.line, 10);

  ASSERT_EQ(t->switches.size(), 1u);
  EXPECT_EQ(t->switches[0].upstream, "hb0.rp1");
  EXPECT_EQ(t->switches[0].downstream_ports, 2);

  ASSERT_EQ(t->devices.size(), 3u);
  EXPECT_EQ(t->devices[0].volatile_size, 256 * MiB);
  EXPECT_EQ(t->devices[0].persistent_size, 512 * MiB);
  EXPECT_EQ(t->devices[0].lsa_size, 1 * MiB);  // default with persistent capacity
  EXPECT_TRUE(t->devices[0].file_backed);
  EXPECT_EQ(t->devices[1].persistent_size, 512 * MiB);  // integer bytes
  EXPECT_EQ(t->devices[1].lsa_size, 2 * MiB);
  EXPECT_FALSE(t->devices[1].file_backed);
  EXPECT_EQ(t->devices[2].lsa_size, 0u);  // volatile only: no label area
  EXPECT_EQ(t->devices[0].serial, 0x1000u);
  EXPECT_EQ(t->devices[2].serial, 0x1002u);
  EXPECT_EQ(t->devices[2].keys.of("port").line, 33);

  ASSERT_EQ(t->windows.size(), 2u);
  EXPECT_EQ(t->windows[0].index, 0);
  EXPECT_EQ(t->windows[0].size, 8 * GiB);
  EXPECT_EQ(t->windows[0].granularity, 1024u);
  EXPECT_EQ(t->windows[1].size, 4 * GiB);      // default
  EXPECT_EQ(t->windows[1].granularity, 256u);  // QEMU's default

  ASSERT_EQ(t->regions.size(), 2u);
  EXPECT_EQ(t->regions[0].window, 0);
  EXPECT_EQ(t->regions[0].type, "pmem");
  EXPECT_EQ(t->regions[0].granularity, 1024u);  // the window's
  EXPECT_EQ(t->regions[0].size, 1 * GiB);       // 2 ways x 512M persistent
  EXPECT_EQ(t->regions[0].mode, "devdax");
  EXPECT_EQ(t->regions[1].index, 1);
  EXPECT_EQ(t->regions[1].granularity, 512u);
  EXPECT_EQ(t->regions[1].size, 256 * MiB);
  EXPECT_EQ(t->regions[1].mode, "system-ram");

  ASSERT_EQ(t->pmem.size(), 1u);
  EXPECT_EQ(t->pmem[0].start, 1 * GiB);
  EXPECT_EQ(t->pmem[0].size, 256 * MiB);
}

TEST(ParseTopology, MissingFileIsADiagnosticNotACrash) {
  std::vector<Diagnostic> problems;
  auto t = parse_topology(testdata("no-such-file.toml"), problems);
  EXPECT_FALSE(t.has_value());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 0);
  EXPECT_EQ(problems[0].message, "cannot read the file (missing or unreadable)");
}

TEST(ParseTopology, IdSpelling) {
  EXPECT_TRUE(is_valid_id("hb0"));
  EXPECT_TRUE(is_valid_id("mem_a-1"));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id("0hb"));
  EXPECT_FALSE(is_valid_id("HB0"));
  EXPECT_FALSE(is_valid_id("hb.0"));  // dots separate port names
}
