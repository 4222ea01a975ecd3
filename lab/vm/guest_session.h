#pragma once
// One running guest, seen from the host: starts it through a Backend, waits
// for the agent, sends requests and collects everything that comes back.
// Writes the raw serial console, the kernel log and the agent traffic to the
// run's artifact files as they arrive, so a hung or crashed guest still
// leaves its evidence behind.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lab/kernel/symbolizer.h"
#include "lab/vm/agent_channel.h"
#include "lab/vm/backend.h"
#include "lab/vm/splat_detector.h"
#include "protocol/messages.h"

namespace famlab::vm {

struct SessionLogs {
  std::filesystem::path serial;  // console bytes as QEMU printed them
  std::filesystem::path dmesg;   // kernel log records from the agent
  std::filesystem::path agent;   // protocol lines, both directions, timed
  // A guest restored from a snapshot: the directory holding the console and
  // kernel log of the boot it was taken after (serial.log, dmesg.log). They
  // open this run's logs, so these read like a boot's.
  std::filesystem::path boot_logs;
};

enum class Outcome { Finished, Timeout, Panic, VmExited, Interrupted };
const char* to_string(Outcome o);

struct CallResult {
  Outcome outcome = Outcome::Finished;
  protocol::Message finished;  // valid when outcome == Finished
  std::string output;          // Output events' data, in order
  std::vector<Splat> splats;   // kernel splats while the call ran
  double seconds = 0;          // host wall time of the call
  std::string detail;          // why it did not finish: panic text, exit status
};

class GuestSession {
 public:
  GuestSession(Backend& backend, VmSpec spec, SessionLogs logs);
  ~GuestSession();  // kills the VM if it still runs
  GuestSession(const GuestSession&) = delete;
  GuestSession& operator=(const GuestSession&) = delete;

  // Starts the VM and waits for the agent's hello: start() then
  // wait_for_hello(). The thread that starts a VM must outlive it: a QEMU
  // child gets SIGKILL when the *thread* that forked it ends
  // (PR_SET_PDEATHSIG), so several guests are started by one thread and
  // waited for afterwards, never started from short-lived threads.
  CallResult boot(double timeout_s);
  void start();
  // Waits until `timeout_s` after start() for the hello.
  CallResult wait_for_hello(double timeout_s);
  const protocol::Message& hello() const { return hello_; }

  // For a guest restored from a snapshot, instead of wait_for_hello: waits
  // (until `timeout_s` after start()) for the agent's port, then sends it
  // `resume` (protocol::Op::Resume). Its answer stands in for the hello
  // (kernel release, uptime).
  CallResult resume(protocol::Request resume, double timeout_s);

  using OutputFn = std::function<void(const protocol::Message&)>;
  CallResult call(protocol::Request request, double timeout_s, const OutputFn& on_output = {});

  // Asks the agent to power off, waits, then kills. Never throws.
  void shutdown(double timeout_s = 10);
  // Waits for the VM to stop on its own (interactive shell).
  Outcome wait_exit();

  // For a guest with nothing to do while other guests work: takes what it
  // said meanwhile (kernel log, console) without waiting. Outcome Finished
  // while it is fine; Panic or VmExited when it died, with the splats it
  // logged since the last call.
  CallResult idle_check();
  // Reads in what the guest has already sent (console, kernel log, agent
  // lines) into the logs, judging nothing: kernel splats among it stay for
  // the next call or idle_check.
  void read_pending();

  double elapsed() const;  // seconds since start
  // How the VM ended, once it did: an exit code, or 128 + the signal that
  // killed QEMU (134: QEMU aborted on an assertion of its own).
  std::optional<int> exit_status() const { return exit_status_; }
  std::string panic_text() const { return console_.panic_text(); }

  // Annotates kernel trace text with source locations (file:line, inlined
  // calls) from the symbols beside the kernel image QEMU boots: the vmlinux
  // of a debug kernel, else a System.map. Splats from boot() and call()
  // come back annotated already; this is for traces read some other way
  // (kmemleak's report). Unchanged when there are no symbols.
  std::string symbolize(const std::string& trace);

 private:
  using Clock = std::chrono::steady_clock;
  // Waits for events until `done` returns true for a message, the deadline
  // passes, or the VM stops.
  Outcome pump(Clock::time_point deadline, const std::function<bool(const protocol::Message&)>& done);
  void read_console();
  void handle_line(const std::string& line, const std::function<bool(const protocol::Message&)>& done,
                   bool* finished);
  void log_agent(const char* dir, const std::string& line);
  void symbolize(std::vector<Splat>& splats);
  kernel::Symbolizer* symbolizer();

  Backend& backend_;
  VmSpec spec_;
  AgentChannel channel_;
  bool agent_eof_ = false;  // the guest's port closed: poll only the console from then on
  std::ofstream serial_, dmesg_, agent_;
  SplatDetector console_;  // console lines: panics even when the agent is dead
  SplatDetector kernel_;   // kmsg records: splats attributed to the running call
  std::string console_partial_;
  protocol::Message hello_;
  Clock::time_point start_;
  uint64_t next_id_ = 1;
  bool started_ = false;
  std::optional<int> exit_status_;
  std::unique_ptr<kernel::Symbolizer> symbolizer_;  // made on the first trace
  bool symbolizer_made_ = false;
};

}  // namespace famlab::vm
