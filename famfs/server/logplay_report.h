#pragma once
// `famfs logplay MOUNTPOINT`: the CLI reads the extended attribute
// user.famfs.logplay of the mount's root; the server, asked for it,
// replays what was appended to the log since and answers with this report
// (JSON). getxattr(2) carries the request to exactly the server of that
// mount and its answer back, also on a read-only mount, without a pid, a
// socket or a signal.
#include <cstdint>
#include <string>

namespace famlab::famfs::server {

constexpr const char* kLogplayXattr = "user.famfs.logplay";
// The most the report takes; what a size probe (getxattr with size 0) is told.
constexpr uint32_t kLogplayReportMax = 4096;

struct LogplayReport {
  std::string role;          // master | client
  uint64_t logplay = 0;      // this one's number (1 for the first)
  uint64_t new_entries = 0;  // entries this logplay added
  uint64_t entries = 0;      // entries replayed in all
  uint64_t log_used = 0;     // bytes of the log those take
  uint64_t log_size = 0;
  std::string log_tail;  // clean | torn | damaged
  std::string tail;      // the torn tail or damage, in words ("" when clean)
};

std::string encode_logplay_report(const LogplayReport& report);
// Throws famlab::Error naming what is missing or wrong.
LogplayReport decode_logplay_report(const std::string& text);

}  // namespace famlab::famfs::server
