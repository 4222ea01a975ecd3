#include "lab/scenario/fault_step_parse.h"

#include <sstream>

#include "lab/scenario/regex_check.h"

namespace famlab::scenario {

namespace {

using topology::TomlTable;

constexpr uint64_t kPoisonGranule = 64;  // QEMU and CXL count poison in 64-byte units

// device | region [file], offset, length: shared by inject_poison and the
// entries of expect_poison.
MemorySpot read_spot(TomlTable& t, const std::string& what, bool region_read_already, int region) {
  MemorySpot spot;
  spot.where = t.where();
  if (auto v = t.get_string("device")) spot.device = *v;
  if (region_read_already) {
    if (t.has("region")) spot.region = region;
  } else if (auto v = t.get_integer("region", 0, 1000)) {
    spot.region = static_cast<int>(*v);
  }
  if (auto v = t.get_string("file")) spot.file = *v;
  bool has_device = t.has("device"), has_region = t.has("region");
  if (has_device && has_region)
    t.error("region", what + ": give device (a device offset) or region (a region or file offset), not both");
  else if (!has_device && !has_region)
    t.error_here(what + " needs device = \"...\" (a device offset) or region = N (a region or file offset)");
  if (t.has("file") && has_device)
    t.error("file", what + ": a famfs file lives in a region; give region = N with file");
  if (t.has("file") && spot.file.empty()) t.error("file", what + ": file must not be empty");
  if (!t.has("offset")) t.error_here(what + " needs offset = ... (bytes, e.g. 0x1000 or \"4K\")");
  if (auto v = t.get_size("offset")) {
    if (*v % kPoisonGranule != 0)
      t.error("offset", what + ": offset " + std::to_string(*v) +
                            " is not a multiple of 64 (poison is "
                            "injected and listed in 64-byte units)");
    spot.offset = *v;
  }
  if (auto v = t.get_size("length")) {
    if (*v == 0 || *v % kPoisonGranule != 0)
      t.error("length", what + ": length " + std::to_string(*v) + " must be a non-zero multiple of 64");
    else
      spot.length = *v;
  }
  return spot;
}

std::vector<MemorySpot> read_expect_poison(TomlTable& t, const std::string& step, const std::string& file,
                                           std::vector<Diagnostic>& out) {
  std::vector<MemorySpot> spots;
  const toml::node* node = t.get_node("expect_poison");
  if (!node) return spots;
  const toml::array* array = node->as_array();
  if (!array || (!array->empty() && !array->is_array_of_tables())) {
    t.error("expect_poison", "step '" + step +
                                 "': expect_poison must be a list of { device | region, offset, length } "
                                 "(or [] for an empty list)");
    return spots;
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const std::string what = "step '" + step + "': expect_poison[" + std::to_string(i) + "]";
    TomlTable e(*array->get(i)->as_table(), file, what, out);
    spots.push_back(read_spot(e, what, false, -1));
    e.report_unknown_keys();
  }
  return spots;
}

std::vector<ExpectedEvent> read_expect_events(TomlTable& t, const std::string& step, const std::string& file,
                                              std::vector<Diagnostic>& out) {
  std::vector<ExpectedEvent> events;
  if (!t.has("expect_events")) return events;
  const toml::array* array = t.get_table_array("expect_events");
  if (!array) return events;
  for (size_t i = 0; i < array->size(); ++i) {
    const std::string what = "step '" + step + "': expect_events[" + std::to_string(i) + "]";
    TomlTable e(*array->get(i)->as_table(), file, what, out);
    ExpectedEvent ev;
    ev.where = e.where();
    if (auto v = e.required_string("event")) {
      if (v->find('/') == std::string::npos || v->front() == '/' || v->back() == '/')
        e.error("event", what + ": event '" + *v + "' must be written system/name (cxl/cxl_dram)");
      ev.event = *v;
    }
    if (auto v = e.get_string("device")) ev.device = *v;
    if (auto v = e.get_size("dpa")) ev.dpa = *v;
    if (e.has("dpa") && !e.has("device"))
      e.error("dpa", what + ": dpa needs device = \"...\" (the DPA is the device's)");
    if (const toml::table* fields = e.get_table("fields")) {
      for (const auto& [k, v] : *fields) {
        if (auto s = v.value<std::string>())
          ev.fields[std::string(k.str())] = *s;
        else
          e.error("fields", what + ": fields." + std::string(k.str()) +
                                " must be the text the kernel prints, as a string (e.g. dpa = \"1000\")");
      }
    }
    if (auto v = e.get_string("match")) {
      if (auto problem = regex_problem(*v))
        e.error("match",
                what + ": match = \"" + *v + "\" is not a valid regular expression (" + *problem + ")");
      ev.match = *v;
    }
    e.report_unknown_keys();
    events.push_back(ev);
  }
  return events;
}

std::string describe_toml_type(const toml::node& n) {
  std::ostringstream ss;
  ss << n.type();
  return ss.str();
}

}  // namespace

const std::vector<const char*>& fault_step_keys() {
  static const std::vector<const char*> keys = {"command",       "arguments", "device",       "expect_error",
                                                "expect_return", "file",      "offset",       "length",
                                                "expect_poison", "events",    "expect_events"};
  return keys;
}

nlohmann::json toml_to_json(const toml::node& node) {
  using nlohmann::json;
  if (auto* t = node.as_table()) {
    json o = json::object();
    for (const auto& [k, v] : *t) o[std::string(k.str())] = toml_to_json(v);
    return o;
  }
  if (auto* a = node.as_array()) {
    json arr = json::array();
    for (const auto& v : *a) arr.push_back(toml_to_json(v));
    return arr;
  }
  if (auto v = node.value_exact<std::string>()) return *v;
  if (auto v = node.value_exact<int64_t>()) return *v;
  if (auto v = node.value_exact<double>()) return *v;
  if (auto v = node.value_exact<bool>()) return *v;
  std::ostringstream ss;  // dates and times: as written
  if (auto* d = node.as_date()) ss << *d;
  if (auto* d = node.as_time()) ss << *d;
  if (auto* d = node.as_date_time()) ss << *d;
  if (ss.str().empty()) ss << describe_toml_type(node);
  return ss.str();
}

void read_fault_keys(TomlTable& t, Step& s, const std::string& file, std::vector<Diagnostic>& out) {
  const std::string step = "step '" + s.name + "'";
  if (auto v = t.get_string("command")) {
    if (v->empty()) t.error("command", step + ": command must not be empty");
    s.qmp_command = *v;
  }
  if (t.has("arguments")) {
    if (const toml::table* args = t.get_table("arguments")) s.qmp_arguments = toml_to_json(*args);
  }
  if (auto v = t.get_string("expect_error")) {
    if (v->empty())
      t.error("expect_error", step + ": expect_error names a QMP error class (GenericError, ...)");
    s.expect_error = *v;
  }
  if (const toml::node* v = t.get_node("expect_return")) s.expect_return = toml_to_json(*v);
  if (t.has("expect_error") && t.has("expect_return"))
    t.error("expect_return",
            step + ": a reply is either an error (expect_error) or a return (expect_return)");
  if (auto v = t.get_strings("events")) {
    for (const auto& e : *v)
      if (e.find('/') == std::string::npos || e.front() == '/' || e.back() == '/')
        t.error("events",
                step + ": event '" + e + "' must be written system/name (cxl/cxl_dram, ras/aer_event)");
    s.trace_events = *v;
  }
  s.expect_events = read_expect_events(t, s.name, file, out);
  if (t.has("expect_poison")) s.expect_poison = read_expect_poison(t, s.name, file, out);

  switch (s.action) {
    case Action::Qmp:
      if (!t.has("command")) t.error_here(step + ": action \"qmp\" needs command = \"...\" (a QMP command)");
      if (auto v = t.get_string("device")) s.device = *v;
      if (t.has("device") && s.qmp_arguments.contains("path"))
        t.error("device", step + ": device sets arguments.path; give one of them");
      break;
    case Action::InjectPoison:
      s.poison = read_spot(t, step, true, s.region);
      break;
    case Action::TraceEvents:
      if (!t.has("events") && !t.has("expect_events"))
        t.error_here(step + ": action \"trace_events\" needs events = [...] (to enable) or expect_events");
      break;
    default:
      // Keys that do not apply are reported by the caller; mark them read.
      t.get_string("device");
      t.get_string("file");
      t.get_size("offset");
      t.get_size("length");
      break;
  }
}

}  // namespace famlab::scenario
