#include "lab/topology/validate.h"

#include <map>
#include <set>

#include "base/units.h"
#include "lab/topology/lookup.h"
#include "lab/topology/pci_buses.h"
#include "lab/topology/q35_memory.h"

namespace famlab::topology {

namespace {

constexpr uint64_t kMinOrdinaryRam = 256 * MiB;  // what the kernel and initramfs need besides pmem

std::string in_quotes(const std::string& s) { return "'" + s + "'"; }

std::string line_of(const famlab::Location& where) { return "line " + std::to_string(where.line); }

// A value the parser refused (or a table with a misspelt key) has been
// reported once; the default standing in for it must not cause a second,
// misleading error. These say whether the parts a check relies on are
// what the file meant.
bool host_bridges_reliable(const Topology& t) {
  if (!t.keys.reliable("host_bridge")) return false;
  for (const auto& hb : t.host_bridges)
    if (!hb.keys.reliable("id")) return false;
  return true;
}

// Every port name resolves as the file meant it: host bridges, switches,
// their ids and port counts.
bool ports_reliable(const Topology& t) {
  if (!host_bridges_reliable(t) || !t.keys.reliable("switch")) return false;
  for (const auto& hb : t.host_bridges)
    if (!hb.keys.reliable("root_ports")) return false;
  for (const auto& sw : t.switches)
    if (!sw.keys.reliable("id") || !sw.keys.reliable("downstream_ports") || !sw.keys.reliable("upstream"))
      return false;
  return true;
}

bool devices_reliable(const Topology& t) {
  if (!t.keys.reliable("device")) return false;
  for (const auto& d : t.devices)
    if (!d.keys.reliable("id")) return false;
  return true;
}

bool machine_reliable(const Topology& t, const std::string& key) {
  return t.keys.reliable("machine") && t.machine.keys.reliable(key);
}

const char* capacity_key(const std::string& region_type) {
  return region_type == "pmem" ? "persistent" : "volatile";
}

void check_ids(const Topology& t, std::vector<Diagnostic>& out) {
  std::map<std::string, famlab::Location> first;
  auto check = [&](const std::string& id, const KeyLocations& keys) {
    if (id.empty()) return;  // already reported by the parser
    if (id == "vser0") {
      out.push_back({keys.of("id"), "id 'vser0' is reserved (famlab's agent channel device)"});
      return;
    }
    auto [it, inserted] = first.emplace(id, keys.of("id"));
    if (!inserted)
      out.push_back(
          {keys.of("id"), "duplicate id " + in_quotes(id) + " (first at " + line_of(it->second) + ")"});
  };
  for (const auto& hb : t.host_bridges) check(hb.id, hb.keys);
  for (const auto& sw : t.switches) check(sw.id, sw.keys);
  for (const auto& d : t.devices) check(d.id, d.keys);
}

std::string root_port_list(const Topology& t) {
  std::string list;
  for (const auto& hb : t.host_bridges) {
    for (int p = 0; p < hb.root_ports; ++p) list += (list.empty() ? "" : ", ") + root_port_id(hb, p);
  }
  return list.empty() ? "none: add a [[host_bridge]]" : list;
}

// Each root port or downstream port takes one switch or one device.
void check_ports(const Topology& t, std::vector<Diagnostic>& out) {
  std::map<std::string, std::pair<std::string, famlab::Location>> users;
  auto use = [&](const std::string& port, const std::string& user, const famlab::Location& where) {
    auto [it, inserted] = users.emplace(port, std::make_pair(user, where));
    if (!inserted) {
      out.push_back({where, "port " + in_quotes(port) + " is used twice: by " + it->second.first + " (" +
                                line_of(it->second.second) + ") and by " + user});
    }
  };
  for (const auto& sw : t.switches) {
    if (sw.upstream.empty()) continue;
    auto ref = resolve_port(t, sw.upstream);
    famlab::Location where = sw.keys.of("upstream");
    if (!ref) {
      if (!ports_reliable(t)) continue;
      out.push_back({where, "switch " + in_quotes(sw.id) + ": unknown upstream port " +
                                in_quotes(sw.upstream) + " (root ports: " + root_port_list(t) + ")"});
    } else if (!ref->is_root_port) {
      out.push_back({where, "switch " + in_quotes(sw.id) + " hangs below " + in_quotes(sw.upstream) +
                                ", which is not a root port: QEMU supports one level of switches"});
    } else {
      use(sw.upstream, "switch " + in_quotes(sw.id), where);
    }
  }
  for (const auto& d : t.devices) {
    if (d.port.empty()) continue;
    famlab::Location where = d.keys.of("port");
    if (!resolve_port(t, d.port)) {
      if (!ports_reliable(t)) continue;
      out.push_back({where, "device " + in_quotes(d.id) + ": unknown port " + in_quotes(d.port) +
                                " (a root port like hb0.rp0 or a switch port like sw0.dp0)"});
      continue;
    }
    use(d.port, "device " + in_quotes(d.id), where);
  }
}

void check_windows(const Topology& t, std::vector<Diagnostic>& out) {
  for (const auto& w : t.windows) {
    std::set<std::string> seen;
    for (const auto& target : w.targets) {
      famlab::Location where = w.keys.of("targets");
      if (!find_host_bridge(t, target)) {
        if (!host_bridges_reliable(t)) continue;
        out.push_back(
            {where, "window " + std::to_string(w.index) + ": unknown host bridge " + in_quotes(target)});
      } else if (!seen.insert(target).second) {
        out.push_back({where, "window " + std::to_string(w.index) + " lists host bridge " +
                                  in_quotes(target) + " twice"});
      }
    }
  }
}

// Checks the members of one region; true when all exist and suit its type.
bool check_region_members(const Topology& t, const Region& r, std::map<std::string, int>& region_of,
                          std::vector<Diagnostic>& out) {
  const std::string name = "region " + std::to_string(r.index);
  famlab::Location where = r.keys.of("devices");
  const std::string kind = capacity_key(r.type);
  // A refused type stands in as "ram": no capacity check can say anything true.
  const bool type_known = r.keys.reliable("type");
  bool ok = type_known;
  const Device* first = nullptr;
  std::set<std::string> seen;
  for (const auto& id : r.devices) {
    const Device* d = find_device(t, id);
    if (!d) {
      if (devices_reliable(t)) out.push_back({where, name + ": unknown device " + in_quotes(id)});
      ok = false;
      continue;
    }
    if (!seen.insert(id).second) {
      out.push_back({where, name + " lists device " + in_quotes(id) + " twice"});
      ok = false;
      continue;
    }
    auto [it, inserted] = region_of.emplace(id, r.index);
    if (!inserted) {
      out.push_back({where, "device " + in_quotes(id) + " is in region " + std::to_string(it->second) +
                                " and " + name + "; a device can be in one region only"});
      ok = false;
    }
    if (!type_known || !d->keys.reliable(kind)) {
      ok = false;
      continue;
    }
    if (capacity_for(*d, r.type) == 0) {
      out.push_back({where, name + " is type \"" + r.type + "\" but device " + in_quotes(id) + " has no " +
                                kind + " capacity"});
      ok = false;
      continue;
    }
    if (!first) {
      first = d;
    } else if (capacity_for(*d, r.type) != capacity_for(*first, r.type)) {
      out.push_back({where, name + ": devices must have equal " + kind + " capacity, but " +
                                in_quotes(first->id) + " has " + format_size(capacity_for(*first, r.type)) +
                                " and " + in_quotes(id) + " has " + format_size(capacity_for(*d, r.type))});
      ok = false;
    }
  }
  return ok;
}

// Position p of a region must sit below the window's target p mod N: the
// root decoder sends each granule to that host bridge.
void check_region_positions(const Topology& t, const Region& r, const Window& w,
                            std::vector<Diagnostic>& out) {
  const std::string name = "region " + std::to_string(r.index);
  size_t n = w.targets.size();
  for (size_t p = 0; p < r.devices.size(); ++p) {
    const Device* d = find_device(t, r.devices[p]);
    if (!d) continue;
    auto hb = host_bridge_of_port(t, d->port);
    if (!hb) continue;  // the port problem is reported already
    const std::string& expected = w.targets[p % n];
    if (*hb != expected) {
      out.push_back({r.keys.of("devices"), name + " position " + std::to_string(p) + ": device " +
                                               in_quotes(d->id) + " is below host bridge " + in_quotes(*hb) +
                                               ", but window " + std::to_string(w.index) +
                                               " sends position " + std::to_string(p) + " to " +
                                               in_quotes(expected) + " (targets[" + std::to_string(p) +
                                               " % " + std::to_string(n) + "])"});
    }
  }
}

void check_regions(const Topology& t, std::vector<Diagnostic>& out) {
  std::map<std::string, int> region_of;
  std::map<int, uint64_t> used;  // bytes per window
  for (const auto& r : t.regions) {
    const std::string name = "region " + std::to_string(r.index);
    bool members_ok = check_region_members(t, r, region_of, out);
    if (!r.keys.reliable("window") || !t.keys.reliable("window")) continue;
    if (r.window < 0 || static_cast<size_t>(r.window) >= t.windows.size()) {
      out.push_back({r.keys.of("window"), name + ": window " + std::to_string(r.window) +
                                              " does not exist (windows count from 0; the file has " +
                                              std::to_string(t.windows.size()) + ")"});
      continue;
    }
    const Window& w = t.windows[static_cast<size_t>(r.window)];
    size_t n = w.targets.size();
    if (n == 0 || !w.keys.reliable("targets")) continue;
    size_t ways = r.devices.size();
    if (r.keys.reliable("devices") && ways % n != 0) {
      out.push_back({r.keys.of("devices"), name + " is " + std::to_string(ways) + "-way but window " +
                                               std::to_string(w.index) + " interleaves " + std::to_string(n) +
                                               " host bridges: ways must be a multiple of " +
                                               std::to_string(n)});
    }
    if (n > 1 && r.granularity != w.granularity && r.keys.reliable("granularity") &&
        w.keys.reliable("granularity")) {
      out.push_back({r.keys.of("granularity"),
                     name + " granularity " + std::to_string(r.granularity) + " must equal window " +
                         std::to_string(w.index) + " granularity " + std::to_string(w.granularity) +
                         " when the window interleaves several host bridges (Linux 6.12 rule)"});
    }
    check_region_positions(t, r, w, out);
    if (members_ok) used[r.window] += r.size;
  }
  for (const auto& [index, bytes] : used) {
    const Window& w = t.windows[static_cast<size_t>(index)];
    if (bytes > w.size && w.keys.reliable("size")) {
      out.push_back({w.keys.of("size"), "regions in window " + std::to_string(index) + " need " +
                                            format_size(bytes) + " but the window is only " +
                                            format_size(w.size)});
    }
  }
}

void check_machine(const Topology& t, std::vector<Diagnostic>& out) {
  const Machine& m = t.machine;
  const bool memory_known = machine_reliable(t, "memory");
  if (m.maxmem <= m.memory && memory_known && machine_reliable(t, "maxmem")) {
    out.push_back({m.keys.of("maxmem"), "machine maxmem " + format_size(m.maxmem) +
                                            " must be larger than memory " + format_size(m.memory) +
                                            " (the hotplug area gives CXL memory its own NUMA node)"});
  }
  uint64_t pmem_total = 0;
  for (const auto& p : t.pmem) pmem_total += p.size;
  if (memory_known && pmem_total > 0 && (pmem_total >= m.memory || m.memory - pmem_total < kMinOrdinaryRam)) {
    out.push_back({m.keys.of("memory"), "machine memory " + format_size(m.memory) + " leaves less than " +
                                            format_size(kMinOrdinaryRam) + " of ordinary RAM besides " +
                                            format_size(pmem_total) + " of pmem"});
  }
}

void check_pmem(const Topology& t, std::vector<Diagnostic>& out) {
  const uint64_t memory = t.machine.memory;
  auto placed = [](const Pmem& p) { return p.keys.reliable("start") && p.keys.reliable("size"); };
  for (size_t i = 0; i < t.pmem.size(); ++i) {
    const Pmem& p = t.pmem[i];
    if (p.size == 0 || !placed(p)) continue;  // bad start or size already reported
    const std::string range = format_size(p.size) + " at " + format_size(p.start);
    if (machine_reliable(t, "memory") && !q35_ram_covers(memory, p.start, p.size)) {
      Q35Ram ram = q35_ram_layout(memory);
      std::string has = "[0, " + format_size(ram.low) + ")";
      if (ram.high) has += " and [4G, " + format_size(4 * GiB + ram.high) + ")";
      std::string message = "pmem " + range + " is not guest RAM: with memory = " + format_size(memory) +
                            " q35 has RAM at " + has + " only, and the guest would silently read zeros; ";
      auto needed = q35_memory_needed(p.start, p.size);
      message += needed ? "set [machine] memory to at least " + format_size(*needed)
                        : "the range reaches into the PCI hole below 4G, move it";
      out.push_back({p.keys.of("start"), message});
    }
    for (size_t j = 0; j < i; ++j) {
      const Pmem& q = t.pmem[j];
      if (placed(q) && p.start < q.start + q.size && q.start < p.start + p.size) {
        out.push_back({p.keys.of("start"), "pmem " + range + " overlaps the pmem at " + line_of(q.where)});
      }
    }
  }
}

void check_buses(const Topology& t, std::vector<Diagnostic>& out) {
  int span = bus_span(t);
  for (const auto& hb : t.host_bridges) {
    int needed = buses_needed(t, hb);
    if (needed > span) {
      out.push_back({hb.where, "host bridge " + in_quotes(hb.id) + " needs " + std::to_string(needed) +
                                   " PCI buses but only " + std::to_string(span) +
                                   " are free for each host bridge; use fewer ports or host bridges"});
    }
  }
}

}  // namespace

void validate_topology(const Topology& t, std::vector<Diagnostic>& out) {
  check_ids(t, out);
  check_ports(t, out);
  check_windows(t, out);
  check_regions(t, out);
  check_machine(t, out);
  check_pmem(t, out);
  check_buses(t, out);
}

}  // namespace famlab::topology
