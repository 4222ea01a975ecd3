#include "harness/agent/trace_reader.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <regex>

#include "base/error.h"
#include "harness/agent/sysfs.h"

namespace famlab::agent {

namespace {

constexpr size_t kMaxKept = 65536;

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// At `at`: a key followed by '=' or ": '"; the length of key and separator.
size_t key_with_separator(std::string_view s, size_t at, size_t* key_len) {
  size_t k = at;
  while (k < s.size() && is_key_char(s[k])) ++k;
  if (k == at) return 0;
  *key_len = k - at;
  if (k < s.size() && s[k] == '=') return k + 1 - at;
  if (s.substr(k, 3) == ": '") return k + 2 - at;
  return 0;
}

std::string trim_value(std::string_view v) {
  size_t end = v.size();
  while (end > 0 && (v[end - 1] == ' ' || v[end - 1] == ':')) --end;
  return std::string(v.substr(0, end));
}

}  // namespace

std::optional<TraceLine> parse_trace_line(std::string_view line) {
  static const std::regex re(R"(^\s*(.+-\d+)\s+\[(\d+)\]\s+(?:\S+\s+)?(\d+\.\d+):\s+(\w+):\s?(.*)$)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(line.begin(), line.end(), m, re)) return std::nullopt;
  TraceLine t;
  t.task = m[1].str();
  t.cpu = std::stoi(m[2].str());
  t.timestamp = std::stod(m[3].str());
  t.name = m[4].str();
  t.body = m[5].str();
  return t;
}

std::map<std::string, std::string> parse_trace_fields(std::string_view body) {
  std::map<std::string, std::string> fields;
  size_t pos = 0;
  while (pos < body.size()) {
    while (pos < body.size() && body[pos] == ' ') ++pos;
    size_t key_len = 0;
    size_t sep = key_with_separator(body, pos, &key_len);
    if (sep == 0) {  // not a key: skip the word
      while (pos < body.size() && body[pos] != ' ') ++pos;
      continue;
    }
    std::string key(body.substr(pos, key_len));
    size_t v = pos + sep;
    std::string value;
    if (v < body.size() && body[v] == '\'') {
      size_t close = body.find('\'', v + 1);
      if (close == std::string_view::npos) close = body.size();
      value = std::string(body.substr(v + 1, close - v - 1));
      pos = close + 1;
    } else {
      // An unquoted value ends where the next key starts.
      size_t end = v;
      for (;;) {
        size_t space = body.find(' ', end);
        if (space == std::string_view::npos) {
          end = body.size();
          break;
        }
        size_t after = space;
        while (after < body.size() && body[after] == ' ') ++after;
        size_t next_len = 0;
        if (after >= body.size() || key_with_separator(body, after, &next_len) > 0) {
          end = space;
          break;
        }
        end = after;
      }
      value = trim_value(body.substr(v, end - v));
      pos = end;
    }
    fields.emplace(std::move(key), std::move(value));  // the first occurrence wins
  }
  return fields;
}

TraceReader::TraceReader(std::filesystem::path root) : root_(std::move(root)) {}

void TraceReader::ensure_mounted() {
  if (std::filesystem::exists(root_ / "trace_pipe")) return;
  if (!std::filesystem::is_directory(root_))
    throw Error(root_.string() + " does not exist: this kernel has no tracefs (CONFIG_TRACING)");
  if (::mount("tracefs", root_.c_str(), "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    throw Error("mounting tracefs on " + root_.string() + " failed: " + std::strerror(errno));
  if (!std::filesystem::exists(root_ / "trace_pipe"))
    throw Error("tracefs on " + root_.string() + " has no trace_pipe");
}

std::optional<bool> TraceReader::enable(const std::string& event) {
  auto slash = event.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == event.size())
    throw Error("trace event '" + event + "' must be written system/name (cxl/cxl_poison)");
  std::filesystem::path file = root_ / "events" / event / "enable";
  if (!std::filesystem::exists(file)) return std::nullopt;
  full_name_[event.substr(slash + 1)] = event;
  if (read_attr(file) == "1") return false;
  write_attr(file, "1");
  return true;
}

size_t TraceReader::pump() {
  if (!pipe_) {
    pipe_.reset(::open((root_ / "trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!pipe_) throw Error("cannot open " + (root_ / "trace_pipe").string() + ": " + std::strerror(errno));
  }
  size_t added = 0;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(pipe_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: nothing now (0: a plain file in tests)
    partial_.append(buf, static_cast<size_t>(n));
  }
  size_t start = 0;
  for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
    auto line = parse_trace_line(std::string_view(partial_).substr(start, nl - start));
    if (!line) continue;  // "CPU:1 [LOST 3 EVENTS]" and the like
    protocol::TraceEvent e;
    auto it = full_name_.find(line->name);
    e.event = it != full_name_.end() ? it->second : line->name;
    e.timestamp = line->timestamp;
    e.cpu = line->cpu;
    e.task = line->task;
    e.fields = parse_trace_fields(line->body);
    e.text = line->body;
    backlog_.push_back(std::move(e));
    ++added;
    // Records of events nobody asks for must not grow PID 1 without bound.
    if (backlog_.size() > kMaxKept) backlog_.pop_front();
  }
  partial_.erase(0, start);
  return added;
}

std::vector<protocol::TraceEvent> TraceReader::take(
    const std::string& event, const std::function<bool(const protocol::TraceEvent&)>& keep) {
  std::vector<protocol::TraceEvent> out;
  for (auto it = backlog_.begin(); it != backlog_.end();) {
    if (it->event == event && (!keep || keep(*it))) {
      out.push_back(std::move(*it));
      it = backlog_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

size_t TraceReader::count(const std::string& event) const {
  size_t n = 0;
  for (const auto& e : backlog_) n += e.event == event;
  return n;
}

}  // namespace famlab::agent
