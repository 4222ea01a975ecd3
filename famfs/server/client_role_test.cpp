// A client's server: refuses every change with EROFS, serves the same maps
// as the master's, and sees what the master appended only on a logplay.
#include "famfs/server/client_role.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "famfs/format/filesystem.h"
#include "famfs/format/test_device.h"
#include "famfs/fuse/famfs_wire.h"
#include "famfs/fuse/request_builder.h"
#include "famfs/server/logplay_report.h"
#include "famfs/server/request_handler.h"

namespace famlab::famfs::server {
namespace {

using fuse::Bytes;
using fuse::record_bytes;
constexpr uint64_t M2 = format::kAllocUnit;

// One handler over its own open of the device, like a server on one host.
struct Host {
  Host(const format::TempDeviceFile& file, format::Role role, bool writable)
      : dev(file.open(writable)), fs(*dev), recorder("", 64), handler(fs, options, recorder, role) {
    options.device = file.path();
    options.daxdev_name = "/dev/dax0.0";
  }
  std::unique_ptr<format::Device> dev;
  format::Filesystem fs;
  ServerOptions options;
  StatusRecorder recorder;
  RequestHandler handler;
  uint64_t unique = 1;

  struct Reply {
    int error = 0;
    Bytes body;
  };
  Reply send(uint32_t opcode, uint64_t nodeid, std::initializer_list<std::span<const uint8_t>> parts = {}) {
    Bytes req = fuse::encode_request(opcode, ++unique, nodeid, parts);
    fuse::DecodeResult d = fuse::decode_request(req, handler.abi());
    EXPECT_TRUE(d.request) << d.error;
    auto out = handler.handle(*d.request);
    if (!out) return {};
    auto p = fuse::parse_reply(*out);
    return Reply{-p->header.error, Bytes(p->body.begin(), p->body.end())};
  }
  void init() {
    fuse::InitIn in{};
    in.major = 7;
    in.minor = 41;
    uint64_t flags = fuse::init_flag::kInitExt | (1ULL << 42);
    in.flags = static_cast<uint32_t>(flags);
    in.flags2 = static_cast<uint32_t>(flags >> 32);
    ASSERT_EQ(send(fuse::kInit, 0, {record_bytes(in)}).error, 0);
  }
  int lookup(uint64_t parent, const std::string& name) {
    return send(fuse::kLookup, parent, {fuse::name_arg(name)}).error;
  }
  Reply logplay(uint32_t size = kLogplayReportMax) {
    fuse::GetxattrIn in{size, 0};
    return send(fuse::kGetxattr, fuse::kRootNodeId, {record_bytes(in), fuse::name_arg(kLogplayXattr)});
  }
  Bytes fmap(uint64_t ino) { return send(53, ino, {record_bytes(fuse::GetFmapIn{4096, 0})}).body; }
};

struct TwoHosts {
  format::TempDeviceFile file{64ull << 20};
  uint64_t dir = 0, simple = 0, striped = 0;
  TwoHosts() {
    auto dev = file.open();
    format::mkfs(*dev, {});
    format::Filesystem fs(*dev);
    dir = fs.mkdir("dir", {}).ino;
    simple = fs.create_file("dir/simple", 3 * M2 + 7, {}, {}, [](uint64_t, std::span<uint8_t> d) {
                 std::memset(d.data(), 's', d.size());
               }).ino;
    striped = fs.create_file("striped", 5 * M2, {2, M2}, {}, [](uint64_t, std::span<uint8_t>) {}).ino;
  }
  // The master's tools appending while both servers run.
  uint64_t master_creates(const std::string& path) {
    auto dev = file.open();
    format::Filesystem fs(*dev);
    return fs
        .create_file(path, M2, {}, {},
                     [](uint64_t, std::span<uint8_t> d) { std::memset(d.data(), 'n', d.size()); })
        .ino;
  }
};

fuse::Request decoded(uint32_t opcode, std::initializer_list<std::span<const uint8_t>> parts) {
  static Bytes keep;
  keep = fuse::encode_request(opcode, 1, 2, parts);
  return *fuse::decode_request(keep, fuse::famfs_abi(fuse::AbiGeneration::RfcV2)).request;
}

TEST(ClientRole, RefusesEveryChange) {
  for (uint32_t op :
       {fuse::kWrite, fuse::kSetattr, fuse::kCreate, fuse::kMknod, fuse::kMkdir, fuse::kSymlink, fuse::kLink,
        fuse::kUnlink, fuse::kRmdir, fuse::kRename, fuse::kRename2, fuse::kTmpfile, fuse::kSetxattr,
        fuse::kRemovexattr, fuse::kFallocate, fuse::kCopyFileRange, fuse::kSetupmapping}) {
    Bytes payload(96, 0);  // enough for every fixed part, a zero-length WRITE included
    fuse::WriteIn w{};
    auto req = op == fuse::kWrite ? decoded(op, {record_bytes(w)}) : decoded(op, {payload});
    EXPECT_EQ(client_refusal(req), EROFS) << "opcode " << op;
  }
  fuse::OpenIn in{};
  in.flags = O_RDONLY;
  EXPECT_EQ(client_refusal(decoded(fuse::kOpen, {record_bytes(in)})), std::nullopt);
  for (uint32_t flags : {O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC}) {
    in.flags = flags;
    EXPECT_EQ(client_refusal(decoded(fuse::kOpen, {record_bytes(in)})), EROFS) << "flags " << flags;
  }
  fuse::ReadIn rd{};
  EXPECT_EQ(client_refusal(decoded(fuse::kRead, {record_bytes(rd)})), std::nullopt);
  EXPECT_EQ(client_refusal(decoded(fuse::kGetattr, {record_bytes(fuse::GetattrIn{})})), std::nullopt);
}

TEST(ClientRole, TheServerRefusesWithEROFSAndStillReads) {
  TwoHosts t;
  Host client(t.file, format::Role::Client, false);
  EXPECT_EQ(client.lookup(t.dir, "simple"), 0);
  fuse::WriteIn w{};
  w.size = 1;
  Bytes one{1};
  EXPECT_EQ(client.send(fuse::kWrite, t.simple, {record_bytes(w), one}).error, EROFS);
  fuse::SetattrIn sa{};
  sa.valid = 1u << 5;  // even only the mtime, which a master accepts and ignores
  EXPECT_EQ(client.send(fuse::kSetattr, t.simple, {record_bytes(sa)}).error, EROFS);
  EXPECT_EQ(client.send(fuse::kMkdir, 1, {fuse::name_arg("x")}).error, EROFS);
  EXPECT_EQ(client.send(fuse::kUnlink, t.dir, {fuse::name_arg("simple")}).error, EROFS);
  fuse::OpenIn rw{O_RDWR, 0};
  EXPECT_EQ(client.send(fuse::kOpen, t.simple, {record_bytes(rw)}).error, EROFS);
  fuse::OpenIn ro{O_RDONLY, 0};
  EXPECT_EQ(client.send(fuse::kOpen, t.simple, {record_bytes(ro)}).error, 0);
  fuse::ReadIn rd{};
  rd.size = 4;
  EXPECT_EQ(client.send(fuse::kRead, t.simple, {record_bytes(rd)}).body, (Bytes{'s', 's', 's', 's'}));
  EXPECT_EQ(client.handler.role(), format::Role::Client);
}

TEST(ClientRole, MapsAreTheMastersExactly) {
  TwoHosts t;
  Host master(t.file, format::Role::Master, true);
  Host client(t.file, format::Role::Client, false);
  master.init();
  client.init();
  for (uint64_t ino : {t.simple, t.striped}) {
    Bytes m = master.fmap(ino), c = client.fmap(ino);
    ASSERT_FALSE(m.empty());
    EXPECT_EQ(c, m) << "inode " << ino;
  }
  auto d = client.send(54, 0);
  ASSERT_EQ(d.error, 0);
  EXPECT_STREQ(fuse::body_record<fuse::DaxdevOut>(d.body)->name, "/dev/dax0.0");
  // A file the master adds later has the same map on both, once replayed.
  uint64_t late = t.master_creates("late");
  ASSERT_EQ(client.logplay().error, 0);
  ASSERT_EQ(master.lookup(fuse::kRootNodeId, "late"), 0);
  EXPECT_EQ(client.fmap(late), master.fmap(late));
}

TEST(ClientRole, NewFilesAppearOnlyOnLogplay) {
  TwoHosts t;
  Host master(t.file, format::Role::Master, true);
  Host client(t.file, format::Role::Client, false);
  t.master_creates("late");
  EXPECT_EQ(master.lookup(fuse::kRootNodeId, "late"), 0);  // the master replays news itself
  EXPECT_EQ(client.lookup(fuse::kRootNodeId, "late"), ENOENT);
  EXPECT_EQ(client.recorder.status().log_entries, 3u);

  auto r = client.logplay();
  ASSERT_EQ(r.error, 0);
  LogplayReport rep = decode_logplay_report(std::string(r.body.begin(), r.body.end()));
  EXPECT_EQ(rep.role, "client");
  EXPECT_EQ(rep.logplay, 1u);
  EXPECT_EQ(rep.new_entries, 1u);
  EXPECT_EQ(rep.entries, 4u);
  EXPECT_EQ(rep.log_tail, "clean");
  EXPECT_EQ(client.lookup(fuse::kRootNodeId, "late"), 0);
  auto& s = client.recorder.status();
  EXPECT_EQ(s.logplays, 1u);
  EXPECT_EQ(s.log_entries, 4u);
  EXPECT_EQ(s.log_tail, "clean");

  client.logplay();
  Bytes third = client.logplay().body;
  auto again = decode_logplay_report(std::string(third.begin(), third.end()));
  EXPECT_EQ(again.logplay, 3u);
  EXPECT_EQ(again.new_entries, 0u);
}

TEST(ClientRole, LogplayAttributeProtocol) {
  TwoHosts t;
  Host client(t.file, format::Role::Client, false);
  auto probe = client.logplay(0);  // getxattr(2) with size 0 asks how big
  ASSERT_EQ(probe.error, 0);
  EXPECT_EQ(fuse::body_record<fuse::GetxattrOut>(probe.body)->size, kLogplayReportMax);
  EXPECT_EQ(client.recorder.status().logplays, 0u);  // a probe is not a logplay
  EXPECT_EQ(client.logplay(10).error, ERANGE);
  fuse::GetxattrIn in{4096, 0};
  EXPECT_EQ(client.send(fuse::kGetxattr, t.dir, {record_bytes(in), fuse::name_arg(kLogplayXattr)}).error,
            ENODATA);
  EXPECT_EQ(client.send(fuse::kGetxattr, 1, {record_bytes(in), fuse::name_arg("user.other")}).error, ENODATA);
}

TEST(ClientRole, LogplayReportsATornTailAndAFilesystemMadeAgain) {
  TwoHosts t;
  Host client(t.file, format::Role::Client, false);
  {
    // Half an entry after the last one, no commit word: a master killed mid-append.
    auto dev = t.file.open();
    format::Filesystem fs(*dev);
    dev->bytes()[fs.superblock().log_offset + fs.state().log_used + 8] = 7;
  }
  auto r = client.logplay();
  ASSERT_EQ(r.error, 0);
  LogplayReport rep = decode_logplay_report(std::string(r.body.begin(), r.body.end()));
  EXPECT_EQ(rep.log_tail, "torn");
  EXPECT_EQ(rep.tail.rfind("torn tail at log offset", 0), 0u) << rep.tail;
  EXPECT_EQ(rep.entries, 3u);
  EXPECT_EQ(client.recorder.status().log_tail, "torn");

  {
    auto dev = t.file.open();
    format::mkfs(*dev, {format::kDefaultLogSize, true});
  }
  EXPECT_EQ(client.logplay().error, ESTALE);
  EXPECT_NE(client.recorder.status().last_error.find("the famfs was made again"), std::string::npos);
  EXPECT_EQ(client.lookup(t.dir, "simple"), 0);  // still serves what it had
}

}  // namespace
}  // namespace famlab::famfs::server
