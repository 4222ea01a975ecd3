#include "lab/topology/lookup.h"

#include <algorithm>

namespace famlab::topology {

namespace {

// Parses "<owner>.<prefix><number>"; nullopt when the shape differs.
std::optional<std::pair<std::string, int>> split_port(const std::string& port, const std::string& prefix) {
  auto dot = port.find('.');
  if (dot == std::string::npos || port.compare(dot + 1, prefix.size(), prefix) != 0) return std::nullopt;
  std::string digits = port.substr(dot + 1 + prefix.size());
  if (digits.empty() || digits.size() > 3 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;  // "rp01" is not "rp1"
  return std::make_pair(port.substr(0, dot), std::stoi(digits));
}

}  // namespace

const HostBridge* find_host_bridge(const Topology& t, const std::string& id) {
  for (const auto& hb : t.host_bridges) {
    if (hb.id == id) return &hb;
  }
  return nullptr;
}

const Switch* find_switch(const Topology& t, const std::string& id) {
  for (const auto& sw : t.switches) {
    if (sw.id == id) return &sw;
  }
  return nullptr;
}

const Device* find_device(const Topology& t, const std::string& id) {
  for (const auto& d : t.devices) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

std::string root_port_id(const HostBridge& hb, int port) { return hb.id + ".rp" + std::to_string(port); }

std::string downstream_port_id(const Switch& sw, int port) { return sw.id + ".dp" + std::to_string(port); }

std::optional<PortRef> resolve_port(const Topology& t, const std::string& port) {
  if (auto rp = split_port(port, "rp")) {
    const HostBridge* hb = find_host_bridge(t, rp->first);
    if (hb && rp->second < hb->root_ports) return PortRef{true, rp->first, rp->second};
  }
  if (auto dp = split_port(port, "dp")) {
    const Switch* sw = find_switch(t, dp->first);
    if (sw && dp->second < sw->downstream_ports) return PortRef{false, dp->first, dp->second};
  }
  return std::nullopt;
}

std::optional<std::string> host_bridge_of_port(const Topology& t, const std::string& port) {
  auto ref = resolve_port(t, port);
  if (!ref) return std::nullopt;
  if (ref->is_root_port) return ref->owner;
  const Switch* sw = find_switch(t, ref->owner);
  auto upstream = resolve_port(t, sw->upstream);
  if (!upstream || !upstream->is_root_port) return std::nullopt;  // one level of switching only
  return upstream->owner;
}

uint64_t capacity_for(const Device& d, const std::string& type) {
  return type == "pmem" ? d.persistent_size : d.volatile_size;
}

bool has_cxl(const Topology& t) {
  return !t.host_bridges.empty() || !t.devices.empty() || !t.windows.empty();
}

}  // namespace famlab::topology
