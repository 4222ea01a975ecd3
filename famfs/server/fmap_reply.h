#pragma once
// The GET_FMAP answer for a file: its map in the famfs wire form, or a
// deliberately malformed one when the server is told to misbehave.
#include <cstdint>
#include <vector>

#include "famfs/format/tree.h"
#include "famfs/fuse/abi.h"
#include "famfs/fuse/fmap_message.h"
#include "famfs/server/server_options.h"

namespace famlab::famfs::server {

// The correct message: one simple extent per map extent, or one
// interleaved extent carrying every strip.
// Every range names device `devindex` (0 unless the file lives elsewhere).
fuse::FmapMessage fmap_for(const format::Node& file, uint32_t devindex = 0);

// `good` changed so that it breaks exactly the rule `fault` names (see
// FmapFault). Faults about strips or chunks turn a simple map into a
// one-extent interleaved map first, so they apply to any file.
// `unserved_device` is a device index below the kernel's table size that
// the connection does not serve (FmapFault::DevindexUnknown).
fuse::FmapMessage malformed_fmap(const fuse::FmapMessage& good, FmapFault fault, const fuse::FamfsAbi& abi,
                                 uint64_t device_size, uint32_t unserved_device = 1);

// The bytes to send: the encoded (maybe malformed) message, cut short for
// FmapFault::ShortReply.
std::vector<uint8_t> fmap_reply_bytes(const format::Node& file, uint32_t devindex, FmapFault fault,
                                      const fuse::FamfsAbi& abi, uint64_t device_size,
                                      uint32_t unserved_device = 1);

}  // namespace famlab::famfs::server
