#include "famfs/server/fd_passing.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/error.h"

namespace famlab::famfs::server {
namespace {

TEST(FdPassing, ADescriptorCrossesTheSocket) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  send_fd(sv[1], p[1]);
  int got = receive_fd(sv[0]);
  EXPECT_NE(got, p[1]);
  ASSERT_EQ(write(got, "x", 1), 1);  // the received descriptor is the pipe's write end
  char c = 0;
  ASSERT_EQ(read(p[0], &c, 1), 1);
  EXPECT_EQ(c, 'x');
  EXPECT_TRUE(fcntl(got, F_GETFD) & FD_CLOEXEC);
  for (int fd : {sv[0], sv[1], p[0], p[1], got}) close(fd);
}

TEST(FdPassing, PeerClosingWithoutADescriptorIsAnError) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  close(sv[1]);
  EXPECT_THROW(receive_fd(sv[0]), Error);
  close(sv[0]);

  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_EQ(write(sv[1], "y", 1), 1);  // a message, but no descriptor
  EXPECT_THROW(receive_fd(sv[0]), Error);
  close(sv[0]);
  close(sv[1]);
}

}  // namespace
}  // namespace famlab::famfs::server
