#pragma once
// Space in the data area, in 2 MiB units, with the owner (inode number) of
// every unit so an overlap can name both files. Files never move and are
// never deleted, so allocation is first-fit over whatever is still free.
#include <cstdint>
#include <optional>
#include <vector>

#include "famfs/format/file_map.h"

namespace famlab::famfs::format {

class Allocator {
 public:
  // The data area is [data_offset, device_size); both multiples of 2 MiB.
  Allocator(uint64_t data_offset, uint64_t device_size);

  struct Conflict {
    enum class Kind { OutsideData, Overlap };
    Kind kind;
    uint64_t other_owner = 0;  // Overlap: the inode already there
  };
  // Records `owner` on every unit of the extent. Units already owned or
  // outside the data area are reported (first one only) and left as they
  // were; the rest are still claimed, so later overlaps are found too.
  std::optional<Conflict> claim(const Extent& extent, uint64_t owner);

  // A contiguous run for `size` bytes (rounded up to 2 MiB), claimed for
  // `owner`. Throws famlab::Error naming the size, the largest free run and
  // the free total when there is none.
  FileMap allocate_simple(uint64_t size, uint64_t owner);

  // N strips of equal length, each a separate contiguous run, enough whole
  // chunks in each for `size` bytes. Validates strips/chunk and throws on
  // bad parameters or exhaustion; nothing stays claimed after a throw.
  FileMap allocate_interleaved(uint64_t size, uint32_t strips, uint64_t chunk_size, uint64_t owner);

  uint64_t free_bytes() const;
  uint64_t data_bytes() const;
  uint64_t largest_free_run() const;

 private:
  std::optional<uint64_t> find_run(uint64_t units) const;
  void set_owner(uint64_t first_unit, uint64_t units, uint64_t owner);

  uint64_t data_offset_;
  std::vector<uint64_t> owner_;  // 0 = free
};

}  // namespace famlab::famfs::format
