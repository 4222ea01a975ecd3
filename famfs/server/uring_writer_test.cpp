#include "famfs/server/uring_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/error.h"

namespace famlab::famfs::server {
namespace {

// A pipe stands in for /dev/fuse: what goes through the ring arrives.
TEST(UringWriter, WritesThroughTheRing) {
  std::unique_ptr<UringWriter> w;
  try {
    w = std::make_unique<UringWriter>();
  } catch (const Error& e) {
    GTEST_SKIP() << "no io_uring here: " << e.what();
  }
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  std::string text = "reply bytes";
  EXPECT_EQ(w->write(p[1], {reinterpret_cast<const uint8_t*>(text.data()), text.size()}),
            static_cast<ssize_t>(text.size()));
  char buf[32] = {};
  ASSERT_EQ(read(p[0], buf, sizeof(buf)), static_cast<ssize_t>(text.size()));
  EXPECT_EQ(std::string(buf), text);
  EXPECT_EQ(w->write(-1, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}), -EBADF);
  close(p[0]);
  close(p[1]);
}

}  // namespace
}  // namespace famlab::famfs::server
