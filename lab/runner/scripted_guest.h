#pragma once
// Test double for a guest: a vm::Backend whose "VM" is a thread that plays
// the agent on the agent socket from a script (hello, then each request's
// canned answer: output, kernel log lines, a result, silence, a panic, the
// VM exiting), with a console pipe for what the kernel prints there. It
// speaks the real protocol (protocol/messages.h), so a vm::GuestSession,
// the launch and the step loop run against it exactly as against QEMU, as
// kunit_tool tests its parser on canned logs.
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "lab/vm/backend.h"
#include "lab/vm/qmp_transport.h"
#include "protocol/messages.h"

namespace famlab::runner::testing {

// What the scripted guest does with one request.
struct Reply {
  bool ok = true;
  int exit_code = 0;
  std::string output;              // one Output event (stdout) when not empty
  std::vector<std::string> kmsg;   // kernel log lines sent before Finished
  nlohmann::json result;           // Finished.result
  std::string error;               // Finished.error
  double delay_s = 0;              // wait this long before answering
  bool never_answer = false;       // Started, then silence
  std::vector<std::string> panic;  // console lines, then the VM exits (no Finished)
  bool vm_exits = false;           // the VM just stops (no Finished)
};

using Script = std::function<Reply(const protocol::Request&)>;

class ScriptedBackend : public vm::Backend {
 public:
  explicit ScriptedBackend(Script script, bool say_hello = true);
  ~ScriptedBackend() override;

  void start(const vm::VmSpec& spec) override;
  int console_fd() const override { return console_read_.get(); }
  std::optional<int> exited() override;
  void kill() override;
  std::string describe() const override { return "scripted guest"; }

  // Every request the guest got, in order (safe to read after the run).
  std::vector<protocol::Request> requests() const;
  // Kernel log lines sent at any time (e.g. while the guest is idle).
  void send_kmsg(const std::string& line);
  // The kernel panics now, whatever the guest is doing: console lines, then
  // the VM is gone.
  void panic_now(const std::vector<std::string>& console);
  // QEMU itself dies as it starts: prints `console`, then exits with
  // `status` (134: an assertion of its own) before any hello.
  void crash_on_start(std::vector<std::string> console, int status);

 private:
  void serve(int listen_fd);
  void write_console(const std::vector<std::string>& lines);
  void send(const protocol::Message& m);
  void answer(const protocol::Request& req);

  Script script_;
  bool say_hello_;
  UniqueFd console_read_, console_write_;
  UniqueFd client_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> exited_{false};
  int exit_status_ = 0;
  std::optional<std::vector<std::string>> crash_console_;
  mutable std::mutex mu_;
  std::vector<protocol::Request> requests_;
  uint64_t kmsg_seq_ = 0;
};

// Test double for a QEMU monitor that cannot be run here: an older QEMU
// (a version, a list of commands). query-version and query-commands
// answer from those; every other known command returns {}, an unknown one
// CommandNotFound, as QEMU does.
class ScriptedQmp : public vm::QmpTransport {
 public:
  ScriptedQmp(std::string version, std::vector<std::string> commands)
      : version_(std::move(version)), commands_(std::move(commands)) {}
  std::optional<vm::QmpGreeting> open(double) override { return vm::QmpGreeting{version_, "", {}}; }
  vm::QmpReply execute(const std::string& command, const nlohmann::json& arguments, double) override;
  std::vector<vm::QmpEvent> take_events() override { return {}; }
  std::string describe() const override { return "scripted QEMU " + version_; }

 private:
  std::string version_;
  std::vector<std::string> commands_;
};

}  // namespace famlab::runner::testing
