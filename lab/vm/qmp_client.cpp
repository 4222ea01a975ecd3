#include "lab/vm/qmp_client.h"

namespace famlab::vm {

using nlohmann::json;

QmpClient::QmpClient(std::unique_ptr<QmpTransport> transport, std::shared_ptr<QmpTranscript> transcript)
    : transport_(std::move(transport)), transcript_(std::move(transcript)) {
  if (!transport_) throw Error("QmpClient: no transport");
}

void QmpClient::connect(double timeout_s) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    auto greeting = transport_->open(timeout_s);
    if (greeting) version_ = greeting->version;
    QmpReply v = transport_->execute("query-version", json::object(), timeout_s);
    if (v.ok() && v.value->is_object() && v.value->contains("qemu")) {
      const json& q = (*v.value)["qemu"];
      version_ = std::to_string(q.value("major", 0)) + "." + std::to_string(q.value("minor", 0)) + "." +
                 std::to_string(q.value("micro", 0));
    }
    QmpReply c = transport_->execute("query-commands", json::object(), timeout_s);
    if (!c.ok() || !c.value->is_array())
      throw QmpTransportError(transport_->describe() + ": query-commands did not return a list" +
                              (c.error ? ": " + c.error->error_class + ": " + c.error->desc : ""));
    commands_.clear();
    for (const auto& e : *c.value)
      if (e.is_object() && e.contains("name") && e["name"].is_string())
        commands_.insert(e["name"].get<std::string>());
    transcript_->note("QEMU " + version_ + ", " + std::to_string(commands_.size()) + " commands");
  } catch (const QmpTransportError& e) {
    transcript_->note(std::string("cannot use QMP: ") + e.what());
    throw;
  }
}

QmpReply QmpClient::execute(const std::string& command, const json& arguments, double timeout_s) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    return transport_->execute(command, arguments, timeout_s);
  } catch (const QmpTransportError& e) {
    transcript_->note(e.what());
    throw;
  }
}

bool QmpClient::has(const std::string& command) const { return commands_.count(command) > 0; }

std::vector<QmpEvent> QmpClient::take_events() {
  std::lock_guard<std::mutex> lock(mu_);
  return transport_->take_events();
}

}  // namespace famlab::vm
