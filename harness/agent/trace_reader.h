#pragma once
// What the guest kernel traces, read through tracefs: the agent mounts it
// (it is PID 1, nobody else does), enables named events (CXL poison and
// event records, AER and RAS) and reads trace_pipe without blocking. Every
// record read is kept until asked for (the newest 65536), so reading for
// one event never loses another's records.
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.h"
#include "protocol/results.h"

namespace famlab::agent {

// One line of trace_pipe:
//   "  kworker/u8:2-45   [001] d..1.   123.456789: cxl_dram: memdev=mem0 ..."
// (the flags column is there or not, depending on the trace options).
struct TraceLine {
  std::string task;
  int cpu = 0;
  double timestamp = 0;
  std::string name;  // cxl_dram
  std::string body;  // what follows "name: "
};
std::optional<TraceLine> parse_trace_line(std::string_view line);

// The key=value and key: 'value' pairs of a record's body, quotes removed.
// A value runs to the next " key=" (values may hold spaces, as hex dumps
// do); " : " separators are not part of a value.
std::map<std::string, std::string> parse_trace_fields(std::string_view body);

class TraceReader {
 public:
  explicit TraceReader(std::filesystem::path root = "/sys/kernel/tracing");

  const std::filesystem::path& root() const { return root_; }
  // Mounts tracefs at root unless it is mounted already. Throws Error
  // saying why not (a kernel without CONFIG_TRACING has no tracefs).
  void ensure_mounted();
  // "cxl/cxl_poison" (system/name): turns the event on. nullopt when this
  // kernel has no such event; otherwise whether it was off before.
  std::optional<bool> enable(const std::string& event);
  // Reads what trace_pipe holds now (never blocks); returns how many
  // records were added to the backlog.
  size_t pump();
  // Takes the kept records of an enabled event ("cxl/cxl_poison") that
  // `keep` accepts (all by default), oldest first.
  std::vector<protocol::TraceEvent> take(const std::string& event,
                                         const std::function<bool(const protocol::TraceEvent&)>& keep = {});
  // How many records of `event` are kept now.
  size_t count(const std::string& event) const;

 private:
  std::filesystem::path root_;
  UniqueFd pipe_;
  std::string partial_;
  std::map<std::string, std::string> full_name_;  // "cxl_poison" -> "cxl/cxl_poison"
  std::deque<protocol::TraceEvent> backlog_;
};

}  // namespace famlab::agent
