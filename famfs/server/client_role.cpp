#include "famfs/server/client_role.h"

#include <fcntl.h>

#include <cerrno>

namespace famlab::famfs::server {

std::optional<int> client_refusal(const fuse::Request& request) {
  switch (request.header.opcode) {
    case fuse::kWrite:
    case fuse::kSetattr:  // size, mode, owner and times alike: all are metadata the log owns
    case fuse::kCreate:
    case fuse::kMknod:
    case fuse::kMkdir:
    case fuse::kSymlink:
    case fuse::kLink:
    case fuse::kUnlink:
    case fuse::kRmdir:
    case fuse::kRename:
    case fuse::kRename2:
    case fuse::kTmpfile:
    case fuse::kSetxattr:
    case fuse::kRemovexattr:
    case fuse::kFallocate:
    case fuse::kCopyFileRange:
    case fuse::kSetupmapping:
      return EROFS;
    case fuse::kOpen: {
      const auto* in = std::get_if<fuse::OpenIn>(&request.args);
      if (in && ((in->flags & O_ACCMODE) != O_RDONLY || (in->flags & O_TRUNC))) return EROFS;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace famlab::famfs::server
