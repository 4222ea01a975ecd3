#pragma once
// The host end of the virtio-serial agent port: a unix socket that QEMU
// serves in the run directory. Non-blocking; the session's poll loop reads
// it.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "base/unique_fd.h"
#include "protocol/messages.h"

namespace famlab::vm {

class AgentChannel {
 public:
  AgentChannel() = default;
  ~AgentChannel();
  AgentChannel(const AgentChannel&) = delete;
  AgentChannel& operator=(const AgentChannel&) = delete;

  // One connection attempt; false while the socket does not exist yet.
  bool try_connect(const std::filesystem::path& socket);
  bool connected() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }

  // Sends one encoded line (protocol::encode of a request).
  void send_line(const std::string& line);
  // Reads what is available; false on EOF (the guest went away).
  bool read_available();
  // Next complete line from the agent, if any.
  std::optional<std::string> next_line() { return lines_.next(); }

 private:
  UniqueFd fd_;
  protocol::LineBuffer lines_;
};

}  // namespace famlab::vm
