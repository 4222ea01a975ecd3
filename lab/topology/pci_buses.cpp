#include "lab/topology/pci_buses.h"

#include "lab/topology/lookup.h"

namespace famlab::topology {

int buses_needed(const Topology& t, const HostBridge& hb) {
  int buses = 1;
  for (int port = 0; port < hb.root_ports; ++port) {
    buses += 1;
    for (const auto& sw : t.switches) {
      if (sw.upstream == root_port_id(hb, port)) buses += 1 + sw.downstream_ports;
    }
  }
  return buses;
}

int bus_span(const Topology& t) {
  if (t.host_bridges.empty()) return 0;
  return (256 - kFirstCxlBus) / static_cast<int>(t.host_bridges.size());
}

std::vector<int> host_bridge_bus_numbers(const Topology& t) {
  std::vector<int> numbers;
  int span = bus_span(t);
  for (size_t i = 0; i < t.host_bridges.size(); ++i)
    numbers.push_back(kFirstCxlBus + static_cast<int>(i) * span);
  return numbers;
}

}  // namespace famlab::topology
