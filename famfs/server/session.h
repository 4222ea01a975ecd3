#pragma once
// The request loop on a /dev/fuse connection: read one request, decode,
// count, misbehave if told to, answer. Ends when the kernel ends the
// connection (unmount), on DESTROY, or when a stop signal arrives.
#include <chrono>
#include <functional>
#include <ostream>
#include <string>

#include "famfs/server/misbehaviour.h"
#include "famfs/server/request_handler.h"
#include "famfs/server/status_recorder.h"

namespace famlab::famfs::server {

class Session {
 public:
  // `log` receives one line per request with --debug, and problems always.
  Session(int fuse_fd, RequestHandler& handler, StatusRecorder& recorder, const ServerOptions& options,
          std::ostream& log);

  // Runs until the end; returns why it ended, in words. `on_initialized`
  // runs once after the INIT reply is written. `stop` is polled between
  // requests (a signal handler sets it).
  std::string run(const std::function<void()>& on_initialized, const volatile int& stop);

  // Handles one request already read; false when the loop should end.
  // Separate from run() so tests can drive it with crafted bytes.
  bool serve_one(std::span<const uint8_t> request);

  // Serve on another descriptor of the same connection from now on (a
  // clone made after INIT, --cap-drop clone-after-init).
  void use_fd(int fuse_fd) { fd_ = fuse_fd; }
  // Write replies with this instead of write(2): bytes or -errno
  // (--cap-drop uring-personality writes them through io_uring).
  using Writer = std::function<ssize_t(int fd, std::span<const uint8_t> reply)>;
  void use_writer(Writer writer) { writer_ = std::move(writer); }

 private:
  // One write to /dev/fuse (or the writer); 0 or the errno it failed with.
  int write_to_kernel(const fuse::Bytes& message);
  void send(const fuse::Bytes& reply);
  // A FUSE_NOTIFY_STORE (--notify-store); the kernel's answer goes to the
  // status: "accepted" or the errno's name.
  void push_notify_store(const fuse::Bytes& notification);
  // --defer: replies held until their time; sent by run() when due.
  void send_due_replies();
  int ms_until_next_due(int cap) const;

  int fd_;
  RequestHandler& handler_;
  StatusRecorder& recorder_;
  const ServerOptions& options_;
  std::ostream& log_;
  Misbehaviour misbehaviour_;
  bool initialized_ = false;
  std::function<void()> on_initialized_;
  std::vector<std::pair<std::chrono::steady_clock::time_point, fuse::Bytes>> deferred_;
  Writer writer_;
};

}  // namespace famlab::famfs::server
