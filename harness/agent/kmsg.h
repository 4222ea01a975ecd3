#pragma once
// The kernel log as /dev/kmsg hands it out: one record per read(), as
// "prio,seq,ts_us,flags;text" followed by optional " KEY=value" lines.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.h"

namespace famlab::agent {

struct KmsgRecord {
  int level = 6;  // syslog severity: prio & 7
  uint64_t seq = 0;
  uint64_t ts_us = 0;
  std::string text;  // \xNN escapes undone, so a multi-line message is whole again
};

// nullopt when `raw` is not a kmsg record.
std::optional<KmsgRecord> parse_kmsg_record(std::string_view raw);
// The kernel escapes non-printable bytes (and '\') as \xNN.
std::string unescape_kmsg(std::string_view text);
// "[    1.234567] text" like dmesg prints it.
std::string format_kmsg(const KmsgRecord& r);

class KmsgReader {
 public:
  // Opens O_RDONLY|O_NONBLOCK, so the first reads return the log since boot.
  // Throws Error when it cannot.
  explicit KmsgReader(const std::string& path);
  ~KmsgReader();
  KmsgReader(const KmsgReader&) = delete;
  KmsgReader& operator=(const KmsgReader&) = delete;

  int fd() const { return fd_.get(); }
  // Every record available now; never blocks.
  std::vector<KmsgRecord> read_available();
  // How often the kernel overwrote records before they were read (EPIPE);
  // the seq numbers of the records that follow show the gap.
  uint64_t overruns() const { return overruns_; }

 private:
  UniqueFd fd_;
  uint64_t overruns_ = 0;
};

// The whole kernel log, one formatted line per record (the Dmesg op).
std::string read_kernel_log(const std::string& path);

}  // namespace famlab::agent
