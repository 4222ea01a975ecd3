#include "lab/topology/pci_buses.h"

#include <gtest/gtest.h>

using namespace famlab::topology;

TEST(PciBuses, CountsRootPortsAndSwitchPorts) {
  Topology t;
  t.host_bridges.push_back(HostBridge{"hb0", 2, {}, {}});
  t.switches.push_back(Switch{"sw0", "hb0.rp0", 4, {}, {}});
  // root bus + 2 root ports + switch internal bus + 4 downstream ports
  EXPECT_EQ(buses_needed(t, t.host_bridges[0]), 8);
}

TEST(PciBuses, SpreadsHostBridgesWithoutOverlap) {
  Topology t;
  t.host_bridges.push_back(HostBridge{"hb0", 1, {}, {}});
  EXPECT_EQ(host_bridge_bus_numbers(t), std::vector<int>{12});
  t.host_bridges.push_back(HostBridge{"hb1", 1, {}, {}});
  EXPECT_EQ(host_bridge_bus_numbers(t), (std::vector<int>{12, 134}));
  for (int i = 2; i < 16; ++i) t.host_bridges.push_back(HostBridge{"hb" + std::to_string(i), 1, {}, {}});
  auto numbers = host_bridge_bus_numbers(t);
  EXPECT_EQ(numbers.back() + bus_span(t) - 1, 251);  // the last range ends inside 0..255
}
