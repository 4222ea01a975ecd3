#include "harness/agent/channel.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace famlab::agent {
namespace {
constexpr auto kBackoff = std::chrono::milliseconds(100);
}

Channel::Channel(int fd, Now now) : fd_(fd), now_(std::move(now)) {
  int flags = fcntl(fd_.get(), F_GETFL);
  if (flags >= 0) fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK);
  fcntl(fd_.get(), F_SETFD, FD_CLOEXEC);
}

Channel::~Channel() = default;

void Channel::send(const protocol::Message& m) {
  if (m.event == protocol::Event::Kmsg && pending_bytes() > kMaxPending) {
    ++dropped_kmsg_;
    return;
  }
  out_ += protocol::encode(m);
  if (now_() >= retry_at_) flush();
}

// A peer that went away must cost a back-off, never the process: on a
// socket (tests, the libvirt channel on the host side) MSG_NOSIGNAL keeps
// SIGPIPE away whatever the program's signal disposition; the virtio port
// is a character device, which never raises SIGPIPE.
ssize_t Channel::write_no_sigpipe(const char* data, size_t n) {
  if (is_socket_) {
    ssize_t sent = ::send(fd_.get(), data, n, MSG_NOSIGNAL);
    if (sent >= 0 || errno != ENOTSOCK) return sent;
    is_socket_ = false;
  }
  return ::write(fd_.get(), data, n);
}

void Channel::flush() {
  while (out_pos_ < out_.size()) {
    size_t chunk = std::min<size_t>(out_.size() - out_pos_, 64 * 1024);
    ssize_t n = write_no_sigpipe(out_.data() + out_pos_, chunk);
    if (n > 0) {
      out_pos_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;  // full: poll says when it drains
    // EPIPE, ENODEV, ...: nobody on the other side right now. Keep the data.
    back_off();
    return;
  }
  out_.clear();
  out_pos_ = 0;
}

short Channel::poll_events(Clock::time_point now) const {
  if (now < retry_at_) return 0;
  return static_cast<short>(POLLIN | (pending_bytes() > 0 ? POLLOUT : 0));
}

int Channel::backoff_ms(Clock::time_point now) const {
  if (now >= retry_at_) return -1;
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now).count()) + 1;
}

void Channel::on_poll(short revents) {
  if (revents & POLLIN) receive();
  if (revents & POLLOUT) flush();
  // HUP without data: the host end is not connected. Retry later.
  if ((revents & (POLLHUP | POLLERR | POLLNVAL)) && !(revents & POLLIN)) back_off();
}

void Channel::receive() {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n > 0) {
      in_.feed(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    back_off();  // 0: host not connected (virtio) or peer closed (socket)
    return;
  }
}

std::optional<std::string> Channel::next_line() { return in_.next(); }

void Channel::back_off() { retry_at_ = now_() + kBackoff; }

}  // namespace famlab::agent
