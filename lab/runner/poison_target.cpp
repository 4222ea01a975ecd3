#include "lab/runner/poison_target.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "base/error.h"
#include "base/hex.h"
#include "lab/plan/placement.h"

namespace famlab::runner {

namespace {

const topology::Device& device_named(const topology::Topology& t, const std::string& id) {
  for (const auto& d : t.devices)
    if (d.id == id) return d;
  throw Error("no device '" + id + "' in topology '" + t.name + "'");
}

PoisonTarget target_at(const GuestMemory& m, const std::string& device, uint64_t dpa, uint64_t length) {
  const topology::Device& d = device_named(*m.topology, device);
  PoisonTarget t;
  t.device = device;
  t.serial = d.serial;
  t.qom_path = m.qom_path ? m.qom_path(device) : "";
  t.dpa = dpa;
  t.length = length;
  if (auto r = plan::region_offset_of(*m.topology, device, dpa)) {
    t.region = r->region;
    t.region_offset = r->offset;
    if (auto base = m.region_base.find(r->region); base != m.region_base.end())
      t.hpa = base->second + r->offset;
  }
  return t;
}

// A region range -> device pieces, merged where a device's DPAs continue.
void add_region_range(const GuestMemory& m, int region, uint64_t offset, uint64_t length,
                      std::vector<PoisonTarget>& out) {
  const topology::Topology& topo = *m.topology;
  if (region < 0 || static_cast<size_t>(region) >= topo.regions.size())
    throw Error("no region " + std::to_string(region) + " in topology '" + topo.name + "'");
  const topology::Region& r = topo.regions[static_cast<size_t>(region)];
  if (offset + length > r.size)
    throw Error("region " + std::to_string(region) + " + " + hex(offset) + " (" + std::to_string(length) +
                " bytes) is past the region's end (" + hex(r.size) + ")");
  const uint64_t g = r.granularity;
  while (length > 0) {
    plan::Placement p = plan::locate(topo, region, offset);
    uint64_t piece = std::min(length, g - offset % g);
    uint64_t dpa = plan::device_dpa(topo, p);
    if (!out.empty() && out.back().device == p.device_id && out.back().dpa + out.back().length == dpa) {
      out.back().length += piece;
    } else {
      out.push_back(target_at(m, p.device_id, dpa, piece));
    }
    offset += piece;
    length -= piece;
  }
}

}  // namespace

std::string PoisonTarget::describe() const {
  std::string s = device + " DPA " + hex(dpa) + " +" + std::to_string(length);
  if (region) {
    s += " (region " + std::to_string(*region) + " + " + hex(region_offset);
    if (hpa) s += ", HPA " + hex(*hpa);
    s += ")";
  }
  return s;
}

std::vector<PoisonTarget> resolve_poison(const scenario::MemorySpot& spot, const GuestMemory& memory) {
  if (!memory.topology) throw Error("resolve_poison: no topology");
  std::vector<PoisonTarget> out;
  std::string named_as;
  if (!spot.device.empty()) {
    const topology::Device& d = device_named(*memory.topology, spot.device);
    if (spot.offset + spot.length > d.volatile_size + d.persistent_size)
      throw Error("device " + spot.device + " + " + hex(spot.offset) + " (" + std::to_string(spot.length) +
                  " bytes) is past the device's end");
    out.push_back(target_at(memory, spot.device, spot.offset, spot.length));
    named_as = spot.device + " + " + hex(spot.offset);
  } else if (spot.file.empty()) {
    add_region_range(memory, spot.region, spot.offset, spot.length, out);
    named_as = "region " + std::to_string(spot.region) + " + " + hex(spot.offset);
  } else {
    auto maps = memory.famfs_maps.find(spot.region);
    if (maps == memory.famfs_maps.end() || !maps->second.count(spot.file))
      throw Error("no famfs map of file '" + spot.file + "' on region " + std::to_string(spot.region) +
                  " (a famfs_mount step with that file must have run)");
    const famfs::format::FileMap& map = maps->second.at(spot.file);
    // The file's map names offsets in the region's dax device, which starts
    // at region offset 0.
    uint64_t pos = spot.offset, left = spot.length;
    while (left > 0) {
      auto ext = famfs::format::locate(map, pos);
      if (!ext)
        throw Error("file '" + spot.file + "' + " + hex(pos) + " is past what its map covers (" +
                    hex(famfs::format::map_capacity(map)) + ")");
      uint64_t piece = std::min(left, ext->length);
      add_region_range(memory, spot.region, ext->offset, piece, out);
      pos += piece;
      left -= piece;
    }
    named_as = "file " + spot.file + " + " + hex(spot.offset) + " on region " + std::to_string(spot.region);
  }
  for (auto& t : out) t.named_as = named_as;
  return out;
}

nlohmann::json to_json(const PoisonTarget& t) {
  nlohmann::json j = {{"device", t.device}, {"qom_path", t.qom_path},   {"serial", t.serial},
                      {"dpa", t.dpa},       {"length", t.length},       {"named_as", t.named_as},
                      {"region", nullptr},  {"region_offset", nullptr}, {"hpa", nullptr}};
  if (t.region) {
    j["region"] = *t.region;
    j["region_offset"] = t.region_offset;
  }
  if (t.hpa) j["hpa"] = *t.hpa;
  if (!t.step.empty()) j["step"] = t.step;
  return j;
}

std::optional<uint64_t> parse_trace_hex(const std::string& text) {
  std::string s = text;
  if (s.starts_with("0x") || s.starts_with("0X")) s = s.substr(2);
  if (s.empty() || s.size() > 16) return std::nullopt;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return std::strtoull(s.c_str(), nullptr, 16);
}

}  // namespace famlab::runner
