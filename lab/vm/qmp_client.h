#pragma once
// famlab's QMP client for one guest, whatever carries it (qmp_transport.h):
// opens the monitor, learns which commands this QEMU has (query-commands),
// runs commands one at a time and keeps QEMU's asynchronous events. Every
// exchange goes to the guest's transcript (qmp.log). Thread-safe: a
// background step and the step loop may share a guest's client.
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "lab/vm/qmp_transport.h"

namespace famlab::vm {

class QmpClient {
 public:
  QmpClient(std::unique_ptr<QmpTransport> transport, std::shared_ptr<QmpTranscript> transcript);

  // Opens the monitor, then asks QEMU for its version and its commands.
  // Throws QmpTransportError.
  void connect(double timeout_s);

  // One command. QEMU's refusal is a reply with an error; a transport
  // failure throws QmpTransportError (and is noted in the transcript).
  QmpReply execute(const std::string& command, const nlohmann::json& arguments = nlohmann::json::object(),
                   double timeout_s = 30);

  // Whether this QEMU knows the command (query-commands at connect).
  bool has(const std::string& command) const;
  const std::set<std::string>& commands() const { return commands_; }
  // "10.0.2" (query-version).
  const std::string& qemu_version() const { return version_; }

  // Events since the last call (they are in the transcript as they come).
  std::vector<QmpEvent> take_events();
  std::string describe() const { return transport_->describe(); }

 private:
  std::unique_ptr<QmpTransport> transport_;
  std::shared_ptr<QmpTranscript> transcript_;
  std::mutex mu_;
  std::set<std::string> commands_;
  std::string version_;
};

}  // namespace famlab::vm
