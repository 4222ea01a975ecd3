#include "famfs/server/session.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "famfs/fuse/opcode_names.h"

namespace famlab::famfs::server {
namespace {

// Room for the largest WRITE (max_write) plus its headers, and never less
// than the kernel's minimum.
constexpr size_t kBufferSize = (1u << 20) + 4096;
constexpr int kIdleMs = 200;  // status goes out when the server is idle this long

}  // namespace

Session::Session(int fuse_fd, RequestHandler& handler, StatusRecorder& recorder, const ServerOptions& options,
                 std::ostream& log)
    : fd_(fuse_fd),
      handler_(handler),
      recorder_(recorder),
      options_(options),
      log_(log),
      misbehaviour_(options) {}

int Session::write_to_kernel(const fuse::Bytes& message) {
  ssize_t n = writer_ ? writer_(fd_, message) : ::write(fd_, message.data(), message.size());
  return n >= 0 ? 0 : writer_ ? static_cast<int>(-n) : errno;
}

void Session::send(const fuse::Bytes& reply) {
  int err = write_to_kernel(reply);
  if (err == 0 || err == ENOENT) return;  // ENOENT: the request was interrupted meanwhile
  std::string why = "writing a reply to /dev/fuse failed: " + std::string(std::strerror(err));
  recorder_.status().last_error = why;
  recorder_.mark_changed();
  log_ << "famfs: " << why << std::endl;
}

void Session::push_notify_store(const fuse::Bytes& notification) {
  int err = write_to_kernel(notification);
  const char* name = err ? strerrorname_np(err) : nullptr;
  ++recorder_.status().notify_store[err == 0 ? "accepted" : name ? name : std::to_string(err)];
  recorder_.mark_changed();
}

bool Session::serve_one(std::span<const uint8_t> bytes) {
  const fuse::FamfsAbi& abi = handler_.abi();
  fuse::DecodeResult d = fuse::decode_request(bytes, abi);
  std::string name = d.header ? fuse::opcode_name(d.header->opcode, abi) : "MALFORMED";
  recorder_.count_request(name);
  if (!d.request) {
    auto& s = recorder_.status();
    ++s.malformed_requests;
    s.last_error = "malformed " + name + " request: " + d.error;
    log_ << "famfs: " << s.last_error << std::endl;
    if (d.header) send(fuse::reply_error(d.header->unique, EINVAL));
    return true;
  }
  const fuse::InHeader& h = d.request->header;
  if (auto why = misbehaviour_.death(h.opcode, name)) {
    auto& s = recorder_.status();
    s.state = "died";
    s.exit_reason = *why;
    recorder_.write_now();
    log_ << "famfs: " << *why << std::endl;
    _exit(3);  // no unmount, no reply: as if the server crashed
  }
  if (uint32_t delay = misbehaviour_.delay_ms(h.opcode))
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));

  if (auto notify = handler_.notify_before_reply(*d.request)) push_notify_store(*notify);
  std::optional<fuse::Bytes> reply = handler_.handle(*d.request);
  if (uint32_t defer = misbehaviour_.defer_ms(h.opcode); reply && defer)
    deferred_.emplace_back(std::chrono::steady_clock::now() + std::chrono::milliseconds(defer), *reply);
  else if (reply)
    send(*reply);
  if (options_.debug) {
    std::string outcome = "no reply";
    if (reply) {
      outcome = std::to_string(reply->size()) + " bytes";
      std::optional<fuse::ParsedReply> parsed = fuse::parse_reply(*reply);
      if (parsed.has_value() && parsed.value().header.error != 0)
        outcome = std::strerror(-parsed.value().header.error);
    }
    log_ << "famfs: #" << h.unique << " " << name << " node " << h.nodeid << " -> " << outcome << std::endl;
  }
  if (h.opcode == fuse::kInit && !initialized_ && recorder_.status().state == "initialized") {
    initialized_ = true;
    recorder_.write_now();
    if (on_initialized_) on_initialized_();
  }
  recorder_.write_if_due();
  return !handler_.destroyed();
}

void Session::send_due_replies() {
  auto now = std::chrono::steady_clock::now();
  for (auto it = deferred_.begin(); it != deferred_.end();) {
    if (it->first > now) {
      ++it;
      continue;
    }
    send(it->second);
    it = deferred_.erase(it);
  }
}

int Session::ms_until_next_due(int cap) const {
  auto now = std::chrono::steady_clock::now();
  int ms = cap;
  for (const auto& [due, reply] : deferred_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count();
    ms = std::min<int>(ms, left < 0 ? 0 : static_cast<int>(left));
  }
  return ms;
}

std::string Session::run(const std::function<void()>& on_initialized, const volatile int& stop) {
  on_initialized_ = on_initialized;
  std::vector<uint8_t> buf(kBufferSize);
  while (true) {
    if (stop) return "stopped by a signal";
    send_due_replies();
    pollfd p{fd_, POLLIN, 0};
    int ready = poll(&p, 1, ms_until_next_due(kIdleMs));
    if (ready < 0 && errno != EINTR) return std::string("poll on /dev/fuse failed: ") + std::strerror(errno);
    if (ready <= 0) {
      recorder_.write_if_dirty();
      continue;
    }
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ENOENT) continue;
      if (errno == ENODEV) return "unmounted";
      return std::string("reading /dev/fuse failed: ") + std::strerror(errno);
    }
    if (!serve_one({buf.data(), static_cast<size_t>(n)})) return "DESTROY received";
  }
}

}  // namespace famlab::famfs::server
