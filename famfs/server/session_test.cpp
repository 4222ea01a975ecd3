#include "famfs/server/session.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <thread>

#include "famfs/format/test_device.h"
#include "famfs/fuse/request_builder.h"

namespace famlab::famfs::server {
namespace {

// The session writes replies to a pipe here instead of /dev/fuse.
struct Fixture {
  format::TempDeviceFile file{32ull << 20};
  std::unique_ptr<format::Device> dev = file.open();
  format::Superblock sb = format::mkfs(*dev, {});
  format::Filesystem fs{*dev};
  ServerOptions options;
  StatusRecorder recorder{"", 1000};
  RequestHandler handler{fs, options, recorder};
  std::ostringstream log;
  int p[2] = {-1, -1};
  std::unique_ptr<Session> session;

  Fixture() {
    EXPECT_EQ(pipe2(p, O_NONBLOCK), 0);
    session = std::make_unique<Session>(p[1], handler, recorder, options, log);
  }
  ~Fixture() {
    close(p[0]);
    close(p[1]);
  }
  std::optional<fuse::ParsedReply> reply(fuse::Bytes& storage) {
    storage.assign(4096, 0);
    ssize_t n = read(p[0], storage.data(), storage.size());
    if (n <= 0) return std::nullopt;
    storage.resize(static_cast<size_t>(n));
    return fuse::parse_reply(storage);
  }
};

TEST(Session, MalformedRequestIsCountedAndAnsweredEinval) {
  Fixture f;
  fuse::Bytes bad{'a', 'b', 'c'};  // LOOKUP name without a NUL
  ASSERT_TRUE(f.session->serve_one(fuse::encode_request(fuse::kLookup, 77, 1, {bad})));
  fuse::Bytes storage;
  auto r = f.reply(storage);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.unique, 77u);
  EXPECT_EQ(r->header.error, -EINVAL);
  auto& s = f.recorder.status();
  EXPECT_EQ(s.malformed_requests, 1u);
  EXPECT_EQ(s.opcodes.at("LOOKUP"), 1u);
  EXPECT_NE(s.last_error.find("malformed LOOKUP request: LOOKUP: name is not NUL-terminated"),
            std::string::npos)
      << s.last_error;
}

TEST(Session, GarbageWithoutAHeaderGetsNoReply) {
  Fixture f;
  fuse::Bytes junk(10, 0xff);
  ASSERT_TRUE(f.session->serve_one(junk));
  fuse::Bytes storage;
  EXPECT_FALSE(f.reply(storage));
  EXPECT_EQ(f.recorder.status().opcodes.at("MALFORMED"), 1u);
}

TEST(Session, InitIsAnswered) {
  Fixture f;
  fuse::InitIn in{};
  in.major = 7;
  in.minor = 41;
  ASSERT_TRUE(f.session->serve_one(fuse::encode_request(fuse::kInit, 1, 0, {fuse::record_bytes(in)})));
  fuse::Bytes storage;
  auto r = f.reply(storage);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.error, 0);
  EXPECT_EQ(r->body.size(), sizeof(fuse::InitOut));
  EXPECT_EQ(f.recorder.status().state, "initialized");
}

TEST(Session, RunEndsOnDestroyAndOnStop) {
  Fixture f;
  // A pipe stands in for /dev/fuse: requests go in one end.
  int in[2];
  ASSERT_EQ(pipe(in), 0);
  Session s(in[0], f.handler, f.recorder, f.options, f.log);
  fuse::Bytes destroy = fuse::encode_request(fuse::kDestroy, 9, 0);
  ASSERT_EQ(write(in[1], destroy.data(), destroy.size()), static_cast<ssize_t>(destroy.size()));
  volatile int stop = 0;
  // The DESTROY reply goes to in[0] (a read end): the write fails and is
  // logged; what matters is that the loop ends.
  EXPECT_EQ(s.run({}, stop), "DESTROY received");
  volatile int stopped = 1;
  EXPECT_EQ(s.run({}, stopped), "stopped by a signal");
  close(in[0]);
  close(in[1]);
}

// --notify-store: the store goes out before the OPEN's reply, and how the
// kernel answered it (here: a pipe takes it; a writer refuses it EINVAL,
// as a famfs kernel does over a map) is counted in the status.
TEST(Session, NotifyStoreGoesOutBeforeTheReplyAndTheKernelsAnswerIsCounted) {
  Fixture f;
  f.options.notify_store = NotifyStore::LaterOpens;
  uint64_t ino = f.fs.create_file("a", 2u << 20, {}, {}, [](uint64_t, std::span<uint8_t>) {}).ino;
  fuse::OpenIn in{};
  auto open = [&](uint64_t unique) {
    return f.session->serve_one(fuse::encode_request(fuse::kOpen, unique, ino, {fuse::record_bytes(in)}));
  };
  ASSERT_TRUE(open(10));
  fuse::Bytes storage;
  auto r = f.reply(storage);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.unique, 10u);  // the first open: the reply alone
  ASSERT_TRUE(open(11));
  storage.assign(8192, 0);
  ssize_t n = read(f.p[0], storage.data(), storage.size());
  ASSERT_EQ(n, static_cast<ssize_t>(16 + 24 + 4096 + 16 + sizeof(fuse::OpenOut)));
  storage.resize(16 + 24 + 4096);  // the store alone; the OPEN's reply follows it
  auto notify = fuse::parse_reply(storage);
  ASSERT_TRUE(notify);
  EXPECT_EQ(notify->header.unique, 0u);
  EXPECT_EQ(notify->header.error, 4);
  EXPECT_EQ(f.recorder.status().notify_store.at("accepted"), 1u);

  f.session->use_writer([](int fd, std::span<const uint8_t> bytes) -> ssize_t {
    if (bytes.size() > 4096) return -EINVAL;  // the store: refused
    return ::write(fd, bytes.data(), bytes.size());
  });
  ASSERT_TRUE(open(12));
  EXPECT_EQ(f.recorder.status().notify_store.at("EINVAL"), 1u);
  EXPECT_EQ(f.recorder.status().notify_store.at("accepted"), 1u);
}

// --defer holds one reply while the session goes on answering the next
// request: the later request's reply comes out first.
TEST(Session, DeferredReplyComesLaterWithoutHoldingOthers) {
  Fixture f;
  f.options.deferred = {{fuse::kGetattr, 300}};
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
  Session s(sv[0], f.handler, f.recorder, f.options, f.log);
  volatile int stop = 0;
  std::thread loop([&] { s.run({}, stop); });
  fuse::GetattrIn ga{};
  fuse::Bytes getattr = fuse::encode_request(fuse::kGetattr, 21, fuse::kRootNodeId, {fuse::record_bytes(ga)});
  fuse::Bytes statfs = fuse::encode_request(fuse::kStatfs, 22, fuse::kRootNodeId);
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(write(sv[1], getattr.data(), getattr.size()), static_cast<ssize_t>(getattr.size()));
  ASSERT_EQ(write(sv[1], statfs.data(), statfs.size()), static_cast<ssize_t>(statfs.size()));
  std::vector<uint64_t> order;
  for (int i = 0; i < 2; ++i) {
    fuse::Bytes buf(4096);
    ssize_t n = read(sv[1], buf.data(), buf.size());
    ASSERT_GT(n, 0);
    buf.resize(static_cast<size_t>(n));
    order.push_back(fuse::parse_reply(buf)->header.unique);
  }
  auto took = std::chrono::steady_clock::now() - start;
  stop = 1;
  loop.join();
  EXPECT_EQ(order, (std::vector<uint64_t>{22, 21}));
  EXPECT_GE(took, std::chrono::milliseconds(300));
  close(sv[0]);
  close(sv[1]);
}

}  // namespace
}  // namespace famlab::famfs::server
