#pragma once
// The agent proper: says Hello on the port, then serves requests one at a
// time (started, output..., finished) while forwarding every kernel log
// record as it appears. One poll() loop watches the port, /dev/kmsg and the
// running command's pipes.
#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "harness/agent/bringup.h"
#include "harness/agent/channel.h"
#include "harness/agent/child_process.h"
#include "harness/agent/kmsg.h"
#include "harness/agent/sysfs.h"
#include "harness/agent/trace_reader.h"
#include "protocol/messages.h"

namespace famlab::agent {

struct AgentOptions {
  SystemRoots roots;
  std::string kmsg_path = "/dev/kmsg";  // "" turns kernel log forwarding off
  std::string console = "/dev/ttyS0";   // where the Shell op runs
  std::string modules_dir;              // /lib/modules/<release>
  double device_timeout_s = 10;
  // What Poweroff (and the end of a console shell) does. PID 1 powers the
  // machine off; tests record it.
  std::function<void()> power_off;
};

class Agent {
 public:
  Agent(int port_fd, AgentOptions opts);  // takes the port fd
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Sends Hello, then serves until stop() is called (PID 1: never).
  void run();
  // Safe from any thread; run() returns within a poll interval.
  void stop() { stop_ = true; }

 private:
  void handle_line(const std::string& line);
  void reject(const std::string& line, const std::string& why);
  void finish(protocol::Message& fin, double started_at);

  void do_bringup(const protocol::Request& req, protocol::Message& fin);
  void do_exec(const protocol::Request& req, protocol::Message& fin);
  void do_pattern(const protocol::Request& req, protocol::Message& fin);
  void do_famfs_mount(const protocol::Request& req, protocol::Message& fin);
  void do_dax_mode(const protocol::Request& req, protocol::Message& fin);
  const DaxTarget& region_target(int region) const;
  protocol::DaxModeChange put_in_mode(const DaxTarget& target, const std::string& mode);
  void do_dmesg(protocol::Message& fin);
  void do_shell(protocol::Message& fin);
  void do_poweroff(protocol::Message& fin);
  void do_poison_list(protocol::Message& fin);
  void do_trace_events(const protocol::Request& req, protocol::Message& fin);
  void do_resume(const protocol::Request& req, protocol::Message& fin);

  // One round of I/O: port, kernel log, and the pipes of `child` (if any),
  // waiting at most timeout_ms. Never starts a request.
  void poll_once(int timeout_ms, ChildProcess* child);
  // Non-blocking poll_once for synchronous work (bringup, patterns).
  void pump() { poll_once(0, nullptr); }
  void forward_kmsg();
  void drain_child(ChildProcess& child);
  void send_output(const std::string& stream, const std::string& data);
  void info(const std::string& line) { send_output("info", line + (line.ends_with('\n') ? "" : "\n")); }
  void check_console_shell();
  std::string dax_banner() const;

  AgentOptions opts_;
  Channel channel_;
  std::unique_ptr<KmsgReader> kmsg_;
  std::atomic<bool> stop_{false};
  uint64_t current_id_ = 0;
  std::map<int, DaxTarget> region_dax_;
  std::map<int, DaxTarget> pmem_dax_;
  std::optional<pid_t> shell_pid_;
  TraceReader trace_;  // tracefs below roots.sys, mounted on first use
};

}  // namespace famlab::agent
