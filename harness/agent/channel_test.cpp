#include "harness/agent/channel.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace famlab::agent;
using namespace famlab::protocol;

namespace {

std::string read_everything(int fd) {
  std::string s;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

Message output(const std::string& data) {
  Message m;
  m.event = Event::Output;
  m.id = 1;
  m.stream = "stdout";
  m.data = data;
  return m;
}

}  // namespace

TEST(Channel, QueuesWhatThePeerCannotTakeYetAndLosesNothing) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  int small = 4096;
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  Channel ch(sv[0]);
  std::string big(200000, 'x');
  for (int i = 0; i < 10; ++i) ch.send(output(big));
  EXPECT_GT(ch.pending_bytes(), 0u);  // the socket is full; nothing blocked

  std::string got;
  fcntl(sv[1], F_SETFL, O_NONBLOCK);
  for (int i = 0; i < 10000 && (ch.pending_bytes() > 0 || got.empty()); ++i) {
    got += read_everything(sv[1]);
    ch.flush();
  }
  got += read_everything(sv[1]);
  EXPECT_EQ(ch.pending_bytes(), 0u);
  LineBuffer lb;
  lb.feed(got.data(), got.size());
  int lines = 0;
  while (auto l = lb.next()) {
    EXPECT_EQ(decode_message(*l).data.size(), big.size());
    ++lines;
  }
  EXPECT_EQ(lines, 10);
  close(sv[1]);
}

// The back-off is measured on a clock the test holds still: however long the
// machine takes between two lines (a loaded CI box), the channel sees no
// time pass unless the test says so. (With the real clock this test failed
// whenever more than the 100 ms back-off passed between receive() and
// poll_events(); before MSG_NOSIGNAL the send() then also died of SIGPIPE.)
TEST(Channel, ReceivesLinesAndBacksOffWhenThePeerIsGone) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  Channel::Clock::time_point now{std::chrono::hours(1)};
  Channel ch(sv[0], [&] { return now; });
  std::string req = "{\"id\":1,\"op\":\"dmesg\"}\n{\"id\":2";
  ASSERT_EQ(write(sv[1], req.data(), req.size()), static_cast<ssize_t>(req.size()));
  ch.receive();
  EXPECT_EQ(ch.next_line(), "{\"id\":1,\"op\":\"dmesg\"}");
  EXPECT_FALSE(ch.next_line());  // the second line is not complete

  close(sv[1]);
  ch.receive();  // EOF: no host
  EXPECT_EQ(ch.poll_events(now), 0);
  EXPECT_EQ(ch.backoff_ms(now), 101);
  ch.send(output("kept"));  // queued while backing off: not written, not lost, not blocking
  EXPECT_GT(ch.pending_bytes(), 0u);
  EXPECT_EQ(ch.poll_events(now + std::chrono::milliseconds(99)), 0);
  EXPECT_EQ(ch.poll_events(now + std::chrono::milliseconds(100)), POLLIN | POLLOUT);

  // Once the back-off is over a send tries the peer, which is gone: EPIPE
  // (never SIGPIPE), kept, and another back-off from then.
  now += std::chrono::seconds(1);
  ch.send(output("kept too"));
  EXPECT_GT(ch.pending_bytes(), 0u);
  EXPECT_EQ(ch.poll_events(now), 0);
  EXPECT_EQ(ch.backoff_ms(now), 101);
}
