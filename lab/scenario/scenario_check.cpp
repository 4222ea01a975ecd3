#include "lab/scenario/scenario_check.h"

#include <algorithm>
#include <set>
#include <utility>

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
         s.action == Action::CheckPlacement || s.action == Action::FamfsMount || s.action == Action::DaxMode;
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

void check_device_named(const Step& s, const std::string& id, const famlab::Location& where,
                        const topology::Topology& t, std::vector<Diagnostic>& out) {
  if (id.empty() || topology::find_device(t, id)) return;
  std::string known;
  for (const auto& d : t.devices) known += (known.empty() ? "" : ", ") + d.id;
  out.push_back({where, "step '" + s.name + "': no device '" + id + "' in topology '" + t.name +
                            "' (devices: " + (known.empty() ? std::string("none") : known) + ")"});
}

// A poison place must lie inside its device or region (QEMU itself
// accepts any DPA, even past the device's end).
void check_spot(const Step& s, const MemorySpot& p, const topology::Topology& t,
                std::vector<Diagnostic>& out) {
  const std::string step = "step '" + s.name + "': ";
  if (!p.device.empty()) {
    const topology::Device* d = topology::find_device(t, p.device);
    if (!d) return check_device_named(s, p.device, p.where, t, out);
    uint64_t capacity = d->volatile_size + d->persistent_size;
    if (p.offset + p.length > capacity)
      out.push_back({p.where, step + "offset " + std::to_string(p.offset) + " + length " +
                                  std::to_string(p.length) + " is past the end of device '" + p.device +
                                  "' (" + format_size(capacity) + ")"});
    return;
  }
  if (p.region < 0) return;
  if (static_cast<size_t>(p.region) >= t.regions.size()) {
    out.push_back({p.where, step + "region " + std::to_string(p.region) + " does not exist in topology '" +
                                t.name + "' (it has " + std::to_string(t.regions.size()) + ")"});
    return;
  }
  const topology::Region& r = t.regions[static_cast<size_t>(p.region)];
  if (p.file.empty() && p.offset + p.length > r.size)
    out.push_back({p.where, step + "offset " + std::to_string(p.offset) + " + length " +
                                std::to_string(p.length) + " is past the end of region " +
                                std::to_string(p.region) + " (" + format_size(r.size) + ")"});
}

void check_fault_step(const Step& s, const topology::Topology& t, std::vector<Diagnostic>& out) {
  if (s.action == Action::Qmp) check_device_named(s, s.device, s.where, t, out);
  if (s.action == Action::InjectPoison) check_spot(s, s.poison, t, out);
  if (s.action == Action::PoisonList && s.expect_poison)
    for (const auto& p : *s.expect_poison) check_spot(s, p, t, out);
  for (const auto& e : s.expect_events) check_device_named(s, e.device, e.where, t, out);
}

}  // namespace

void check_steps_against(const Scenario& sc, const topology::Topology& t, std::vector<Diagnostic>& out) {
  check_steps_against(sc, sc.guests.empty() ? "" : sc.guests.front().name, t, out);
}

void check_steps_against(const Scenario& sc, const std::string& guest, const topology::Topology& t,
                         std::vector<Diagnostic>& out) {
  for (const auto& s : sc.steps) {
    if (sc.multi_guest() && s.guest != guest) continue;
    check_fault_step(s, t, out);
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
      if (!topo || !these.empty()) {  // a topology with errors says nothing true about steps
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
