#pragma once
// The agent's end of the virtio-serial port, non-blocking both ways.
// Until the host has connected to its socket (and whenever it is gone)
// writes fail with EAGAIN and poll reports POLLHUP without end, so
// outgoing lines wait in a queue and the port is left out of poll() for a
// short while instead of spinning.
#include <poll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/unique_fd.h"
#include "protocol/messages.h"

namespace famlab::agent {

class Channel {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;

  // Takes ownership of fd; sets O_NONBLOCK. `now` is the clock the back-off
  // is measured on (tests pass their own, so no timing decides a result).
  explicit Channel(int fd, Now now = Clock::now);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  int fd() const { return fd_.get(); }

  // Queues one message and tries to write it at once. When the queue is
  // huge because nobody reads, kernel log records are dropped (counted),
  // never replies.
  void send(const protocol::Message& m);
  // Writes what the port takes now; never blocks.
  void flush();
  size_t pending_bytes() const { return out_.size() - out_pos_; }
  uint64_t dropped_kmsg() const { return dropped_kmsg_; }

  // poll() integration: events to wait for (0 while backing off), how long
  // a poll may sleep before the back-off ends, and what to do with revents.
  short poll_events(Clock::time_point now) const;
  int backoff_ms(Clock::time_point now) const;
  void on_poll(short revents);

  // Reads what is there now (also done by on_poll).
  void receive();
  // The next complete request line, if any.
  std::optional<std::string> next_line();

  static constexpr size_t kMaxPending = 64u << 20;

 private:
  void back_off();

  ssize_t write_no_sigpipe(const char* data, size_t n);

  UniqueFd fd_;
  Now now_;
  bool is_socket_ = true;  // until send(2) says otherwise
  std::string out_;
  size_t out_pos_ = 0;
  protocol::LineBuffer in_;
  Clock::time_point retry_at_{};
  uint64_t dropped_kmsg_ = 0;
};

}  // namespace famlab::agent
