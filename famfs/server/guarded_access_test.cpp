#include "famfs/server/guarded_access.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace famlab::famfs::server {
namespace {

// A shared mapping two pages long of a one-page file: the second page is a
// real SIGBUS, like a poisoned device page.
TEST(GuardedAccess, ACopyThatHitsSigbusReturnsFalseAndTheProcessGoesOn) {
  FILE* f = tmpfile();
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(ftruncate(fileno(f), 4096), 0);
  void* p = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fileno(f), 0);
  ASSERT_NE(p, MAP_FAILED);
  auto* bytes = static_cast<volatile uint8_t*>(p);
  char out[8192];
  EXPECT_TRUE(guarded_device_access([&] { std::memcpy(out, p, 4096); }));
  EXPECT_FALSE(guarded_device_access([&] { std::memcpy(out, p, 8192); }));
  EXPECT_FALSE(guarded_device_access([&] { bytes[4096] = 1; }));
  EXPECT_TRUE(guarded_device_access([&] { bytes[0] = 7; }));  // still usable afterwards
  EXPECT_EQ(bytes[0], 7);
  munmap(p, 8192);
  fclose(f);
}

}  // namespace
}  // namespace famlab::famfs::server
