#include "lab/scenario/scenario_parse.h"

#include <cctype>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "lab/scenario/regex_check.h"
#include "lab/topology/toml_table.h"

namespace famlab::scenario {

namespace {

using topology::TomlTable;

bool is_valid_name(const std::string& name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

// The keys each action takes besides name, action and timeout.
const std::map<Action, std::set<std::string>>& action_keys() {
  static const std::map<Action, std::set<std::string>> keys = {
      {Action::Bringup, {}},
      {Action::Run, {"run", "expect_exit", "expect_output", "reject_output"}},
      {Action::WritePattern, {"region", "size", "seed"}},
      {Action::VerifyPattern, {"region", "size", "seed"}},
      {Action::CheckPlacement, {"region"}},
      {Action::Dmesg, {"expect_output", "reject_output"}},
      {Action::FamfsMount,
       {"region", "size", "seed", "famfs_args", "expect_famfs", "expect_decided_by", "files", "expect_data",
        "expect_open_error", "check_placement", "famfs_role", "expect_same_maps_as"}},
      {Action::Join, {"join"}},
      {Action::DaxMode, {"region", "mode"}},
      {Action::BackingChecksum, {"expect_same_as"}},
  };
  return keys;
}

const char* const kStepKeys[] = {"run",
                                 "expect_exit",
                                 "expect_output",
                                 "reject_output",
                                 "region",
                                 "size",
                                 "seed",
                                 "famfs_args",
                                 "expect_famfs",
                                 "expect_decided_by",
                                 "files",
                                 "expect_data",
                                 "expect_open_error",
                                 "check_placement",
                                 "join",
                                 "famfs_role",
                                 "expect_same_maps_as",
                                 "mode",
                                 "expect_same_as"};

constexpr uint64_t kFamfsUnit = 2 * MiB;  // famfs maps whole PMD pages
constexpr int64_t kFamfsMaxStrips = 16;
constexpr uint64_t kFamfsMaxChunk = 1 * GiB;

// A table of kernel name -> string, e.g. expect_famfs = { default = "off" }.
std::map<std::string, std::string> read_kernel_map(TomlTable& t, const std::string& key,
                                                   const std::string& step,
                                                   const std::set<std::string>& allowed) {
  std::map<std::string, std::string> out;
  const toml::table* table = t.get_table(key);
  if (!table) {
    if (t.has(key)) t.error(key, "step '" + step + "': " + key + " must be a table of kernel = \"value\"");
    return out;
  }
  for (const auto& [k, v] : *table) {
    auto s = v.value<std::string>();
    if (!s || (!allowed.empty() && !allowed.count(*s))) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      t.error(key, "step '" + step + "': " + key + "." + std::string(k.str()) + " must be " +
                       (allowed.empty() ? std::string("a string") : "one of " + list));
      continue;
    }
    out[std::string(k.str())] = *s;
  }
  return out;
}

// expect_data = "dax", or per kernel: expect_data = { default = "dax", stock = "server" }.
std::map<std::string, std::string> read_string_or_kernel_map(TomlTable& t, const std::string& key,
                                                             const std::string& step,
                                                             const std::set<std::string>& allowed) {
  if (t.has(key) && !t.holds_table(key)) {
    std::map<std::string, std::string> out;
    auto v = t.get_string(key);
    if (!v) return out;
    if (!allowed.count(*v)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      t.error(key, "step '" + step + "': " + key + " = \"" + *v + "\" must be one of " + list +
                       " (or a table of kernel = value)");
      return out;
    }
    out["default"] = *v;
    return out;
  }
  return read_kernel_map(t, key, step, allowed);
}

bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// files = [{ name = "i2", size = "7M", strips = 2, chunk = "2M" }, ...]
std::vector<FamfsFileSpec> read_files(TomlTable& t, const std::string& step, const std::string& file,
                                      std::vector<Diagnostic>& out) {
  std::vector<FamfsFileSpec> files;
  if (!t.has("files")) return files;
  const toml::array* array = t.get_table_array("files");
  if (!array) return files;
  if (array->empty())
    t.error("files", "step '" + step + "': files = [] creates nothing; leave it out for the probe");
  std::set<std::string> names;
  for (size_t i = 0; i < array->size(); ++i) {
    TomlTable ft(*array->get(i)->as_table(), file, "step '" + step + "' files[" + std::to_string(i) + "]",
                 out);
    FamfsFileSpec f;
    f.where = ft.where();
    const std::string what = "step '" + step + "': files[" + std::to_string(i) + "]";
    if (auto name = ft.required_string("name")) {
      if (!is_valid_name(*name))
        ft.error("name",
                 what + ": name '" + *name + "' must match [A-Za-z0-9][A-Za-z0-9_.-]* (one path component)");
      else if (!names.insert(*name).second)
        ft.error("name", what + ": a second file named '" + *name + "'");
      f.name = *name;
    }
    if (!ft.has("size")) ft.error_here(what + " needs size = \"...\"");
    if (auto v = ft.get_size("size")) {
      if (*v == 0 || *v % (4 * KiB) != 0)
        ft.error("size", what + ": size " + format_size(*v) + " must be a non-zero multiple of 4K");
      else
        f.size = *v;
    }
    if (auto v = ft.get_integer("strips", 1, kFamfsMaxStrips)) f.strips = static_cast<uint32_t>(*v);
    if (auto v = ft.get_size("chunk")) {
      if (!ft.has("strips"))
        ft.error("chunk", what + ": chunk applies to interleaved files only; give strips = N too");
      else if (!is_power_of_two(*v) || *v % kFamfsUnit != 0 || *v > kFamfsMaxChunk)
        ft.error("chunk", what + ": chunk " + format_size(*v) + " must be a power of two from 2M to 1G");
      else
        f.chunk = *v;
    }
    ft.report_unknown_keys();
    files.push_back(f);
  }
  return files;
}

std::vector<std::string> read_regexes(TomlTable& t, const std::string& key, const std::string& step) {
  auto patterns = t.get_strings(key);
  if (!patterns) return {};
  for (size_t i = 0; i < patterns->size(); ++i) {
    if (auto problem = regex_problem((*patterns)[i])) {
      t.error(key, "step '" + step + "': " + key + "[" + std::to_string(i) + "] = \"" + (*patterns)[i] +
                       "\" is not a valid regular expression (" + *problem + ")");
    }
  }
  return *patterns;
}

// Reads the action: `action = "..."`, or implied by `run = "..."`.
std::optional<Action> read_action(TomlTable& t, const std::string& step) {
  auto name = t.get_string("action");
  if (!name) {
    if (t.has("run")) return Action::Run;
    if (t.has("join")) return Action::Join;
    if (!t.has("action")) t.error_here("step '" + step + "' needs an action (or run = \"command\")");
    return std::nullopt;
  }
  auto action = action_from_name(*name);
  if (!action) {
    t.error("action", "step '" + step + "': unknown action \"" + *name +
                          "\" (bringup, run, write_pattern, verify_pattern, check_placement, dmesg, "
                          "famfs_mount, join, dax_mode, "
                          "backing_checksum)");
  }
  return action;
}

// famfs_mount keys that only make sense together (or never together).
void check_famfs_keys(TomlTable& t, const Step& s) {
  const std::string step = "step '" + s.name + "': ";
  if (t.has("files") && t.has("size"))
    t.error("size", step + "size is the probe's size; with files = [...] give each file its size instead");
  if (s.check_placement && !t.has("files"))
    t.error("check_placement",
            step + "check_placement looks for files written through the mount: give files = [...]");
  if (s.expect_open_error && s.check_placement)
    t.error("check_placement", step + "check_placement needs data, but expect_open_error says no file opens");
  if (s.expect_open_error && !s.expect_data.empty())
    t.error("expect_data", step + "expect_data needs data, but expect_open_error says no file opens");
}

std::optional<Step> read_step(TomlTable& t, const std::string& file, std::vector<Diagnostic>& out) {
  Step s;
  s.where = t.where();
  if (auto name = t.required_string("name")) {
    if (is_valid_name(*name)) {
      s.name = *name;
    } else {
      t.error("name", "step name '" + *name + "' must match [A-Za-z0-9][A-Za-z0-9_.-]*");
    }
  }
  auto action = read_action(t, s.name);
  if (auto v = t.get_string("run")) {
    s.command = *v;
    if (v->empty()) t.error("run", "step '" + s.name + "': run must not be empty");
  }
  if (auto v = t.get_integer("expect_exit", 0, 255)) s.expect_exit = static_cast<int>(*v);
  s.expect_output = read_regexes(t, "expect_output", s.name);
  s.reject_output = read_regexes(t, "reject_output", s.name);
  if (auto v = t.get_integer("region", 0, 1000)) s.region = static_cast<int>(*v);
  if (auto v = t.get_size("size")) {
    if (*v == 0 || *v % (4 * KiB) != 0) {
      t.error("size",
              "step '" + s.name + "': size " + format_size(*v) + " must be a non-zero multiple of 4K");
    } else {
      s.bytes = *v;
    }
  }
  if (auto v = t.get_integer("seed", 0, INT64_MAX)) s.seed = static_cast<uint64_t>(*v);
  if (auto v = t.get_seconds("timeout")) s.timeout_s = *v;
  if (auto v = t.get_strings("famfs_args")) s.famfs_args = *v;
  s.expect_famfs = read_kernel_map(t, "expect_famfs", s.name, {"on", "off", "not-offered"});
  s.expect_decided_by = read_kernel_map(t, "expect_decided_by", s.name, {});
  s.files = read_files(t, s.name, file, out);
  s.expect_data = read_string_or_kernel_map(t, "expect_data", s.name, {"dax", "server"});
  if (auto v = t.get_bool("expect_open_error")) s.expect_open_error = *v;
  if (auto v = t.get_bool("check_placement")) s.check_placement = *v;
  if (auto v = t.get_string("guest")) {
    if (*v != "*" && !is_valid_name(*v))
      t.error("guest",
              "step '" + s.name + "': guest '" + *v + "' must be a [[guest]] name or \"*\" (every guest)");
    else
      s.guest = *v;
  }
  if (auto v = t.get_bool("background")) s.background = *v;
  if (auto v = t.get_string("join")) s.join = *v;
  if (auto v = t.get_string("famfs_role")) {
    if (*v != "client")
      t.error("famfs_role", "step '" + s.name + "': famfs_role = \"" + *v +
                                "\" must be \"client\" (leave it out to make a fresh famfs as its master)");
    else
      s.famfs_role = *v;
  }
  if (auto v = t.get_string("expect_same_maps_as")) s.expect_same_maps_as = *v;
  if (auto v = t.get_string("mode")) {
    if (*v != "famfs" && *v != "devdax")
      t.error("mode", "step '" + s.name + "': mode = \"" + *v + "\" must be \"famfs\" or \"devdax\"");
    else
      s.dax_mode = *v;
  }
  if (auto v = t.get_string("expect_same_as")) s.expect_same_as = *v;
  int unknown = t.report_unknown_keys();
  if (!action) return std::nullopt;
  s.action = *action;

  if (s.action == Action::Run && !t.has("run")) {
    t.error_here("step '" + s.name + "': action \"run\" needs run = \"command\"");
  }
  const auto& allowed = action_keys().at(s.action);
  for (const char* key : kStepKeys) {
    if (t.has(key) && !allowed.count(key)) {
      t.error(key, "step '" + s.name + "': '" + key + "' does not apply to action \"" +
                       action_name(s.action) + "\"");
    }
  }
  if (s.action == Action::FamfsMount) check_famfs_keys(t, s);
  if (s.action == Action::DaxMode && !t.has("mode"))
    t.error_here("step '" + s.name + "': action \"dax_mode\" needs mode = \"famfs\" or \"devdax\"");
  if (!s.famfs_role.empty() && !t.has("files"))
    t.error("famfs_role",
            "step '" + s.name +
                "': a client checks the master's files: give files = [...] as the master made them");
  if (s.action == Action::Join && s.background)
    t.error("background", "step '" + s.name + "': a join step waits; it cannot itself run in the background");
  if (s.action == Action::Join && t.has("guest"))
    t.error("guest", "step '" + s.name + "': a join step waits for a step; the guest is that step's");
  if (unknown > 0) return std::nullopt;
  return s;
}

// Step order, per guest: a guest must be brought up before patterns on it,
// and a pattern must be written before it is verified or looked for on the
// host. Verify and placement take the size and seed of the last write to
// their region. A guest busy with a background step takes no other step
// until that one is joined; a join names an earlier background step.
void check_step_order(std::vector<Step>& steps, const std::map<size_t, TomlTable*>& tables) {
  std::set<std::string> brought_up;
  std::map<int, const Step*> last_write;
  std::set<std::string> names;
  std::map<std::string, std::string> busy;              // guest -> its running background step
  std::map<std::string, std::string> background_guest;  // unjoined background step -> its guest
  for (size_t i = 0; i < steps.size(); ++i) {
    Step& s = steps[i];
    TomlTable& t = *tables.at(i);
    if (!s.name.empty() && !names.insert(s.name).second) {
      t.error("name", "duplicate step name '" + s.name + "'");
    }
    if (s.action == Action::Join) {
      auto it = background_guest.find(s.join);
      if (it == background_guest.end()) {
        t.error("join", "step '" + s.name + "': join = \"" + s.join +
                            "\" names no background step before it that is still running");
      } else {
        busy.erase(it->second);
        background_guest.erase(it);
      }
      continue;
    }
    if (auto b = busy.find(s.guest); b != busy.end()) {
      t.error("guest", "step '" + s.name + "': guest " +
                           (s.guest.empty() ? std::string("(the guest)") : "'" + s.guest + "'") +
                           " is still running background step '" + b->second + "'; join it first");
    }
    if (s.background) {
      busy[s.guest] = s.name;
      background_guest[s.name] = s.guest;
    }
    auto earlier_is = [&](const std::string& key, const std::string& name, Action action) {
      if (name.empty()) return;
      for (size_t k = 0; k < i; ++k)
        if (steps[k].name == name && steps[k].action == action) return;
      t.error(key, "step '" + s.name + "': " + key + " = \"" + name + "\" names no earlier " +
                       action_name(action) + " step");
    };
    earlier_is("expect_same_maps_as", s.expect_same_maps_as, Action::FamfsMount);
    earlier_is("expect_same_as", s.expect_same_as, Action::BackingChecksum);
    bool is_pattern = s.action == Action::WritePattern || s.action == Action::VerifyPattern ||
                      s.action == Action::CheckPlacement || s.action == Action::FamfsMount ||
                      s.action == Action::DaxMode;
    if (s.action == Action::Bringup) brought_up.insert(s.guest);
    if (is_pattern && !brought_up.count(s.guest)) {
      t.error_here("step '" + s.name + "' (" + action_name(s.action) + ") needs a bringup step before it" +
                   (s.guest.empty() ? std::string() : " on guest '" + s.guest + "'"));
    }
    if (s.action == Action::WritePattern) last_write[s.region] = &s;
    if (s.action == Action::VerifyPattern || s.action == Action::CheckPlacement) {
      // The last write to that region by any guest: with shared memory one
      // guest verifies what another wrote.
      auto write = last_write.find(s.region);
      if (write == last_write.end()) {
        t.error_here("step '" + s.name + "' (" + action_name(s.action) +
                     ") comes before any write_pattern for region " + std::to_string(s.region));
        continue;
      }
      if (!t.has("size")) s.bytes = write->second->bytes;
      if (!t.has("seed")) s.seed = write->second->seed;
    }
  }
}

// [[guest]] tables: unique names, each with its topology.
std::vector<GuestSpec> read_guests(TomlTable& top, const std::filesystem::path& path, const std::string& file,
                                   std::vector<Diagnostic>& out) {
  std::vector<GuestSpec> guests;
  const toml::array* array = top.get_table_array("guest");
  if (!array) return guests;
  std::set<std::string> names;
  for (size_t i = 0; i < array->size(); ++i) {
    TomlTable g(*array->get(i)->as_table(), file, "[[guest]]", out);
    GuestSpec spec;
    spec.where = g.where();
    if (auto name = g.required_string("name")) {
      if (!is_valid_name(*name) || *name == "*")
        g.error("name", "guest name '" + *name + "' must match [A-Za-z0-9][A-Za-z0-9_.-]*");
      else if (!names.insert(*name).second)
        g.error("name", "a second guest named '" + *name + "'");
      spec.name = *name;
    }
    if (auto v = g.required_string("topology")) {
      std::filesystem::path topo = *v;
      spec.topology_file = (topo.is_absolute() ? topo : path.parent_path() / topo).lexically_normal();
      if (!std::filesystem::is_regular_file(spec.topology_file))
        g.error("topology", "topology file " + spec.topology_file.string() + " does not exist");
    }
    g.report_unknown_keys();
    guests.push_back(spec);
  }
  return guests;
}

// guest = "*": one step per guest, named "<name>@<guest>".
std::vector<Step> expand_every_guest(const Step& s, const std::vector<GuestSpec>& guests) {
  std::vector<Step> out;
  for (const auto& g : guests) {
    Step copy = s;
    copy.guest = g.name;
    copy.name = s.name + "@" + g.name;
    out.push_back(copy);
  }
  return out;
}

}  // namespace

std::optional<Scenario> parse_scenario(const std::filesystem::path& path, std::vector<Diagnostic>& out) {
  auto root = topology::parse_toml_file(path, out);
  if (!root) return std::nullopt;
  const std::string file = path.string();
  Scenario sc;
  sc.file = path;
  sc.name = path.stem().string();
  sc.where = famlab::Location{file};
  TomlTable top(*root, file, "the scenario", out);
  if (auto v = top.get_string("name")) {
    if (is_valid_name(*v)) {
      sc.name = *v;
    } else {
      top.error("name", "scenario name '" + *v + "' must match [A-Za-z0-9][A-Za-z0-9_.-]*");
    }
  }
  if (auto v = top.get_string("description")) sc.description = *v;
  sc.guests = read_guests(top, path, file, out);
  if (top.has("guest") && top.has("topology")) {
    top.get_string("topology");  // known, just not with [[guest]]
    top.error("topology",
              "a scenario has either topology = \"...\" (one guest) or [[guest]] tables, not both");
  } else if (sc.guests.empty()) {
    GuestSpec single;
    single.where = top.where("topology");
    if (auto v = top.required_string("topology")) {
      std::filesystem::path topo = *v;
      single.topology_file = (topo.is_absolute() ? topo : path.parent_path() / topo).lexically_normal();
      if (!std::filesystem::is_regular_file(single.topology_file)) {
        top.error("topology", "topology file " + single.topology_file.string() + " does not exist");
      }
    }
    sc.guests.push_back(single);
  }
  sc.topology_file = sc.guests.front().topology_file;
  if (auto v = top.get_strings("shared_devices")) {
    if (!sc.multi_guest() || sc.guests.size() < 2)
      top.error("shared_devices", "shared_devices needs at least two [[guest]] tables to share between");
    std::set<std::string> seen;
    for (const auto& d : *v)
      if (!seen.insert(d).second) top.error("shared_devices", "device '" + d + "' is listed twice");
    sc.shared_devices = *v;
  }
  if (auto v = top.get_bool("allow_different_views")) sc.allow_different_views = *v;
  if (auto v = top.get_strings("kernels")) {
    if (v->empty()) top.error("kernels", "kernels = [] would never run; leave it out to run on any kernel");
    for (const auto& k : *v) {
      if (k.empty()) top.error("kernels", "kernels must not hold an empty name");
    }
    sc.kernels = *v;
  }
  if (auto v = top.get_seconds("timeout")) sc.timeout_s = *v;
  if (auto v = top.get_bool("keep_going")) sc.keep_going = *v;

  std::vector<TomlTable> tables;
  if (const toml::array* steps = top.get_table_array("step")) {
    tables.reserve(steps->size());
    for (size_t i = 0; i < steps->size(); ++i)
      tables.emplace_back(*steps->get(i)->as_table(), file, "[[step]]", out);
  } else if (!top.has("step")) {
    top.error_here("the scenario has no [[step]]");
  }
  top.report_unknown_keys();

  std::map<size_t, TomlTable*> table_of_step;
  for (auto& t : tables) {
    auto step = read_step(t, file, out);
    if (!step) continue;
    std::vector<Step> expanded = {*step};
    if (step->guest == "*") {
      expanded = expand_every_guest(*step, sc.guests);
    } else if (sc.multi_guest() && step->guest.empty() && step->action != Action::Join) {
      expanded[0].guest = sc.guests.front().name;  // the first guest by default
    } else if (!step->guest.empty() && !sc.guest_of(*step)) {
      std::string known;
      for (const auto& g : sc.guests) known += (known.empty() ? "" : ", ") + g.name;
      t.error("guest",
              "step '" + step->name + "': no guest named '" + step->guest + "'" +
                  (sc.multi_guest() ? " (guests: " + known + ")"
                                    : " (the scenario has one guest; give [[guest]] tables to name guests)"));
      continue;
    }
    for (auto& e : expanded) {
      table_of_step[sc.steps.size()] = &t;
      sc.steps.push_back(std::move(e));
    }
  }
  check_step_order(sc.steps, table_of_step);
  return sc;
}

}  // namespace famlab::scenario
