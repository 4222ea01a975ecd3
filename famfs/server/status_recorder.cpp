#include "famfs/server/status_recorder.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/error.h"
#include "base/small_file.h"

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
  try {
    replace_file_atomically(path_, text);
  } catch (const Error& e) {
    if (!warned_) std::fprintf(stderr, "famfs: cannot write status: %s\n", e.what());
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
