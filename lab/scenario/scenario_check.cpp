#include "lab/scenario/scenario_check.h"

#include <algorithm>

#include "base/units.h"
#include "lab/common/paths.h"
#include "lab/kernel/kernel_recipe.h"
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

// Where a step's problem with `key` is: the key, or (when the step left it
// out) its action, or the step's table.
famlab::Location at(const Step& s, const std::string& key) {
  if (s.keys.keys.count(key)) return s.keys.of(key);
  return s.keys.of("action");
}

// check_placement reads the devices' backing files on the host: volatile
// memory must be file-backed for that (persistent memory always is).
void check_placement_backing(const Step& s, const topology::Region& r, const topology::Topology& t,
                             std::vector<Diagnostic>& out) {
  if (r.type == "pmem") return;
  const famlab::Location where =
      s.action == Action::CheckPlacement ? at(s, "action") : at(s, "check_placement");
  for (const auto& id : r.devices) {
    const topology::Device* d = topology::find_device(t, id);
    if (d && !d->file_backed) {
      out.push_back({where, "step '" + s.name + "': check_placement reads the backing files, but device '" +
                                id + "' of region " + std::to_string(r.index) +
                                " is not backing = \"file\" in " + t.file.string()});
      return;
    }
  }
}

}  // namespace

void check_steps_against(const Scenario& sc, const topology::Topology& t, std::vector<Diagnostic>& out) {
  for (const auto& s : sc.steps) {
    if (!uses_region(s) || !s.keys.reliable("region")) continue;
    if (s.region < 0 || static_cast<size_t>(s.region) >= t.regions.size()) {
      out.push_back({at(s, "region"), "step '" + s.name + "': region " + std::to_string(s.region) +
                                          " does not exist in topology '" + t.name +
                                          "' (regions count from 0; it has " +
                                          std::to_string(t.regions.size()) + ")"});
      continue;
    }
    const topology::Region& r = t.regions[static_cast<size_t>(s.region)];
    if (s.bytes > r.size && s.keys.reliable("size")) {
      out.push_back({at(s, "size"), "step '" + s.name + "': " + format_size(s.bytes) +
                                        " does not fit in region " + std::to_string(r.index) + " (" +
                                        format_size(r.size) + ")"});
    }
    if (s.action == Action::CheckPlacement || s.check_placement) check_placement_backing(s, r, t, out);
    if (!s.files.empty() && famfs_footprint(s.files) > r.size) {
      out.push_back({at(s, "files"), "step '" + s.name + "': the files need " +
                                         format_size(famfs_footprint(s.files)) +
                                         " of famfs (with superblock and log), more than region " +
                                         std::to_string(r.index) + " has (" + format_size(r.size) + ")"});
    }
  }
}

std::vector<std::string> lab_kernel_names() {
  return kernel::kernel_names(kernel::load_kernel_recipe(source_dir()));
}

void check_kernel_names(const Scenario& sc, const std::vector<std::string>& known,
                        std::vector<Diagnostic>& out) {
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  auto is_known = [&](const std::string& name) {
    return std::find(known.begin(), known.end(), name) != known.end();
  };
  for (const auto& ref : sc.kernel_refs) {
    if (is_known(ref.name)) continue;
    out.push_back({ref.where, "kernels: unknown kernel '" + ref.name + "' (known: " + list + ")"});
  }
  for (const auto& s : sc.steps) {
    for (const auto& ref : s.kernel_refs) {
      if (is_known(ref.name)) continue;
      out.push_back({ref.where, "step '" + s.name + "': " + ref.key + " names unknown kernel '" + ref.name +
                                    "' (known: " + list + ", or default)"});
    }
  }
}

namespace {

// The scenario (nullopt when not readable TOML) and every problem: the
// scenario's own first, then its topology's. Steps are checked against the
// topology only when it is valid: a refused topology value stands in as a
// default (a region of size 0, a region left out) and would make the steps
// look wrong too.
std::optional<Scenario> read_scenario(const std::filesystem::path& file,
                                      const std::vector<std::string>& known,
                                      std::vector<Diagnostic>& problems) {
  auto sc = parse_scenario(file, problems);
  if (sc) check_kernel_names(*sc, known, problems);
  std::vector<Diagnostic> topology_problems;
  if (sc && std::filesystem::is_regular_file(sc->topology_file)) {
    auto topo = topology::read_topology(sc->topology_file, topology_problems);
    if (topo && topology_problems.empty()) check_steps_against(*sc, *topo, problems);
  }
  topology::sort_by_position(problems);
  problems.insert(problems.end(), topology_problems.begin(), topology_problems.end());
  return sc;
}

}  // namespace

std::vector<Diagnostic> check_scenario(const std::filesystem::path& file,
                                       const std::vector<std::string>& known) {
  std::vector<Diagnostic> problems;
  read_scenario(file, known, problems);
  return problems;
}

std::vector<Diagnostic> check_scenario(const std::filesystem::path& file) {
  return check_scenario(file, lab_kernel_names());
}

Scenario load_scenario(const std::filesystem::path& file, const std::vector<std::string>& known) {
  std::vector<Diagnostic> problems;
  auto sc = read_scenario(file, known, problems);
  topology::throw_first(problems);
  return *sc;
}

Scenario load_scenario(const std::filesystem::path& file) { return load_scenario(file, lab_kernel_names()); }

}  // namespace famlab::scenario
