#include "lab/scenario/scenario_check.h"

#include "base/units.h"
#include "lab/scenario/scenario_parse.h"
#include "lab/topology/load.h"
#include "lab/topology/lookup.h"

namespace famlab::scenario {

namespace {

bool uses_region(const Step& s) {
  return s.action == Action::WritePattern || s.action == Action::VerifyPattern ||
         s.action == Action::CheckPlacement || s.action == Action::FamfsMount;
}

// What a famfs of these files takes on the device: the superblock unit,
// the default 8M log, and each file's whole 2M units (interleaved files:
// every strip holds the same number of chunks).
uint64_t famfs_footprint(const std::vector<FamfsFileSpec>& files) {
  constexpr uint64_t unit = 2 * MiB;
  uint64_t total = unit + 8 * MiB;
  for (const auto& f : files) {
    // Several extents: each piece is allocated on its own.
    std::vector<uint64_t> pieces = f.extents.empty() ? std::vector<uint64_t>{f.size} : f.extents;
    for (uint64_t piece : pieces) {
      if (f.strips == 0) {
        total += (piece + unit - 1) / unit * unit;
        continue;
      }
      uint64_t chunk = f.chunk ? f.chunk : unit;
      uint64_t row = chunk * f.strips;
      total += (piece + row - 1) / row * row;
    }
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
  for (const auto& s : sc.steps) {
    if (!uses_region(s)) continue;
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

// The scenario (nullopt when not readable TOML) and every problem: the
// scenario's own first, then its topology's.
std::optional<Scenario> read_scenario(const std::filesystem::path& file, std::vector<Diagnostic>& problems) {
  auto sc = parse_scenario(file, problems);
  std::vector<Diagnostic> topology_problems;
  if (sc && std::filesystem::is_regular_file(sc->topology_file)) {
    auto topo = topology::read_topology(sc->topology_file, topology_problems);
    if (topo) check_steps_against(*sc, *topo, problems);
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
