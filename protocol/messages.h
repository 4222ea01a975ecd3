#pragma once
// The host <-> agent protocol: one JSON object per line over the
// virtio-serial port "org.famlab.agent". The host sends requests; the agent
// answers each with `started`, any number of `output`, then `finished`.
// Kernel log records flow as `kmsg` events at any time, in order with the
// rest, so a splat is attributed to the request that was running.
//
// This file is the one definition both sides compile. Keep it free of
// host-only dependencies: the agent links it statically into PID 1.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocol/famfs_file.h"
#include "protocol/guest_plan.h"

namespace famlab::protocol {

constexpr const char* kPortName = "org.famlab.agent";
constexpr int kVersion = 1;

// ---- host -> agent ----------------------------------------------------------

enum class Op {
  Bringup,        // plan: load modules, build regions, devdax, verify view
  Exec,           // argv (or shell), env, timeout; output streamed
  WritePattern,   // region index, bytes: tagged pattern through the dax device
  VerifyPattern,  // read back what WritePattern wrote
  Dmesg,          // the whole kernel log as one output
  Shell,          // start an interactive shell on the console, then idle
  FamfsMount,     // mkfs + files (or one probe file) on a region's dax
                  // device in famfs mode, mount the famfs server with
                  // famfs_args, check each file through the mount, unmount;
                  // result: per-file checks, maps and the server's status
  DaxMode,        // region, dax_mode: bind its dax device to famfs_dax or device_dax
  Poweroff,       // sync and power off
  PoisonList,     // trigger_poison_list on every CXL memdev; the cxl_poison
                  // records the kernel traced (PoisonListResult)
  TraceEvents,    // enable trace_events, wait (up to timeout_s) until
                  // await_events arrived, return what was traced
                  // (TraceEventsResult)
  Resume,         // the guest was restored from a snapshot: mix `entropy`
                  // into the RNG and reseed it, set the clock to `clock_ns`,
                  // re-probe the CXL hardware (ResumeResult)
};

struct Request {
  uint64_t id = 0;
  Op op = Op::Exec;
  std::optional<GuestPlan> plan;        // Bringup
  std::vector<std::string> argv;        // Exec (argv[0] looked up in PATH)
  std::string shell;                    // Exec: run with /bin/sh -c when set
  double timeout_s = 60;                // Exec, patterns
  int region = 0;                       // patterns: topology region index
  uint64_t bytes = 0;                   // patterns
  uint64_t seed = 0;                    // patterns
  std::vector<std::string> famfs_args;  // FamfsMount: extra `famfs mount` options
  std::vector<FamfsFile> famfs_files;   // FamfsMount: files to create and check
                                        // (empty: one prefilled probe of `bytes`)
  // TraceEvents: tracefs events ("cxl/cxl_dram", "ras/aer_event") to enable
  // and collect, and how many records of which to wait for.
  std::vector<std::string> trace_events;
  std::map<std::string, int> await_events;
  // FamfsMount: "" makes a fresh famfs (this host is its master); "client"
  // mounts the famfs another host made, as a client, and checks its files
  // read-only against the same patterns.
  std::string famfs_role;
  std::string dax_mode;  // DaxMode: "famfs" | "devdax"
  std::string entropy;   // Resume: hex, fresh random bytes from the host
  int64_t clock_ns = 0;  // Resume: the host's CLOCK_REALTIME
};

// ---- agent -> host ----------------------------------------------------------

enum class Event {
  Hello,     // agent is up: kernel release, uptime
  Started,   // request id begins
  Output,    // request id produced text (stream: stdout|stderr|info)
  Kmsg,      // one kernel log record
  Finished,  // request id ended: ok, exit code, seconds, error, result
};

struct Message {
  Event event = Event::Output;
  uint64_t id = 0;
  // Hello
  std::string kernel_release;
  int version = kVersion;
  // Hello, Started, Finished: guest uptime in seconds
  double uptime = 0;
  // Output
  std::string stream;
  std::string data;
  // Kmsg
  int level = 6;
  uint64_t seq = 0;
  uint64_t ts_us = 0;
  std::string text;
  // Finished
  bool ok = false;
  int exit_code = 0;
  double seconds = 0;
  std::string error;      // why it failed: says where and what
  nlohmann::json result;  // op-specific: guest view, pattern facts
};

std::string encode(const Request& r);  // one line, '\n' included
std::string encode(const Message& m);
// Decoders throw std::invalid_argument with a message naming the bad field.
Request decode_request(const std::string& line);
Message decode_message(const std::string& line);

const char* to_string(Op op);
const char* to_string(Event e);

// Splits a byte stream into lines. Feed it whatever read() returned.
class LineBuffer {
 public:
  explicit LineBuffer(size_t max_line = 16 << 20) : max_line_(max_line) {}
  void feed(const char* data, size_t n);
  // Next complete line without its '\n'; nullopt when none is complete.
  std::optional<std::string> next();

 private:
  std::string buf_;
  size_t pos_ = 0;
  size_t max_line_;
};

}  // namespace famlab::protocol
