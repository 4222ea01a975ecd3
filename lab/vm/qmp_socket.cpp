#include "lab/vm/qmp_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "base/units.h"

namespace famlab::vm {

using nlohmann::json;

namespace {

int ms_until(std::chrono::steady_clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<long long>(left.count(), 0, 60 * 60 * 1000));
}

std::chrono::steady_clock::time_point deadline_in(double seconds) {
  return std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                std::chrono::duration<double>(std::max(0.0, seconds)));
}

}  // namespace

QmpSocketTransport::QmpSocketTransport(std::filesystem::path path, std::shared_ptr<QmpTranscript> transcript)
    : path_(std::move(path)), name_(path_.string()), transcript_(std::move(transcript)) {}

QmpSocketTransport::QmpSocketTransport(UniqueFd connected, std::string name,
                                       std::shared_ptr<QmpTranscript> transcript)
    : name_(std::move(name)), transcript_(std::move(transcript)), fd_(std::move(connected)) {}

std::string QmpSocketTransport::describe() const { return "QMP socket " + name_; }

void QmpSocketTransport::connect_until(Clock::time_point deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.string().size() >= sizeof addr.sun_path)
    throw QmpTransportError("QMP socket path " + path_.string() + " is longer than a unix socket allows");
  std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
  std::string last = "it does not exist";
  for (;;) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw QmpTransportError("cannot create a unix socket: " + std::string(std::strerror(errno)));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      fd_ = std::move(fd);
      return;
    }
    last = std::strerror(errno);
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw QmpTransportError("cannot connect to QEMU's QMP socket " + path_.string() + ": " + last);
}

void QmpSocketTransport::send_line(const std::string& line) {
  transcript_->sent(line);
  std::string data = line + "\n";
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd_.get(), data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      throw QmpTransportError("QMP socket " + name_ + ": sending failed: " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
}

std::optional<std::string> QmpSocketTransport::next_line(Clock::time_point deadline) {
  for (;;) {
    if (auto line = lines_.next()) {
      transcript_->received(*line);
      return line;
    }
    if (closed_) throw QmpTransportError("QMP socket " + name_ + ": QEMU closed the monitor");
    pollfd p{fd_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, ms_until(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return std::nullopt;
    char buf[65536];
    ssize_t r = ::read(fd_.get(), buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      closed_ = true;
      transcript_->note("QEMU closed the monitor");
      continue;  // lines already buffered still count
    }
    lines_.feed(buf, static_cast<size_t>(r));
  }
}

QmpIncoming QmpSocketTransport::receive(const std::string& line) {
  QmpIncoming in = parse_qmp_line(line);
  if (auto* ev = std::get_if<QmpEvent>(&in)) events_.push_back(*ev);
  return in;
}

std::optional<QmpGreeting> QmpSocketTransport::open(double timeout_s) {
  auto deadline = deadline_in(timeout_s);
  if (!fd_) connect_until(deadline);
  transcript_->note("connected to " + name_);
  std::optional<QmpGreeting> greeting;
  while (!greeting) {
    auto line = next_line(deadline);
    if (!line)
      throw QmpTransportError("QMP socket " + name_ + ": no greeting from QEMU within " +
                              format_seconds(timeout_s) + " s");
    QmpIncoming in = receive(*line);
    if (auto* g = std::get_if<QmpGreeting>(&in))
      greeting = *g;
    else if (std::holds_alternative<QmpReply>(in))
      throw QmpTransportError("QMP socket " + name_ + ": a reply before the greeting: " + *line);
  }
  QmpReply caps = execute("qmp_capabilities", json::object(), std::max(0.1, ms_until(deadline) / 1000.0));
  if (!caps.ok())
    throw QmpTransportError("QMP socket " + name_ + ": qmp_capabilities refused: " + caps.error->error_class +
                            ": " + caps.error->desc);
  return greeting;
}

QmpReply QmpSocketTransport::execute(const std::string& command, const json& arguments, double timeout_s) {
  if (!fd_) throw QmpTransportError("QMP socket " + name_ + ": not open");
  auto deadline = deadline_in(timeout_s);
  std::string id = "famlab-" + std::to_string(next_id_++);
  send_line(qmp_command(command, arguments, id).dump());
  for (;;) {
    auto line = next_line(deadline);
    if (!line)
      throw QmpTransportError("QMP socket " + name_ + ": no reply to " + command + " within " +
                              format_seconds(timeout_s) + " s");
    QmpIncoming in = receive(*line);
    auto* reply = std::get_if<QmpReply>(&in);
    if (!reply) continue;
    // QEMU answers a line it could not read at all without an id.
    if (reply->id.is_null() || reply->id == id) return *reply;
    transcript_->note("dropped a late reply (id " + reply->id.dump() + ") while waiting for " + id);
  }
}

std::vector<QmpEvent> QmpSocketTransport::take_events() {
  // Events QEMU sent while no command ran are still in the socket.
  if (fd_ && !closed_) {
    try {
      while (auto line = next_line(Clock::now())) receive(*line);
    } catch (const QmpTransportError& e) {
      transcript_->note(e.what());
    }
  }
  std::vector<QmpEvent> out(events_.begin(), events_.end());
  events_.clear();
  return out;
}

}  // namespace famlab::vm
