#include "lab/topology/validate.h"

#include <gtest/gtest.h>

using namespace famlab;
using namespace famlab::topology;

namespace {

// 2 host bridges x 2 root ports, a volatile device on each port, one window
// across both bridges: the docs' 4-way layout.
Topology four_way(const std::vector<std::string>& order) {
  Topology t;
  t.name = "t";
  for (const char* hb : {"hb0", "hb1"}) t.host_bridges.push_back(HostBridge{hb, 2, {}, {}});
  const char* ports[] = {"hb0.rp0", "hb0.rp1", "hb1.rp0", "hb1.rp1"};
  for (int i = 0; i < 4; ++i) {
    Device d;
    d.id = "mem" + std::to_string(i);
    d.port = ports[i];
    d.volatile_size = 256 * MiB;
    t.devices.push_back(d);
  }
  Window w;
  w.targets = {"hb0", "hb1"};
  w.granularity = 4096;
  t.windows.push_back(w);
  Region r;
  r.devices = order;
  r.granularity = 4096;
  r.size = 1 * GiB;
  t.regions.push_back(r);
  return t;
}

std::vector<std::string> messages(const Topology& t) {
  std::vector<Diagnostic> out;
  validate_topology(t, out);
  std::vector<std::string> result;
  for (const auto& d : out) result.push_back(d.message);
  return result;
}

}  // namespace

TEST(ValidateTopology, FourWayAcrossTwoBridgesAlternatesBridges) {
  // Positions 0..3 go to hb0, hb1, hb0, hb1 (targets[p % 2]).
  EXPECT_TRUE(messages(four_way({"mem0", "mem2", "mem1", "mem3"})).empty());
  auto bad = messages(four_way({"mem0", "mem1", "mem2", "mem3"}));
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_NE(bad[0].find("position 1: device 'mem1' is below host bridge 'hb0'"), std::string::npos);
  EXPECT_NE(bad[1].find("position 2: device 'mem2' is below host bridge 'hb1'"), std::string::npos);
}

TEST(ValidateTopology, TooManyPortsForTheBusNumbers) {
  Topology t;
  for (int i = 0; i < 16; ++i) t.host_bridges.push_back(HostBridge{"hb" + std::to_string(i), 16, {}, {}});
  auto out = messages(t);
  ASSERT_EQ(out.size(), 16u);
  EXPECT_EQ(out[0],
            "host bridge 'hb0' needs 17 PCI buses but only 15 are free for each host bridge; use fewer "
            "ports or host bridges");
}

TEST(ValidateTopology, ReservedIdIsRefused) {
  Topology t;
  t.host_bridges.push_back(HostBridge{"vser0", 1, {}, {}});
  EXPECT_EQ(messages(t), std::vector<std::string>{"id 'vser0' is reserved (famlab's agent channel device)"});
}

TEST(ValidateTopology, PmemRangesMustNotOverlapAndMustLeaveRamForTheKernel) {
  Topology t;
  t.machine.memory = 6 * GiB;
  t.pmem.push_back(Pmem{4 * GiB, 1 * GiB, {"f", 3, 1}, {}});
  t.pmem.push_back(Pmem{4 * GiB + 512 * MiB, 1 * GiB, {"f", 7, 1}, {}});
  EXPECT_EQ(messages(t), std::vector<std::string>{"pmem 1G at 4608M overlaps the pmem at line 3"});

  t.pmem = {Pmem{0, 6 * GiB - 128 * MiB, {}, {}}};
  auto out = messages(t);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0], "machine memory 6G leaves less than 256M of ordinary RAM besides 6016M of pmem");
}

TEST(ValidateTopology, RegionInAWindowWithoutTargetsIsNotACrash) {
  Topology t = four_way({"mem0", "mem2", "mem1", "mem3"});
  t.windows[0].targets.clear();  // the parser has already reported this
  std::vector<Diagnostic> out;
  validate_topology(t, out);
  EXPECT_TRUE(out.empty());
}
