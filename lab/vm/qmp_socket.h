#pragma once
// QMP over QEMU's own monitor socket (the direct backend's -qmp / -mon in
// the private run directory). Commands carry ids ("famlab-N"); a reply
// that arrives after its command timed out is recognised by its id and
// dropped, so it can never be taken for the answer to a later command.
#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>

#include "base/unique_fd.h"
#include "lab/vm/qmp_transport.h"
#include "protocol/messages.h"

namespace famlab::vm {

class QmpSocketTransport : public QmpTransport {
 public:
  // Connects to the socket at `path` in open(), retrying until its deadline
  // (QEMU creates the socket while it starts).
  QmpSocketTransport(std::filesystem::path path, std::shared_ptr<QmpTranscript> transcript);
  // A socket already connected to a QMP server (tests: one end of a socketpair).
  QmpSocketTransport(UniqueFd connected, std::string name, std::shared_ptr<QmpTranscript> transcript);

  std::optional<QmpGreeting> open(double timeout_s) override;
  QmpReply execute(const std::string& command, const nlohmann::json& arguments, double timeout_s) override;
  std::vector<QmpEvent> take_events() override;
  std::string describe() const override;

 private:
  using Clock = std::chrono::steady_clock;
  void connect_until(Clock::time_point deadline);
  void send_line(const std::string& line);
  // The next line from QEMU; nullopt when the deadline passed first.
  // Throws QmpTransportError when the socket closed.
  std::optional<std::string> next_line(Clock::time_point deadline);
  // Reads one line and keeps it if it is an event; returns what it was.
  QmpIncoming receive(const std::string& line);

  std::filesystem::path path_;
  std::string name_;
  std::shared_ptr<QmpTranscript> transcript_;
  UniqueFd fd_;
  protocol::LineBuffer lines_;
  std::deque<QmpEvent> events_;
  uint64_t next_id_ = 1;
  bool closed_ = false;
};

}  // namespace famlab::vm
