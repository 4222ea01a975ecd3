#pragma once
// Keeps the server's status and rewrites the status file atomically (a
// temporary file renamed over it): after INIT, after every N requests,
// when the server goes idle with news, and at exit. A reader never sees a
// half-written file.
#include <cstdint>
#include <string>

#include "protocol/famfs_status.h"

namespace famlab::famfs::server {

class StatusRecorder {
 public:
  StatusRecorder(std::string path, uint32_t every);

  protocol::FamfsStatus& status() { return status_; }

  // One request of this opcode arrived.
  void count_request(const std::string& opcode_name);
  // Something else changed (state, an error); written at the next chance.
  void mark_changed() { dirty_ = true; }

  void write_now();
  void write_if_due();    // every N requests
  void write_if_dirty();  // when idle

 private:
  std::string path_;
  uint32_t every_;
  uint32_t since_write_ = 0;
  bool dirty_ = false;
  bool warned_ = false;
  protocol::FamfsStatus status_;
};

}  // namespace famlab::famfs::server
