#include "protocol/messages.h"

#include <stdexcept>

namespace famlab::protocol {
namespace {

using nlohmann::json;

struct OpName {
  Op op;
  const char* name;
};
constexpr OpName kOps[] = {
    {Op::Bringup, "bringup"},
    {Op::Exec, "exec"},
    {Op::WritePattern, "write_pattern"},
    {Op::VerifyPattern, "verify_pattern"},
    {Op::Dmesg, "dmesg"},
    {Op::Shell, "shell"},
    {Op::Poweroff, "poweroff"},
    {Op::FamfsMount, "famfs_mount"},
    {Op::PoisonList, "poison_list"},
    {Op::TraceEvents, "trace_events"},
    {Op::DaxMode, "dax_mode"},
    {Op::Resume, "resume"},
};

struct EventName {
  Event ev;
  const char* name;
};
constexpr EventName kEvents[] = {
    {Event::Hello, "hello"}, {Event::Started, "started"},   {Event::Output, "output"},
    {Event::Kmsg, "kmsg"},   {Event::Finished, "finished"},
};

json parse_object(const std::string& line) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw std::invalid_argument("not a JSON object: " + line.substr(0, 200));
  return j;
}

template <class T>
T field(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw std::invalid_argument(std::string("field '") + key + "' has the wrong type");
  }
}

}  // namespace

const char* to_string(Op op) {
  for (const auto& o : kOps)
    if (o.op == op) return o.name;
  return "?";
}

const char* to_string(Event e) {
  for (const auto& x : kEvents)
    if (x.ev == e) return x.name;
  return "?";
}

std::string encode(const Request& r) {
  json j = {{"id", r.id}, {"op", to_string(r.op)}};
  if (r.plan) j["plan"] = *r.plan;
  if (!r.argv.empty()) j["argv"] = r.argv;
  if (!r.shell.empty()) j["shell"] = r.shell;
  j["timeout_s"] = r.timeout_s;
  if (!r.famfs_args.empty()) j["famfs_args"] = r.famfs_args;
  if (!r.famfs_files.empty()) j["famfs_files"] = r.famfs_files;
  if (!r.trace_events.empty()) j["trace_events"] = r.trace_events;
  if (!r.await_events.empty()) j["await_events"] = r.await_events;
  if (!r.famfs_role.empty()) j["famfs_role"] = r.famfs_role;
  if (!r.dax_mode.empty()) j["dax_mode"] = r.dax_mode;
  if (!r.entropy.empty()) j["entropy"] = r.entropy;
  if (r.clock_ns) j["clock_ns"] = r.clock_ns;
  if (r.op == Op::WritePattern || r.op == Op::VerifyPattern || r.op == Op::FamfsMount ||
      r.op == Op::DaxMode) {
    j["region"] = r.region;
    j["bytes"] = r.bytes;
    j["seed"] = r.seed;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

Request decode_request(const std::string& line) {
  json j = parse_object(line);
  Request r;
  r.id = field<uint64_t>(j, "id", 0);
  std::string op = field<std::string>(j, "op", "");
  bool known = false;
  for (const auto& o : kOps)
    if (op == o.name) r.op = o.op, known = true;
  if (!known) throw std::invalid_argument("unknown op '" + op + "'");
  if (j.contains("plan")) {
    try {
      r.plan = j["plan"].get<GuestPlan>();
    } catch (const json::exception& e) {
      throw std::invalid_argument(std::string("bad plan: ") + e.what());
    }
  }
  r.argv = field<std::vector<std::string>>(j, "argv", {});
  r.shell = field<std::string>(j, "shell", "");
  r.timeout_s = field<double>(j, "timeout_s", 60);
  r.region = field<int>(j, "region", 0);
  r.bytes = field<uint64_t>(j, "bytes", 0);
  r.seed = field<uint64_t>(j, "seed", 0);
  r.famfs_args = field<std::vector<std::string>>(j, "famfs_args", {});
  r.famfs_files = field<std::vector<FamfsFile>>(j, "famfs_files", {});
  r.trace_events = field<std::vector<std::string>>(j, "trace_events", {});
  r.await_events = field<std::map<std::string, int>>(j, "await_events", {});
  r.famfs_role = field<std::string>(j, "famfs_role", "");
  r.dax_mode = field<std::string>(j, "dax_mode", "");
  r.entropy = field<std::string>(j, "entropy", "");
  r.clock_ns = field<int64_t>(j, "clock_ns", 0);
  return r;
}

std::string encode(const Message& m) {
  json j = {{"ev", to_string(m.event)}};
  switch (m.event) {
    case Event::Hello:
      j["kernel"] = m.kernel_release;
      j["version"] = m.version;
      j["uptime"] = m.uptime;
      break;
    case Event::Started:
      j["id"] = m.id;
      j["uptime"] = m.uptime;
      break;
    case Event::Output:
      j["id"] = m.id;
      j["stream"] = m.stream;
      j["data"] = m.data;
      break;
    case Event::Kmsg:
      j["level"] = m.level;
      j["seq"] = m.seq;
      j["ts_us"] = m.ts_us;
      j["text"] = m.text;
      break;
    case Event::Finished:
      j["id"] = m.id;
      j["ok"] = m.ok;
      j["exit"] = m.exit_code;
      j["seconds"] = m.seconds;
      j["uptime"] = m.uptime;
      if (!m.error.empty()) j["error"] = m.error;
      if (!m.result.is_null()) j["result"] = m.result;
      break;
  }
  // Guest output may hold invalid UTF-8: replace rather than fail.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

Message decode_message(const std::string& line) {
  json j = parse_object(line);
  Message m;
  std::string ev = field<std::string>(j, "ev", "");
  bool known = false;
  for (const auto& x : kEvents)
    if (ev == x.name) m.event = x.ev, known = true;
  if (!known) throw std::invalid_argument("unknown event '" + ev + "'");
  m.id = field<uint64_t>(j, "id", 0);
  m.kernel_release = field<std::string>(j, "kernel", "");
  m.version = field<int>(j, "version", 0);
  m.uptime = field<double>(j, "uptime", 0);
  m.stream = field<std::string>(j, "stream", "");
  m.data = field<std::string>(j, "data", "");
  m.level = field<int>(j, "level", 6);
  m.seq = field<uint64_t>(j, "seq", 0);
  m.ts_us = field<uint64_t>(j, "ts_us", 0);
  m.text = field<std::string>(j, "text", "");
  m.ok = field<bool>(j, "ok", false);
  m.exit_code = field<int>(j, "exit", 0);
  m.seconds = field<double>(j, "seconds", 0);
  m.error = field<std::string>(j, "error", "");
  if (j.contains("result")) m.result = j["result"];
  return m;
}

void LineBuffer::feed(const char* data, size_t n) {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  buf_.append(data, n);
}

std::optional<std::string> LineBuffer::next() {
  size_t nl = buf_.find('\n', pos_);
  if (nl == std::string::npos) {
    // A line longer than the limit is cut into pieces rather than
    // growing without bound.
    if (buf_.size() - pos_ <= max_line_) return std::nullopt;
    nl = pos_ + max_line_;
    std::string line = buf_.substr(pos_, max_line_);
    pos_ = nl;
    return line;
  }
  std::string line = buf_.substr(pos_, nl - pos_);
  pos_ = nl + 1;
  if (pos_ > 1 << 20) {  // compact now and then
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return line;
}

}  // namespace famlab::protocol
