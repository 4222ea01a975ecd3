#include "lab/plan/guest_plan.h"

#include <gtest/gtest.h>

#include "lab/topology/load.h"

using namespace famlab;
using namespace famlab::plan;

namespace {
topology::Topology load(const std::string& relative) {
  return topology::load_topology(std::filesystem::path(FAMLAB_SOURCE_DIR) / relative);
}
}  // namespace

TEST(GuestPlan, TwoBridgeInterleaveListsTargetsInPositionOrder) {
  protocol::GuestPlan plan = make_guest_plan(load("scenarios/topologies/cxl2-2hb.toml"));
  ASSERT_EQ(plan.memdevs.size(), 2u);
  EXPECT_EQ(plan.memdevs[1].id, "mem1");
  EXPECT_EQ(plan.memdevs[1].serial, 0x1001u);
  EXPECT_EQ(plan.memdevs[1].ram_size, 256 * MiB);
  EXPECT_EQ(plan.memdevs[1].pmem_size, 0u);
  ASSERT_EQ(plan.regions.size(), 1u);
  const auto& r = plan.regions[0];
  EXPECT_EQ(r.index, 0);
  EXPECT_EQ(r.window, 0);
  EXPECT_EQ(r.type, "ram");
  EXPECT_EQ(r.targets, (std::vector<uint64_t>{0x1000, 0x1001}));
  EXPECT_EQ(r.granularity, 4096u);
  EXPECT_EQ(r.size, 512 * MiB);
  EXPECT_EQ(r.mode, "devdax");
  EXPECT_TRUE(plan.pmem.empty());
  EXPECT_TRUE(plan.modules.empty());  // the image's standard module set is enough
}

TEST(GuestPlan, TargetOrderFollowsTheRegionNotTheDeviceList) {
  auto t = load("scenarios/topologies/cxl2-1hb.toml");
  t.regions[0].devices = {"mem1", "mem0"};
  EXPECT_EQ(make_guest_plan(t).regions[0].targets, (std::vector<uint64_t>{0x1001, 0x1000}));
}

TEST(GuestPlan, PmemAndPersistentRegions) {
  protocol::GuestPlan pmem = make_guest_plan(load("scenarios/topologies/pmem.toml"));
  ASSERT_EQ(pmem.pmem.size(), 1u);
  EXPECT_EQ(pmem.pmem[0].start, 4 * GiB);
  EXPECT_EQ(pmem.pmem[0].size, 512 * MiB);
  EXPECT_EQ(pmem.pmem[0].align, 2 * MiB);
  EXPECT_TRUE(pmem.memdevs.empty());

  protocol::GuestPlan full = make_guest_plan(load("lab/topology/testdata/full.toml"));
  EXPECT_EQ(full.regions[0].type, "pmem");
  EXPECT_EQ(full.regions[0].size, 1 * GiB);
  EXPECT_EQ(full.regions[1].mode, "system-ram");
  EXPECT_EQ(full.modules, std::vector<std::string>{"kmem"});  // only a system-ram region needs it
  EXPECT_TRUE(pmem.modules.empty());
}

TEST(GuestPlan, SurvivesTheProtocolRoundTrip) {
  protocol::GuestPlan plan = make_guest_plan(load("scenarios/topologies/cxl4-switch.toml"));
  protocol::GuestPlan back = nlohmann::json(plan).get<protocol::GuestPlan>();
  ASSERT_EQ(back.regions.size(), 1u);
  EXPECT_EQ(back.regions[0].targets, plan.regions[0].targets);
  EXPECT_EQ(back.regions[0].size, 1 * GiB);
}
