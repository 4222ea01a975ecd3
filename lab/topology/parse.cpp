#include "lab/topology/parse.h"

#include <algorithm>
#include <functional>

#include "base/units.h"
#include "lab/topology/toml_table.h"

namespace famlab::topology {

namespace {

constexpr uint64_t kCxlCapacityUnit = 256 * MiB;  // QEMU and Linux allocate CXL memory in 256M steps
constexpr uint64_t kSerialBase = 0x1000;

bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

bool is_encodable_ways(size_t ways) {
  // CXL HDM decoders encode 1, 2, 4, 8, 16 and the 3-way multiples 3, 6, 12.
  for (size_t w : {1, 2, 3, 4, 6, 8, 12, 16}) {
    if (ways == w) return true;
  }
  return false;
}

std::optional<uint32_t> read_granularity(TomlTable& t) {
  auto value = t.get_size("granularity");
  if (!value) return std::nullopt;
  if (*value < 256 || *value > 16 * KiB || !is_power_of_two(*value)) {
    t.error("granularity",
            "granularity " + std::to_string(*value) + " must be a power of two from 256 to 16384");
    return std::nullopt;
  }
  return static_cast<uint32_t>(*value);
}

// Reads an id and checks its spelling; empty when missing or bad.
std::string read_id(TomlTable& t, const std::string& kind) {
  auto id = t.required_string("id");
  if (!id) return "";
  if (!is_valid_id(*id)) {
    t.error("id", kind + " id '" + *id + "' must match [a-z][a-z0-9_-]*");
    return "";
  }
  return *id;
}

void read_machine(TomlTable& t, Machine& m) {
  m.where = t.where();
  bool maxmem_given = t.has("maxmem");
  if (auto v = t.get_size("memory")) {
    if (*v < 128 * MiB || *v % (2 * MiB) != 0) {
      t.error("memory", "machine memory " + format_size(*v) + " must be at least 128M and a multiple of 2M");
    } else {
      m.memory = *v;
    }
  }
  // Without maxmem > memory QEMU writes no hotplug SRAT entry and the CXL
  // window shares node 0 with ordinary RAM.
  if (!maxmem_given) m.maxmem = m.memory + 6 * GiB;
  if (auto v = t.get_size("maxmem")) {
    if (*v % (2 * MiB) != 0) {
      t.error("maxmem", "machine maxmem " + format_size(*v) + " must be a multiple of 2M");
    } else {
      m.maxmem = *v;
    }
  }
  if (auto v = t.get_integer("cpus", 1, 64)) m.cpus = static_cast<int>(*v);
  t.report_unknown_keys();
  m.keys = t.locations();
}

HostBridge read_host_bridge(TomlTable& t) {
  HostBridge hb;
  hb.where = t.where();
  hb.id = read_id(t, "host bridge");
  if (auto v = t.get_integer("root_ports", 1, 16)) hb.root_ports = static_cast<int>(*v);
  t.report_unknown_keys();
  hb.keys = t.locations();
  return hb;
}

Switch read_switch(TomlTable& t) {
  Switch sw;
  sw.where = t.where();
  sw.id = read_id(t, "switch");
  if (auto v = t.required_string("upstream")) sw.upstream = *v;
  if (auto v = t.get_integer("downstream_ports", 1, 16)) sw.downstream_ports = static_cast<int>(*v);
  t.report_unknown_keys();
  sw.keys = t.locations();
  return sw;
}

// A device capacity: a multiple of 256M (0 means none).
uint64_t read_capacity(TomlTable& t, const std::string& key, const std::string& device) {
  auto v = t.get_size(key);
  if (!v) return 0;
  if (*v % kCxlCapacityUnit != 0) {
    t.error(key, "device '" + device + "': " + key + " = " + format_size(*v) +
                     " is not a multiple of 256M (QEMU's CXL capacity unit)");
    return 0;
  }
  return *v;
}

Device read_device(TomlTable& t) {
  Device d;
  d.where = t.where();
  d.id = read_id(t, "device");
  if (auto v = t.required_string("port")) d.port = *v;
  d.volatile_size = read_capacity(t, "volatile", d.id);
  d.persistent_size = read_capacity(t, "persistent", d.id);
  if (d.persistent_size > 0) d.lsa_size = 1 * MiB;
  if (auto v = t.get_size("lsa")) {
    if (*v == 0 && d.persistent_size > 0) {
      t.error("lsa",
              "device '" + d.id + "': lsa must not be 0: QEMU needs a label area for persistent memory");
    } else {
      d.lsa_size = *v;
    }
  }
  if (auto v = t.get_string("backing")) {
    if (*v == "file") {
      d.file_backed = true;
    } else if (*v != "ram") {
      t.error("backing", "device '" + d.id + "': backing = \"" + *v + "\" must be \"ram\" or \"file\"");
    }
  }
  // A misspelt "volatile" is reported as unknown; saying "no capacity" too would be noise.
  if (t.report_unknown_keys() == 0 && !t.has("volatile") && !t.has("persistent")) {
    t.error_here("device '" + d.id + "' has no capacity: give volatile and/or persistent");
    t.reject("volatile");
    t.reject("persistent");
  }
  d.keys = t.locations();
  return d;
}

Window read_window(TomlTable& t, int index) {
  Window w;
  w.index = index;
  w.where = t.where();
  if (!t.has("targets")) {
    t.error_here("window " + std::to_string(index) + " needs 'targets' (host bridge ids)");
    t.reject("targets");
  }
  if (auto v = t.get_strings("targets")) {
    w.targets = *v;
    if (!is_encodable_ways(v->size())) {
      t.error("targets", "window " + std::to_string(index) + " has " + std::to_string(v->size()) +
                             " targets; a window interleaves 1, 2, 3, 4, 6, 8, 12 or 16 host bridges");
    }
  }
  if (auto v = t.get_size("size")) {
    if (*v == 0 || *v % kCxlCapacityUnit != 0) {
      t.error("size", "window " + std::to_string(index) + " size " + format_size(*v) +
                          " must be a non-zero multiple of 256M");
    } else {
      w.size = *v;
    }
  }
  if (auto v = read_granularity(t)) w.granularity = *v;
  t.report_unknown_keys();
  w.keys = t.locations();
  return w;
}

Region read_region(TomlTable& t, int index) {
  Region r;
  r.index = index;
  r.where = t.where();
  const std::string name = "region " + std::to_string(index);
  if (auto v = t.get_integer("window", 0, 1000)) r.window = static_cast<int>(*v);
  if (!t.has("devices")) {
    t.error_here(name + " needs 'devices' (device ids in interleave order)");
    t.reject("devices");
  }
  if (auto v = t.get_strings("devices")) {
    r.devices = *v;
    if (!is_encodable_ways(v->size())) {
      t.error("devices", name + " has " + std::to_string(v->size()) +
                             " devices; interleave ways must be 1, 2, 3, 4, 6, 8, 12 or 16");
    }
  }
  if (auto v = read_granularity(t)) r.granularity = *v;
  if (auto v = t.get_string("type")) {
    if (*v != "ram" && *v != "pmem") {
      t.error("type", name + ": type = \"" + *v + "\" must be \"ram\" or \"pmem\"");
    } else {
      r.type = *v;
    }
  }
  if (auto v = t.get_string("mode")) {
    if (*v != "devdax" && *v != "system-ram") {
      t.error("mode", name + ": mode = \"" + *v + "\" must be \"devdax\" or \"system-ram\"");
    } else {
      r.mode = *v;
    }
  }
  t.report_unknown_keys();
  r.keys = t.locations();
  return r;
}

Pmem read_pmem(TomlTable& t) {
  Pmem p;
  p.where = t.where();
  for (const char* key : {"start", "size"}) {
    if (!t.has(key)) {
      t.error_here(std::string("[[pmem]] needs '") + key + "'");
      t.reject(key);
    }
  }
  // 2M: the devdax namespace's alignment.
  if (auto v = t.get_size("start")) {
    if (*v % (2 * MiB) != 0) {
      t.error("start", "pmem start " + format_size(*v) + " must be a multiple of 2M");
    } else {
      p.start = *v;
    }
  }
  if (auto v = t.get_size("size")) {
    if (*v == 0 || *v % (2 * MiB) != 0) {
      t.error("size", "pmem size " + format_size(*v) + " must be a non-zero multiple of 2M");
    } else {
      p.size = *v;
    }
  }
  t.report_unknown_keys();
  p.keys = t.locations();
  return p;
}

// Runs `read` on every [[key]] table, with its index in the file.
void for_each_table(TomlTable& top, const std::string& key, const std::string& file,
                    std::vector<Diagnostic>& out, const std::function<void(TomlTable&, int)>& read) {
  const toml::array* array = top.get_table_array(key);
  if (!array) return;
  for (size_t i = 0; i < array->size(); ++i) {
    TomlTable t(*array->get(i)->as_table(), file, "[[" + key + "]]", out);
    read(t, static_cast<int>(i));
  }
}

void derive(Topology& t) {
  for (size_t i = 0; i < t.devices.size(); ++i) t.devices[i].serial = kSerialBase + i;
  for (auto& r : t.regions) {
    if (r.granularity == 0) {
      r.granularity = r.window >= 0 && static_cast<size_t>(r.window) < t.windows.size()
                          ? t.windows[static_cast<size_t>(r.window)].granularity
                          : 256;
    }
    for (const auto& id : r.devices) {
      auto d = std::find_if(t.devices.begin(), t.devices.end(), [&](const Device& x) { return x.id == id; });
      if (d == t.devices.end()) continue;
      uint64_t capacity = r.type == "pmem" ? d->persistent_size : d->volatile_size;
      r.size = r.devices.size() * capacity;
      break;
    }
  }
}

}  // namespace

bool is_valid_id(const std::string& id) {
  if (id.empty() || id[0] < 'a' || id[0] > 'z') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::optional<Topology> parse_topology(const std::filesystem::path& path, std::vector<Diagnostic>& out) {
  auto root = parse_toml_file(path, out);
  if (!root) return std::nullopt;
  const std::string file = path.string();
  Topology topo;
  topo.file = path;
  topo.name = path.stem().string();
  TomlTable top(*root, file, "the topology", out);
  topo.where = famlab::Location{file};
  topo.machine.where = topo.where;
  topo.machine.keys.table = topo.where;
  if (auto v = top.get_string("name")) {
    if (v->empty()) {
      top.error("name", "name must not be empty");
    } else {
      topo.name = *v;
    }
  }
  if (const toml::table* machine = top.get_table("machine")) {
    TomlTable t(*machine, file, "[machine]", out);
    read_machine(t, topo.machine);
  }
  for_each_table(top, "host_bridge", file, out,
                 [&](TomlTable& t, int) { topo.host_bridges.push_back(read_host_bridge(t)); });
  for_each_table(top, "switch", file, out,
                 [&](TomlTable& t, int) { topo.switches.push_back(read_switch(t)); });
  for_each_table(top, "device", file, out,
                 [&](TomlTable& t, int) { topo.devices.push_back(read_device(t)); });
  for_each_table(top, "window", file, out,
                 [&](TomlTable& t, int i) { topo.windows.push_back(read_window(t, i)); });
  for_each_table(top, "region", file, out,
                 [&](TomlTable& t, int i) { topo.regions.push_back(read_region(t, i)); });
  for_each_table(top, "pmem", file, out, [&](TomlTable& t, int) { topo.pmem.push_back(read_pmem(t)); });
  top.report_unknown_keys();
  topo.keys = top.locations();
  topo.keys.table = topo.where;
  derive(topo);
  return topo;
}

}  // namespace famlab::topology
