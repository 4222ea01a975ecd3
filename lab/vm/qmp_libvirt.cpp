#include "lab/vm/qmp_libvirt.h"

#include <libvirt/libvirt-qemu.h>

#include <cstdlib>
#include <deque>
#include <mutex>

namespace famlab::vm {

using nlohmann::json;

struct QmpLibvirtTransport::Events {
  std::mutex mu;
  std::deque<QmpEvent> queue;
  std::shared_ptr<QmpTranscript> transcript;
};

namespace {

// libvirt's event loop thread calls this for every QEMU monitor event of
// the domain; `opaque` is a heap shared_ptr freed by free_events.
void on_event(virConnectPtr, virDomainPtr, const char* event, long long seconds, unsigned int micros,
              const char* details, void* opaque) {
  auto& events = *static_cast<std::shared_ptr<QmpLibvirtTransport::Events>*>(opaque);
  QmpEvent ev;
  ev.name = event ? event : "";
  ev.data = details ? json::parse(details, nullptr, false) : json::object();
  if (ev.data.is_discarded()) ev.data = details;
  ev.timestamp = static_cast<double>(seconds) + micros / 1e6;
  json line = {
      {"event", ev.name}, {"data", ev.data}, {"timestamp", {{"seconds", seconds}, {"microseconds", micros}}}};
  events->transcript->received(line.dump());
  std::lock_guard<std::mutex> lock(events->mu);
  events->queue.push_back(std::move(ev));
}

void free_events(void* opaque) { delete static_cast<std::shared_ptr<QmpLibvirtTransport::Events>*>(opaque); }

}  // namespace

QmpLibvirtTransport::QmpLibvirtTransport(std::shared_ptr<LibvirtConnection> connection, virDomainPtr domain,
                                         std::shared_ptr<QmpTranscript> transcript)
    : connection_(std::move(connection)), transcript_(std::move(transcript)) {
  if (!connection_ || !domain) throw Error("QmpLibvirtTransport: no connection or domain");
  if (virDomainRef(domain) < 0) throw Error(connection_->message("cannot reference the domain"));
  domain_ = LibvirtDomain(domain);
  name_ = domain_.name();
  events_ = std::make_shared<Events>();
  events_->transcript = transcript_;
}

QmpLibvirtTransport::~QmpLibvirtTransport() {
  if (callback_id_ >= 0) virConnectDomainQemuMonitorEventDeregister(connection_->get(), callback_id_);
}

std::string QmpLibvirtTransport::describe() const {
  return "libvirt domain " + name_ + " on " + connection_->uri();
}

std::optional<QmpGreeting> QmpLibvirtTransport::open(double) {
  transcript_->note("QMP through libvirt: domain " + name_ + " on " + connection_->uri());
  if (callback_id_ < 0) {
    auto* opaque = new std::shared_ptr<Events>(events_);
    callback_id_ = virConnectDomainQemuMonitorEventRegister(connection_->get(), domain_.get(), nullptr,
                                                            on_event, opaque, free_events, 0);
    if (callback_id_ < 0) {
      delete opaque;
      // Commands still work; only QEMU's asynchronous events are not seen.
      transcript_->note("no QEMU events through libvirt: " + libvirt_error());
    }
  }
  return std::nullopt;
}

QmpReply QmpLibvirtTransport::execute(const std::string& command, const json& arguments, double) {
  std::string text = qmp_command(command, arguments, json()).dump();
  transcript_->sent(text);
  char* result = nullptr;
  if (virDomainQemuMonitorCommand(domain_.get(), text.c_str(), &result, 0) < 0)
    throw QmpTransportError(connection_->message("domain " + name_ + ": QMP " + command + " failed"));
  std::string reply_text = result ? result : "";
  std::free(result);
  transcript_->received(reply_text);
  QmpIncoming in = parse_qmp_line(reply_text);
  if (auto* reply = std::get_if<QmpReply>(&in)) return *reply;
  throw QmpTransportError(describe() + ": libvirt returned something other than a reply to " + command +
                          ": " + reply_text);
}

std::vector<QmpEvent> QmpLibvirtTransport::take_events() {
  std::lock_guard<std::mutex> lock(events_->mu);
  std::vector<QmpEvent> out(events_->queue.begin(), events_->queue.end());
  events_->queue.clear();
  return out;
}

}  // namespace famlab::vm
