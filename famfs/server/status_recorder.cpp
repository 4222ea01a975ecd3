#include "server/status_recorder.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace famlab::famfs::server {

StatusRecorder::StatusRecorder(std::string path, uint32_t every)
    : path_(std::move(path)), every_(every ? every : 1) {
  status_.pid = getpid();
}

void StatusRecorder::count_request(const std::string& opcode_name) {
  ++status_.opcodes[opcode_name];
  ++status_.requests;
  ++since_write_;
  dirty_ = true;
}

void StatusRecorder::write_now() {
  since_write_ = 0;
  dirty_ = false;
  if (path_.empty()) return;
  std::string text = protocol::encode_famfs_status(status_);
  std::string tmp = path_ + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) close(fd);
  ok = ok && rename(tmp.c_str(), path_.c_str()) == 0;
  if (!ok) {
    unlink(tmp.c_str());
    if (!warned_)
      std::fprintf(stderr, "famfs: cannot write status %s: %s\n", path_.c_str(), std::strerror(errno));
    warned_ = true;  // keep serving; say it once
  }
}

void StatusRecorder::write_if_due() {
  if (since_write_ >= every_) write_now();
}

void StatusRecorder::write_if_dirty() {
  if (dirty_) write_now();
}

}  // namespace famlab::famfs::server
