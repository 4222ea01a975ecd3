#pragma once
// Questions the validator and the planners ask of a topology: what is this
// id, which host bridge is a port under, how much capacity does a device
// give a region of some type.
#include <cstdint>
#include <optional>
#include <string>

#include "lab/topology/model.h"

namespace famlab::topology {

const HostBridge* find_host_bridge(const Topology& t, const std::string& id);
const Switch* find_switch(const Topology& t, const std::string& id);
const Device* find_device(const Topology& t, const std::string& id);

std::string root_port_id(const HostBridge& hb, int port);    // "hb0.rp1"
std::string downstream_port_id(const Switch& sw, int port);  // "sw0.dp3"

// A port name split into its owner and number: "hb0.rp1" -> root port 1 of
// hb0, "sw0.dp3" -> downstream port 3 of sw0. nullopt when no such port.
struct PortRef {
  bool is_root_port = true;
  std::string owner;  // host bridge or switch id
  int number = 0;
};
std::optional<PortRef> resolve_port(const Topology& t, const std::string& port);

// The host bridge a port hangs under, through a switch if need be; nullopt
// when the port (or the switch's upstream port) does not exist.
std::optional<std::string> host_bridge_of_port(const Topology& t, const std::string& port);

// The capacity a device offers a region of `type` ("ram" or "pmem").
uint64_t capacity_for(const Device& d, const std::string& type);

// Whether QEMU needs cxl=on and CXL devices at all.
bool has_cxl(const Topology& t);

}  // namespace famlab::topology
