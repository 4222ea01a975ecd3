#pragma once
// What a client's server refuses: everything that would change the
// filesystem or the bytes of a file. A client mounts read-only, so the
// kernel refuses most of this itself with EROFS; the server refuses it
// again, in case a kernel (or a crafted request) lets something through.
#include <optional>

#include "famfs/fuse/request.h"

namespace famlab::famfs::server {

// EROFS for a request a client must not serve; nullopt for one it may.
std::optional<int> client_refusal(const fuse::Request& request);

}  // namespace famlab::famfs::server
