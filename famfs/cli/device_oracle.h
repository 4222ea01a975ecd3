#pragma once
// The fuzz driver's view of the device itself, to check what a kernel that
// accepted a map reads: every 4 KiB page of the filesystem's data area
// starts with a tag made from its device offset (so bytes read from the wrong place
// show), and a file is read across each seam of its map (extent and chunk
// ends) and compared with the device bytes the map names there
// (fmap_layout.h). The superblock and log stay as they are: the server
// still reads the log.
#include <memory>
#include <string>

#include "famfs/format/device.h"
#include "famfs/fuse/fmap_message.h"

namespace famlab::famfs::cli {

// What the page at `offset` starts with: every byte depends on the offset.
uint64_t page_tag(uint64_t offset);

class DeviceOracle {
 public:
  // Maps the device (or file) read-write; throws famlab::Error naming it
  // when it cannot, or when it holds no famfs.
  explicit DeviceOracle(const std::string& device);

  // Writes the tags; returns how many pages got one.
  uint64_t tag();

  // Reads 32 bytes of the open file `fd` around each seam of `map` below
  // `size` (at most `max_seams`), and its first and last 16 bytes, and
  // compares them with the device. "" when all match; otherwise the first
  // difference, in words, starting with where it is ("across an extent
  // end: ...", "across a chunk end", "at the file's start", "at the
  // file's end"). Ranges on other devices are not checked.
  std::string check(int fd, const fuse::FmapMessage& map, uint64_t size, size_t max_seams = 8) const;

  uint64_t data_offset() const { return data_offset_; }

 private:
  std::unique_ptr<format::Device> dev_;
  uint64_t data_offset_ = 0;
};

}  // namespace famlab::famfs::cli
