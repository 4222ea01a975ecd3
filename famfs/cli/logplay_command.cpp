#include "famfs/cli/logplay_command.h"

#include <sys/xattr.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "famfs/server/logplay_report.h"

namespace famlab::famfs::cli {

int logplay_command(const std::string& mountpoint, bool json, std::ostream& out) {
  std::vector<char> buf(server::kLogplayReportMax);
  ssize_t n = getxattr(mountpoint.c_str(), server::kLogplayXattr, buf.data(), buf.size());
  if (n < 0) {
    int e = errno;
    if (e == ENODATA || e == ENOTSUP)
      throw Error(mountpoint + ": not the root of a famfs mount (no " + server::kLogplayXattr + " here)");
    if (e == ESTALE)
      throw Error(
          mountpoint +
          ": the famfs on the device was made again since it was mounted; unmount and mount it again");
    throw Error(mountpoint + ": logplay failed: " + std::strerror(e));
  }
  std::string text(buf.data(), static_cast<size_t>(n));
  server::LogplayReport r = server::decode_logplay_report(text);
  if (json) {
    out << text << "\n";
  } else {
    out << mountpoint << ": logplay " << r.logplay << " (" << r.role << "): " << r.new_entries << " new "
        << (r.new_entries == 1 ? "entry" : "entries") << ", " << r.entries << " in all, log " << r.log_used
        << " of " << r.log_size << " bytes, tail " << r.log_tail << "\n";
    if (r.log_tail == "torn") out << "warning: " << r.tail << "\n";
    if (r.log_tail == "damaged") out << "error: " << r.tail << "\n";
  }
  return r.log_tail == "damaged" ? 1 : 0;
}

}  // namespace famlab::famfs::cli
