#pragma once
// One famfs file checked through the mount: the tagged pattern written with
// write(2) (unless `famfs cp` put it there before the mount), read back
// whole with read(2), then with pread(2) at offsets that straddle every
// 2 MiB boundary (every chunk, strip and row boundary is one) and the end
// of the file, then through a MAP_SHARED mapping, word by word; and
// statx's DAX attribute. Written through one open and read back through a
// second, so that without famfs the bytes come back from the device (FUSE
// drops the page cache at open) rather than from the written pages. A
// famfs kernel sends GET_FMAP on the first open, and a malformed map makes
// exactly that open fail (reported as open_errno, not as a crash).
#include <cstdint>
#include <functional>
#include <string>

#include "protocol/famfs_file.h"
#include "protocol/results.h"

namespace famlab::agent {

// Every check's outcome; a failed open is a result (open_errno), not a throw.
protocol::FamfsFileResult check_famfs_file(const std::string& path, const protocol::FamfsFile& file,
                                           uint64_t seed, const std::function<void()>& idle);

// The pattern's bytes [offset, offset + length) of a file written with `seed`.
std::string pattern_bytes(uint64_t seed, uint64_t offset, uint64_t length);

}  // namespace famlab::agent
