#pragma once
// PCI bus numbers for the CXL host bridges (QEMU pxb-cxl bus_nr). Each host
// bridge is a separate PCI root whose subtree is numbered upward from its
// bus_nr by the firmware, so the ranges must not overlap. The host bridges
// are spread evenly over buses 12..255 (12 as in QEMU's docs: room below for
// the main bus and anything on it).
#include <vector>

#include "lab/topology/model.h"

namespace famlab::topology {

constexpr int kFirstCxlBus = 12;

// Buses a host bridge's subtree uses: its root bus, one per root port, and
// for a switch its internal bus plus one per downstream port.
int buses_needed(const Topology& t, const HostBridge& hb);

// How many bus numbers each host bridge gets (the same for all).
int bus_span(const Topology& t);

// bus_nr for each host bridge, in file order.
std::vector<int> host_bridge_bus_numbers(const Topology& t);

}  // namespace famlab::topology
