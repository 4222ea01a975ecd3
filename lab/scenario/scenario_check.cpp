#include "lab/scenario/scenario_check.h"

#include <algorithm>
#include <set>
#include <utility>

#include "base/units.h"
#include "lab/scenario/scenario_parse.h"
#include "lab/topology/load.h"
#include "lab/topology/lookup.h"

namespace famlab::scenario {

namespace {

bool uses_region(const Step& s) {
  return s.action == Action::WritePattern || s.action == Action::VerifyPattern ||
         s.action == Action::CheckPlacement || s.action == Action::FamfsMount || s.action == Action::DaxMode;
}

// What a famfs of these files takes on the device: the superblock unit,
// the default 8M log, and each file's whole 2M units (interleaved files:
// every strip holds the same number of chunks).
uint64_t famfs_footprint(const std::vector<FamfsFileSpec>& files) {
  constexpr uint64_t unit = 2 * MiB;
  uint64_t total = unit + 8 * MiB;
  for (const auto& f : files) {
    if (f.strips == 0) {
      total += (f.size + unit - 1) / unit * unit;
      continue;
    }
    uint64_t chunk = f.chunk ? f.chunk : unit;
    uint64_t row = chunk * f.strips;
    total += (f.size + row - 1) / row * row;
  }
  return total;
}

// check_placement reads the devices' backing files on the host: volatile
// memory must be file-backed for that (persistent memory always is).
void check_placement_backing(const Step& s, const topology::Region& r, const topology::Topology& t,
                             std::vector<Diagnostic>& out) {
  if (r.type == "pmem") return;
  for (const auto& id : r.devices) {
    const topology::Device* d = topology::find_device(t, id);
    if (d && !d->file_backed) {
      out.push_back({s.where, "step '" + s.name + "': check_placement reads the backing files, but device '" +
                                  id + "' of region " + std::to_string(r.index) +
                                  " is not backing = \"file\" in " + t.file.string()});
      return;
    }
  }
}

}  // namespace

void check_steps_against(const Scenario& sc, const topology::Topology& t, std::vector<Diagnostic>& out) {
  check_steps_against(sc, sc.guests.empty() ? "" : sc.guests.front().name, t, out);
}

void check_steps_against(const Scenario& sc, const std::string& guest, const topology::Topology& t,
                         std::vector<Diagnostic>& out) {
  for (const auto& s : sc.steps) {
    if (!uses_region(s) || (sc.multi_guest() && s.guest != guest)) continue;
    if (s.region < 0 || static_cast<size_t>(s.region) >= t.regions.size()) {
      out.push_back({s.where, "step '" + s.name + "': region " + std::to_string(s.region) +
                                  " does not exist in topology '" + t.name +
                                  "' (regions count from 0; it has " + std::to_string(t.regions.size()) +
                                  ")"});
      continue;
    }
    const topology::Region& r = t.regions[static_cast<size_t>(s.region)];
    if (s.bytes > r.size) {
      out.push_back({s.where, "step '" + s.name + "': " + format_size(s.bytes) + " does not fit in region " +
                                  std::to_string(r.index) + " (" + format_size(r.size) + ")"});
    }
    if (s.action == Action::CheckPlacement || s.check_placement) check_placement_backing(s, r, t, out);
    if (!s.files.empty() && famfs_footprint(s.files) > r.size) {
      out.push_back({s.where, "step '" + s.name + "': the files need " +
                                  format_size(famfs_footprint(s.files)) +
                                  " of famfs (with superblock and log), more than region " +
                                  std::to_string(r.index) + " has (" + format_size(r.size) + ")"});
    }
  }
}

namespace {

// The region of `t` a device is a member of, if any.
const topology::Region* region_with(const topology::Topology& t, const std::string& device) {
  for (const auto& r : t.regions)
    if (std::find(r.devices.begin(), r.devices.end(), device) != r.devices.end()) return &r;
  return nullptr;
}

std::string view_of(const topology::Region& r) {
  std::string members;
  for (const auto& d : r.devices) members += (members.empty() ? "" : ",") + d;
  return std::to_string(r.devices.size()) + "-way [" + members + "] granularity " +
         std::to_string(r.granularity) + " " + r.type;
}

// Shared devices: every guest has them, with the same capacity, backed by a
// file (the one file all guests map), and, unless the scenario allows
// otherwise, in regions every guest builds the same way, so that an
// offset means the same bytes on every host.
void check_shared_devices(const Scenario& sc,
                          const std::vector<std::pair<const GuestSpec*, topology::Topology>>& topos,
                          std::vector<Diagnostic>& out) {
  for (const auto& id : sc.shared_devices) {
    const topology::Device* first = nullptr;
    const topology::Region* first_region = nullptr;
    std::string first_guest;
    for (const auto& [guest, t] : topos) {
      const topology::Device* d = topology::find_device(t, id);
      if (!d) {
        out.push_back({guest->where, "shared device '" + id + "' is not in guest '" + guest->name + "' (" +
                                         t.file.string() + ")"});
        continue;
      }
      if (!d->file_backed || d->persistent_size) {
        out.push_back(
            {d->where, "shared device '" + id + "' of guest '" + guest->name +
                           "' must be volatile with backing = \"file\": guests share it through one file"});
      }
      const topology::Region* r = region_with(t, id);
      if (!first) {
        first = d;
        first_region = r;
        first_guest = guest->name;
        continue;
      }
      if (d->volatile_size != first->volatile_size) {
        out.push_back({d->where, "shared device '" + id + "' has " + format_size(d->volatile_size) +
                                     " in guest '" + guest->name + "' but " +
                                     format_size(first->volatile_size) + " in guest '" + first_guest + "'"});
      }
      if (sc.allow_different_views) continue;
      bool same = (r == nullptr) == (first_region == nullptr) &&
                  (!r || (r->devices == first_region->devices &&
                          r->granularity == first_region->granularity && r->type == first_region->type));
      if (!same) {
        out.push_back(
            {r ? r->where : d->where,
             "shared device '" + id + "' is seen differently by guest '" + guest->name + "' (" +
                 (r ? view_of(*r) : std::string("in no region")) + ") and guest '" + first_guest + "' (" +
                 (first_region ? view_of(*first_region) : std::string("in no region")) +
                 "); the same offset would be different bytes (allow_different_views = true if meant)"});
      }
    }
  }
}

}  // namespace

namespace {

// The scenario (nullopt when not readable TOML) and every problem: the
// scenario's own first, then its topology's.
std::optional<Scenario> read_scenario(const std::filesystem::path& file, std::vector<Diagnostic>& problems) {
  auto sc = parse_scenario(file, problems);
  std::vector<Diagnostic> topology_problems;
  if (sc) {
    std::vector<std::pair<const GuestSpec*, topology::Topology>> topos;
    std::set<std::filesystem::path> read;  // a topology shared by guests is reported once
    bool all = true;
    for (const auto& g : sc->guests) {
      if (!std::filesystem::is_regular_file(g.topology_file)) {
        all = false;
        continue;
      }
      std::vector<Diagnostic> these;
      auto topo = topology::read_topology(g.topology_file, these);
      if (read.insert(g.topology_file).second)
        topology_problems.insert(topology_problems.end(), these.begin(), these.end());
      if (!topo) {
        all = false;
        continue;
      }
      check_steps_against(*sc, g.name, *topo, problems);
      topos.emplace_back(&g, std::move(*topo));
    }
    if (all) check_shared_devices(*sc, topos, problems);
  }
  topology::sort_by_position(problems);
  problems.insert(problems.end(), topology_problems.begin(), topology_problems.end());
  return sc;
}

}  // namespace

std::vector<Diagnostic> check_scenario(const std::filesystem::path& file) {
  std::vector<Diagnostic> problems;
  read_scenario(file, problems);
  return problems;
}

Scenario load_scenario(const std::filesystem::path& file) {
  std::vector<Diagnostic> problems;
  auto sc = read_scenario(file, problems);
  topology::throw_first(problems);
  return *sc;
}

}  // namespace famlab::scenario
