#pragma once
// `famfs logplay MOUNTPOINT`: asks the server of a famfs mount to replay
// what the master appended to the log since (server/logplay_report.h), so
// a client sees new files without remounting.
#include <ostream>
#include <string>

namespace famlab::famfs::cli {

// Prints the server's report (text or JSON). Returns the exit status: 0
// when the server replayed, with a clean log or a torn tail (said on a
// "warning:" line), 1 when the log is damaged ("error:" line). Throws
// famlab::Error naming the mount point when there is no famfs server to ask.
int logplay_command(const std::string& mountpoint, bool json, std::ostream& out);

}  // namespace famlab::famfs::cli
