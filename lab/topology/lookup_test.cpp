#include "lab/topology/lookup.h"

#include <gtest/gtest.h>

using namespace famlab::topology;

namespace {
Topology with_switch() {
  Topology t;
  t.host_bridges.push_back(HostBridge{"hb0", 2, {}, {}});
  t.switches.push_back(Switch{"sw0", "hb0.rp1", 4, {}, {}});
  t.switches.push_back(Switch{"sw1", "sw0.dp0", 1, {}, {}});  // invalid: below a switch
  return t;
}
}  // namespace

TEST(Lookup, ResolvesRootAndDownstreamPorts) {
  Topology t = with_switch();
  auto rp = resolve_port(t, "hb0.rp1");
  ASSERT_TRUE(rp.has_value());
  EXPECT_TRUE(rp->is_root_port);
  EXPECT_EQ(rp->owner, "hb0");
  EXPECT_EQ(rp->number, 1);
  auto dp = resolve_port(t, "sw0.dp3");
  ASSERT_TRUE(dp.has_value());
  EXPECT_FALSE(dp->is_root_port);
  EXPECT_EQ(dp->number, 3);
}

TEST(Lookup, RejectsPortsThatDoNotExist) {
  Topology t = with_switch();
  for (const char* port :
       {"hb0.rp2", "sw0.dp4", "hb1.rp0", "hb0.rp01", "hb0.dp0", "hb0", "hb0.rp", "hb0.rp-1"}) {
    EXPECT_FALSE(resolve_port(t, port).has_value()) << port;
  }
}

TEST(Lookup, HostBridgeThroughASwitch) {
  Topology t = with_switch();
  EXPECT_EQ(host_bridge_of_port(t, "hb0.rp0"), "hb0");
  EXPECT_EQ(host_bridge_of_port(t, "sw0.dp2"), "hb0");
  EXPECT_FALSE(host_bridge_of_port(t, "sw1.dp0").has_value());  // a second switch level has none
}

TEST(Lookup, CapacityByRegionType) {
  Device d;
  d.volatile_size = 1;
  d.persistent_size = 2;
  EXPECT_EQ(capacity_for(d, "ram"), 1u);
  EXPECT_EQ(capacity_for(d, "pmem"), 2u);
}
