#include "protocol/results.h"

#include <stdexcept>

namespace famlab::protocol {
namespace {

using nlohmann::json;

// Reads the fields of one JSON object strictly: a field that is missing or
// has the wrong type is an error naming the object and the field.
class Fields {
 public:
  Fields(const json& j, std::string what) : j_(j), what_(std::move(what)) {
    if (!j_.is_object()) throw std::invalid_argument(what_ + ": not a JSON object");
  }

  template <class T>
  void get(const char* key, T& out) const {
    auto it = j_.find(key);
    if (it == j_.end()) throw std::invalid_argument(what_ + ": field '" + key + "' is missing");
    try {
      out = it->get<T>();
    } catch (const json::exception&) {
      throw std::invalid_argument(what_ + ": field '" + key + "' has the wrong type");
    }
  }

  // An optional object: absent or null means none.
  template <class T, class Decode>
  void optional(const char* key, std::optional<T>& out, Decode decode) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) {
      out.reset();
      return;
    }
    out = decode(*it);
  }

  template <class T, class Decode>
  void list(const char* key, std::vector<T>& out, Decode decode) const {
    auto it = j_.find(key);
    if (it == j_.end()) throw std::invalid_argument(what_ + ": field '" + key + "' is missing");
    if (!it->is_array()) throw std::invalid_argument(what_ + ": field '" + key + "' is not a list");
    out.clear();
    for (const auto& e : *it) out.push_back(decode(e));
  }

  const json& raw(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end()) throw std::invalid_argument(what_ + ": field '" + key + "' is missing");
    return *it;
  }

 private:
  const json& j_;
  std::string what_;
};

json optional_json(const std::optional<DaxView>& v) { return v ? encode(*v) : json(); }

DaxView decode_dax_view(const json& j) {
  DaxView v;
  Fields f(j, "dax view");
  f.get("name", v.name);
  f.get("path", v.path);
  f.get("size", v.size);
  f.get("align", v.align);
  f.get("mode", v.mode);
  return v;
}

}  // namespace

json encode(const DaxView& v) {
  return {{"name", v.name}, {"path", v.path}, {"size", v.size}, {"align", v.align}, {"mode", v.mode}};
}

json encode(const BringupResult& r) {
  json memdevs = json::array(), regions = json::array(), pmem = json::array();
  for (const auto& m : r.view.memdevs)
    memdevs.push_back(
        {{"name", m.name}, {"serial", m.serial}, {"ram_size", m.ram_size}, {"pmem_size", m.pmem_size}});
  for (const auto& g : r.view.regions)
    regions.push_back({{"index", g.index},
                       {"name", g.name},
                       {"size", g.size},
                       {"ways", g.ways},
                       {"granularity", g.granularity},
                       {"resource", g.resource},
                       {"targets", g.targets},
                       {"target_serials", g.target_serials},
                       {"dax", optional_json(g.dax)}});
  for (const auto& p : r.view.pmem)
    pmem.push_back(
        {{"index", p.index}, {"namespace", p.ns}, {"start", p.start}, {"dax", optional_json(p.dax)}});
  return {{"memdevs", memdevs}, {"regions", regions}, {"pmem", pmem}, {"mismatches", r.mismatches}};
}

BringupResult decode_bringup_result(const json& j) {
  BringupResult r;
  Fields f(j, "bringup result");
  f.list("memdevs", r.view.memdevs, [](const json& e) {
    MemdevView m;
    Fields g(e, "memdev view");
    g.get("name", m.name);
    g.get("serial", m.serial);
    g.get("ram_size", m.ram_size);
    g.get("pmem_size", m.pmem_size);
    return m;
  });
  f.list("regions", r.view.regions, [](const json& e) {
    RegionView v;
    Fields g(e, "region view");
    g.get("index", v.index);
    g.get("name", v.name);
    g.get("size", v.size);
    g.get("ways", v.ways);
    g.get("granularity", v.granularity);
    g.get("resource", v.resource);
    g.get("targets", v.targets);
    g.get("target_serials", v.target_serials);
    g.optional("dax", v.dax, decode_dax_view);
    return v;
  });
  f.list("pmem", r.view.pmem, [](const json& e) {
    PmemView p;
    Fields g(e, "pmem view");
    g.get("index", p.index);
    g.get("namespace", p.ns);
    g.get("start", p.start);
    g.optional("dax", p.dax, decode_dax_view);
    return p;
  });
  f.get("mismatches", r.mismatches);
  return r;
}

json encode(const DaxModeChange& c) {
  json j = {{"device", c.device},
            {"driver_before", c.driver_before},
            {"driver", c.driver},
            {"mode", c.mode},
            {"changed", c.changed}};
  if (!c.why.empty()) j["why"] = c.why;
  return j;
}

DaxModeChange decode_dax_mode_change(const json& j) {
  DaxModeChange c;
  Fields f(j, "dax mode change");
  f.get("device", c.device);
  f.get("driver_before", c.driver_before);
  f.get("driver", c.driver);
  f.get("mode", c.mode);
  f.get("changed", c.changed);
  if (j.contains("why")) f.get("why", c.why);
  return c;
}

json encode(const PatternResult& r) {
  json j = {{"dax", r.dax},           {"bytes", r.bytes},           {"seconds", r.seconds},
            {"mb_per_s", r.mb_per_s}, {"mismatches", r.mismatches}, {"first_mismatches", r.first_mismatches}};
  if (r.dax_mode) j["dax_mode"] = encode(*r.dax_mode);
  return j;
}

PatternResult decode_pattern_result(const json& j) {
  PatternResult r;
  Fields f(j, "pattern result");
  f.get("dax", r.dax);
  f.get("bytes", r.bytes);
  f.get("seconds", r.seconds);
  f.get("mb_per_s", r.mb_per_s);
  f.get("mismatches", r.mismatches);
  f.get("first_mismatches", r.first_mismatches);
  f.optional("dax_mode", r.dax_mode, decode_dax_mode_change);
  return r;
}

json encode(const DmesgResult& r) { return {{"bytes", r.bytes}}; }

DmesgResult decode_dmesg_result(const json& j) {
  DmesgResult r;
  Fields(j, "dmesg result").get("bytes", r.bytes);
  return r;
}

json encode(const ResumeResult& r) {
  return {{"kernel", r.kernel},
          {"uptime", r.uptime},
          {"reseeded", r.reseeded},
          {"clock_step_s", r.clock_step_s},
          {"host_bridges", r.host_bridges},
          {"memdevs", r.memdevs},
          {"reprobe_seconds", r.reprobe_seconds}};
}

ResumeResult decode_resume_result(const json& j) {
  ResumeResult r;
  Fields f(j, "resume result");
  f.get("kernel", r.kernel);
  f.get("uptime", r.uptime);
  f.get("reseeded", r.reseeded);
  f.get("clock_step_s", r.clock_step_s);
  f.get("host_bridges", r.host_bridges);
  f.get("memdevs", r.memdevs);
  f.get("reprobe_seconds", r.reprobe_seconds);
  return r;
}

json encode(const ShellResult& r) { return {{"console", r.console}, {"pid", r.pid}}; }

ShellResult decode_shell_result(const json& j) {
  ShellResult r;
  Fields f(j, "shell result");
  f.get("console", r.console);
  f.get("pid", r.pid);
  return r;
}

json encode(const FamfsFileResult& r) {
  json j = {{"name", r.name},
            {"size", r.size},
            {"seed", r.seed},
            {"ok", r.ok},
            {"open_errno", r.open_errno},
            {"open_errno_name", r.open_errno_name},
            {"open_error", r.open_error},
            {"dax", r.dax},
            {"dax_known", r.dax_known},
            {"write_ok", r.write_ok},
            {"read_ok", r.read_ok},
            {"pread_ok", r.pread_ok},
            {"pread_checks", r.pread_checks},
            {"mmap_ok", r.mmap_ok},
            {"problems", r.problems}};
  if (!r.map.is_null()) j["map"] = r.map;
  return j;
}

FamfsFileResult decode_famfs_file_result(const json& j) {
  FamfsFileResult r;
  Fields f(j, "famfs file result");
  f.get("name", r.name);
  f.get("size", r.size);
  f.get("seed", r.seed);
  f.get("ok", r.ok);
  f.get("open_errno", r.open_errno);
  f.get("open_errno_name", r.open_errno_name);
  f.get("open_error", r.open_error);
  f.get("dax", r.dax);
  f.get("dax_known", r.dax_known);
  f.get("write_ok", r.write_ok);
  f.get("read_ok", r.read_ok);
  f.get("pread_ok", r.pread_ok);
  f.get("pread_checks", r.pread_checks);
  f.get("mmap_ok", r.mmap_ok);
  f.get("problems", r.problems);
  if (j.contains("map")) r.map = f.raw("map");
  return r;
}

json encode(const FamfsMountResult& r) {
  json files = json::array();
  for (const auto& f : r.files) files.push_back(encode(f));
  json j = {{"mount_command", r.mount_command},
            {"mount_output", r.mount_output},
            {"setup_error", r.setup_error},
            {"data_ok", r.data_ok},
            {"files", files},
            {"kernel_report", r.kernel_report},
            {"famfs_enabled", r.famfs_enabled}};
  if (r.dax_mode) j["dax_mode"] = encode(*r.dax_mode);
  if (r.status) j["status"] = famfs_status_to_json(*r.status);
  return j;
}

FamfsMountResult decode_famfs_mount_result(const json& j) {
  FamfsMountResult r;
  Fields f(j, "famfs_mount result");
  f.optional("dax_mode", r.dax_mode, decode_dax_mode_change);
  f.get("mount_command", r.mount_command);
  f.get("mount_output", r.mount_output);
  f.get("setup_error", r.setup_error);
  f.get("data_ok", r.data_ok);
  f.list("files", r.files, decode_famfs_file_result);
  f.optional("status", r.status, [](const json& s) { return famfs_status_from_json(s); });
  f.get("kernel_report", r.kernel_report);
  f.get("famfs_enabled", r.famfs_enabled);
  return r;
}

json encode(const TraceEvent& e) {
  return {{"event", e.event}, {"timestamp", e.timestamp}, {"cpu", e.cpu},
          {"task", e.task},   {"fields", e.fields},       {"text", e.text}};
}

namespace {

TraceEvent decode_trace_event(const json& j) {
  TraceEvent e;
  Fields f(j, "trace event");
  f.get("event", e.event);
  f.get("timestamp", e.timestamp);
  f.get("cpu", e.cpu);
  f.get("task", e.task);
  f.get("fields", e.fields);
  f.get("text", e.text);
  return e;
}

PoisonRecord decode_poison_record(const json& j) {
  PoisonRecord r;
  Fields f(j, "poison record");
  f.get("memdev", r.memdev);
  f.get("host", r.host);
  f.get("serial", r.serial);
  f.get("region", r.region);
  const json& hpa = f.raw("hpa");
  if (!hpa.is_null()) f.get("hpa", r.hpa.emplace());
  f.get("dpa", r.dpa);
  f.get("length", r.length);
  f.get("source", r.source);
  f.get("flags", r.flags);
  return r;
}

}  // namespace

json encode(const TraceEventsResult& r) {
  json events = json::array();
  for (const auto& e : r.events) events.push_back(encode(e));
  return {{"tracefs", r.tracefs}, {"enabled", r.enabled},   {"missing", r.missing},
          {"events", events},     {"complete", r.complete}, {"awaited", r.awaited}};
}

TraceEventsResult decode_trace_events_result(const json& j) {
  TraceEventsResult r;
  Fields f(j, "trace_events result");
  f.get("tracefs", r.tracefs);
  f.get("enabled", r.enabled);
  f.get("missing", r.missing);
  f.list("events", r.events, decode_trace_event);
  f.get("complete", r.complete);
  f.get("awaited", r.awaited);
  return r;
}

json encode(const PoisonRecord& r) {
  return {{"memdev", r.memdev},
          {"host", r.host},
          {"serial", r.serial},
          {"region", r.region},
          {"hpa", r.hpa ? json(*r.hpa) : json()},
          {"dpa", r.dpa},
          {"length", r.length},
          {"source", r.source},
          {"flags", r.flags}};
}

json encode(const PoisonListResult& r) {
  json records = json::array();
  for (const auto& p : r.records) records.push_back(encode(p));
  return {{"triggered", r.triggered}, {"records", records}};
}

PoisonListResult decode_poison_list_result(const json& j) {
  PoisonListResult r;
  Fields f(j, "poison_list result");
  f.get("triggered", r.triggered);
  f.list("records", r.records, decode_poison_record);
  return r;
}

}  // namespace famlab::protocol
