#pragma once
// The famfs FUSE server: open the device, replay the log, give up
// privilege as asked, mount, serve until unmounted.
#include <ostream>

#include "famfs/server/server_options.h"

namespace famlab::famfs::server {

// Returns the exit status: 0 after a clean unmount. Throws famlab::Error
// for failures before the mount is up (device, superblock, mount refused).
int run_server(const ServerOptions& options, std::ostream& out, std::ostream& err);

}  // namespace famlab::famfs::server
