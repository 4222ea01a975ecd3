#include "famfs/format/cache_lines.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace famlab::famfs::format {
namespace {

// A page followed by an inaccessible one: flushing must touch exactly the
// lines of the range (CLFLUSH of an unmapped line faults), keep the bytes,
// and cope with ranges that start and end inside a line.
TEST(CacheLines, FlushesExactlyTheRangeAndKeepsTheBytes) {
  long page = sysconf(_SC_PAGESIZE);
  void* p = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  ASSERT_EQ(mprotect(static_cast<char*>(p) + page, page, PROT_NONE), 0);
  auto* b = static_cast<uint8_t*>(p);
  for (long i = 0; i < page; ++i) b[i] = static_cast<uint8_t>(i * 13);

  write_back(b, page);                // ends exactly at the guard page
  write_back(b + page - 1, 1);        // the last byte
  drop_cached(b + 3, page - 3);       // starts inside a line
  drop_cached(b + 100, 0);            // nothing
  write_back(b + kCacheLine - 1, 2);  // straddles two lines
  for (long i = 0; i < page; ++i) ASSERT_EQ(b[i], static_cast<uint8_t>(i * 13)) << "byte " << i;
  munmap(p, 2 * page);
}

}  // namespace
}  // namespace famlab::famfs::format
