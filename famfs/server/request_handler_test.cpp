#include "famfs/server/request_handler.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "famfs/format/filesystem.h"
#include "famfs/format/test_device.h"
#include "famfs/fuse/famfs_wire.h"
#include "famfs/fuse/fmap_message.h"
#include "famfs/fuse/fmap_rules.h"
#include "famfs/fuse/request_builder.h"

namespace famlab::famfs::server {
namespace {

using fuse::Bytes;
using fuse::encode_request;
using fuse::record_bytes;
constexpr uint64_t M2 = format::kAllocUnit;

struct Fixture {
  format::TempDeviceFile file{64ull << 20};
  std::unique_ptr<format::Device> dev = file.open();
  format::Superblock sb = format::mkfs(*dev, {});
  std::unique_ptr<format::Filesystem> fs;
  ServerOptions options;
  StatusRecorder recorder{"", 64};
  std::unique_ptr<RequestHandler> handler;
  uint64_t unique = 100;
  uint64_t dir_ino = 0, simple_ino = 0, striped_ino = 0;

  explicit Fixture(fuse::AbiGeneration abi = fuse::AbiGeneration::RfcV2) {
    fs = std::make_unique<format::Filesystem>(*dev);
    dir_ino = fs->mkdir("dir", {0750, 1000, 100}).ino;
    simple_ino = fs->create_file("dir/simple", 3 * M2 + 7, {}, {0640, 1000, 100},
                                 [](uint64_t pos, std::span<uint8_t> d) {
                                   for (size_t i = 0; i < d.size(); ++i)
                                     d[i] = static_cast<uint8_t>((pos + i) % 251);
                                 })
                     .ino;
    striped_ino = fs->create_file("striped", 5 * M2, {2, M2}, {}, [](uint64_t pos, std::span<uint8_t> d) {
                      for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>((pos + i) / M2);
                    }).ino;
    options.device = file.path();
    options.abi = abi;
    handler = std::make_unique<RequestHandler>(*fs, options, recorder);
  }

  // Sends one request; returns the parsed reply (header, body copy).
  struct Reply {
    int error = 0;
    Bytes body;
    bool none = false;
  };
  Reply send(uint32_t opcode, uint64_t nodeid, std::initializer_list<std::span<const uint8_t>> parts = {}) {
    Bytes req = encode_request(opcode, ++unique, nodeid, parts);
    fuse::DecodeResult d = fuse::decode_request(req, handler->abi());
    EXPECT_TRUE(d.request) << d.error;
    auto out = handler->handle(*d.request);
    if (!out) return Reply{0, {}, true};
    auto p = fuse::parse_reply(*out);
    EXPECT_TRUE(p);
    EXPECT_EQ(p->header.unique, unique);
    return Reply{-p->header.error, Bytes(p->body.begin(), p->body.end()), false};
  }
  Reply init(uint64_t extra_flags) {
    fuse::InitIn in{};
    in.major = 7;
    in.minor = 41;
    uint64_t flags = fuse::init_flag::kInitExt | fuse::init_flag::kAsyncRead | extra_flags;
    in.flags = static_cast<uint32_t>(flags);
    in.flags2 = static_cast<uint32_t>(flags >> 32);
    return send(fuse::kInit, 0, {record_bytes(in)});
  }
  Reply lookup(uint64_t parent, const std::string& name) {
    return send(fuse::kLookup, parent, {fuse::name_arg(name)});
  }
  Reply read(uint64_t ino, uint64_t offset, uint32_t size) {
    fuse::ReadIn in{};
    in.offset = offset;
    in.size = size;
    return send(fuse::kRead, ino, {record_bytes(in)});
  }
};

template <class T>
T as(const Bytes& body) {
  auto r = fuse::body_record<T>(body);
  EXPECT_TRUE(r);
  return r.value_or(T{});
}

TEST(RequestHandler, InitRecordsWhatWasOfferedAndReplied) {
  Fixture f;
  auto r = f.init(1ULL << 42);
  ASSERT_EQ(r.error, 0);
  auto out = as<fuse::InitOut>(r.body);
  EXPECT_EQ(out.flags2, 1u << 10);
  EXPECT_TRUE(f.handler->famfs_active());
  auto& s = f.recorder.status();
  EXPECT_TRUE(s.init_seen);
  EXPECT_TRUE(s.dax_fmap_offered);
  EXPECT_TRUE(s.dax_fmap_accepted);
  EXPECT_EQ(s.state, "initialized");
  EXPECT_EQ(s.flags_offered, fuse::init_flag::kInitExt | fuse::init_flag::kAsyncRead | (1ULL << 42));
}

TEST(RequestHandler, DeclinedInitLeavesFamfsOff) {
  Fixture f;
  f.options.dax_fmap = fuse::DaxFmapPolicy::Decline;
  f.init(1ULL << 42);
  EXPECT_FALSE(f.handler->famfs_active());
  EXPECT_EQ(f.recorder.status().dax_fmap_decision, "declined");
  EXPECT_EQ(f.send(53, f.simple_ino).error, ENOSYS);  // GET_FMAP is not served in fallback
  EXPECT_EQ(f.send(54, 0).error, ENOSYS);
}

TEST(RequestHandler, LookupAndGetattr) {
  Fixture f;
  auto r = f.lookup(fuse::kRootNodeId, "dir");
  ASSERT_EQ(r.error, 0);
  auto e = as<fuse::EntryOut>(r.body);
  EXPECT_EQ(e.nodeid, f.dir_ino);
  EXPECT_EQ(e.attr.mode, S_IFDIR | 0750u);
  EXPECT_EQ(e.attr.uid, 1000u);
  auto file = as<fuse::EntryOut>(f.lookup(f.dir_ino, "simple").body);
  EXPECT_EQ(file.nodeid, f.simple_ino);
  EXPECT_EQ(file.attr.size, 3 * M2 + 7);
  EXPECT_EQ(file.attr.mode, S_IFREG | 0640u);
  EXPECT_EQ(file.attr.blksize, 4096u);
  EXPECT_EQ(file.attr.blocks, 4 * M2 / 512);
  EXPECT_EQ(f.lookup(f.dir_ino, "nope").error, ENOENT);
  EXPECT_EQ(f.lookup(f.simple_ino, "x").error, ENOTDIR);
  EXPECT_EQ(f.lookup(999, "x").error, ENOENT);

  fuse::GetattrIn in{};
  auto a = as<fuse::AttrOut>(f.send(fuse::kGetattr, fuse::kRootNodeId, {record_bytes(in)}).body);
  EXPECT_EQ(a.attr.nlink, 3u);  // ".", its entry, and dir's ".."
  EXPECT_EQ(f.send(fuse::kGetattr, 12345, {record_bytes(in)}).error, ENOENT);
}

TEST(RequestHandler, LookupSeesFilesMadeWhileMounted) {
  Fixture f;
  auto other = f.file.open();
  format::Filesystem writer(*other);
  writer.create_file("late", 10, {}, {}, [](uint64_t, std::span<uint8_t>) {});
  EXPECT_EQ(f.lookup(fuse::kRootNodeId, "late").error, 0);
}

TEST(RequestHandler, ReaddirListsWithResumableOffsets) {
  Fixture f;
  fuse::ReadIn in{};
  in.size = 4096;
  auto r = f.send(fuse::kReaddir, fuse::kRootNodeId, {record_bytes(in)});
  ASSERT_EQ(r.error, 0);
  std::vector<std::string> names;
  std::vector<uint64_t> offsets;
  for (size_t pos = 0; pos < r.body.size();) {
    fuse::DirentHeader d;
    std::memcpy(&d, r.body.data() + pos, sizeof(d));
    names.emplace_back(reinterpret_cast<const char*>(r.body.data()) + pos + sizeof(d), d.namelen);
    offsets.push_back(d.off);
    pos += (sizeof(d) + d.namelen + 7) & ~size_t{7};
  }
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "dir", "striped"}));
  EXPECT_EQ(offsets, (std::vector<uint64_t>{1, 2, 3, 4}));
  in.offset = 3;  // resume after "dir"
  auto rest = f.send(fuse::kReaddir, fuse::kRootNodeId, {record_bytes(in)});
  fuse::DirentHeader d;
  std::memcpy(&d, rest.body.data(), sizeof(d));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(rest.body.data()) + sizeof(d), d.namelen), "striped");
  in.offset = 4;
  EXPECT_TRUE(f.send(fuse::kReaddir, fuse::kRootNodeId, {record_bytes(in)}).body.empty());
  EXPECT_EQ(f.send(fuse::kReaddir, f.simple_ino, {record_bytes(in)}).error, ENOTDIR);
}

TEST(RequestHandler, ReadFollowsTheMapAndStopsAtEof) {
  Fixture f;
  auto r = f.read(f.simple_ino, 3 * M2, 4096);
  ASSERT_EQ(r.error, 0);
  ASSERT_EQ(r.body.size(), 7u);
  EXPECT_EQ(r.body[0], static_cast<uint8_t>((3 * M2) % 251));
  EXPECT_TRUE(f.read(f.simple_ino, 3 * M2 + 7, 4096).body.empty());
  // Across the chunk boundary of the interleaved file: chunk 0 then chunk 1.
  auto s = f.read(f.striped_ino, M2 - 2, 4);
  EXPECT_EQ(s.body, (Bytes{0, 0, 1, 1}));
  EXPECT_EQ(f.read(f.dir_ino, 0, 10).error, EISDIR);
}

TEST(RequestHandler, WriteNeverGrowsTheFile) {
  Fixture f;
  Bytes data{9, 9, 9, 9};
  fuse::WriteIn in{};
  in.offset = 3 * M2 + 5;
  in.size = 4;
  auto w = f.send(fuse::kWrite, f.simple_ino, {record_bytes(in), data});
  ASSERT_EQ(w.error, 0);
  EXPECT_EQ(as<fuse::WriteOut>(w.body).size, 2u);  // clamped at the fixed size
  EXPECT_EQ(f.read(f.simple_ino, 3 * M2 + 5, 10).body, (Bytes{9, 9}));
  in.offset = 3 * M2 + 7;
  EXPECT_EQ(f.send(fuse::kWrite, f.simple_ino, {record_bytes(in), data}).error, EFBIG);
}

TEST(RequestHandler, SetattrKeepsSizeAndOwnership) {
  Fixture f;
  fuse::SetattrIn in{};
  in.valid = fuse::kSetattrSize;
  in.size = 0;
  EXPECT_EQ(f.send(fuse::kSetattr, f.simple_ino, {record_bytes(in)}).error, EPERM);
  in.size = 3 * M2 + 7;  // same size: fine
  EXPECT_EQ(f.send(fuse::kSetattr, f.simple_ino, {record_bytes(in)}).error, 0);
  in.valid = 1;  // FATTR_MODE
  EXPECT_EQ(f.send(fuse::kSetattr, f.simple_ino, {record_bytes(in)}).error, EPERM);
  in.valid = 1u << 5;  // FATTR_MTIME: accepted, ignored
  EXPECT_EQ(f.send(fuse::kSetattr, f.simple_ino, {record_bytes(in)}).error, 0);
}

TEST(RequestHandler, OpenChecksTheKind) {
  Fixture f;
  fuse::OpenIn in{};
  auto o = f.send(fuse::kOpen, f.simple_ino, {record_bytes(in)});
  ASSERT_EQ(o.error, 0);
  EXPECT_EQ(as<fuse::OpenOut>(o.body).fh, f.simple_ino);
  EXPECT_EQ(f.send(fuse::kOpen, f.dir_ino, {record_bytes(in)}).error, EISDIR);
  EXPECT_EQ(f.send(fuse::kOpendir, f.simple_ino, {record_bytes(in)}).error, ENOTDIR);
  EXPECT_EQ(f.send(fuse::kOpendir, f.dir_ino, {record_bytes(in)}).error, 0);
}

TEST(RequestHandler, StatfsCountsSpace) {
  Fixture f;
  auto st = as<fuse::Kstatfs>(f.send(fuse::kStatfs, 1).body);
  EXPECT_EQ(st.bsize, 4096u);
  EXPECT_EQ(st.blocks, f.fs->state().allocator.data_bytes() / 4096);
  EXPECT_EQ(st.bfree, st.blocks - (4 + 6) * M2 / 4096);  // simple: 4 units; striped: 2 strips of 3 chunks
  EXPECT_EQ(st.namelen, 255u);
}

TEST(RequestHandler, GetFmapSimpleAndInterleaved) {
  Fixture f;
  f.init(1ULL << 42);
  fuse::GetFmapIn in{4096, 0};
  auto r = f.send(53, f.simple_ino, {record_bytes(in)});
  ASSERT_EQ(r.error, 0);
  auto m = fuse::decode_fmap(r.body);
  ASSERT_TRUE(m.message) << m.error;
  EXPECT_EQ(m.message->file_size, 3 * M2 + 7);
  ASSERT_EQ(m.message->extents.size(), 1u);
  EXPECT_EQ(m.message->extents[0].offset, f.fs->tree().node(f.simple_ino)->map.extents[0].offset);
  EXPECT_TRUE(fuse::fmap_problems(*m.message, f.handler->abi(), f.sb.device_size, 3 * M2 + 7).empty());

  auto s = fuse::decode_fmap(f.send(53, f.striped_ino, {record_bytes(in)}).body);
  ASSERT_TRUE(s.message);
  ASSERT_EQ(s.message->interleaved.size(), 1u);
  EXPECT_EQ(s.message->interleaved[0].nstrips, 2u);
  EXPECT_EQ(s.message->interleaved[0].chunk_size, M2);
  EXPECT_TRUE(fuse::fmap_problems(*s.message, f.handler->abi(), f.sb.device_size, 5 * M2).empty());

  EXPECT_EQ(f.send(53, f.dir_ino, {record_bytes(in)}).error, EISDIR);
}

TEST(RequestHandler, GetFmapTooBigForTheKernelBufferSaysTheSize) {
  Fixture f;
  f.init(1ULL << 42);
  fuse::GetFmapIn small{40, 0};
  auto r = f.send(53, f.striped_ino, {record_bytes(small)});
  ASSERT_EQ(r.body.size(), 4u);
  EXPECT_EQ(as<uint32_t>(r.body), 32u + 24u + 2 * 24u);
}

TEST(RequestHandler, V3GenerationUsesItsOwnOpcodes) {
  Fixture f(fuse::AbiGeneration::V3);
  f.init(1ULL << 43);
  ASSERT_TRUE(f.handler->famfs_active());
  auto r = f.send(54, f.simple_ino);  // no argument in V3
  ASSERT_EQ(r.error, 0);
  EXPECT_TRUE(fuse::decode_fmap(r.body).message);
  auto d = f.send(55, 0);
  ASSERT_EQ(d.error, 0);
  EXPECT_EQ(as<fuse::DaxdevOut>(d.body).index, 0);
  EXPECT_EQ(f.send(53, f.simple_ino).error, ENOSYS);  // not famfs in V3
}

TEST(RequestHandler, GetDaxdevGivesTheDeviceThenEchoesTheIndexWithoutAName) {
  Fixture f;
  f.options.extra_daxdevs = {{3, "/dev/dax3.0"}};
  std::vector<uint32_t> given;
  f.handler->set_daxdev_giver([&](uint32_t index) {
    given.push_back(index);
    return 0;
  });
  f.init(1ULL << 42);
  auto d = f.send(54, 0);
  ASSERT_EQ(d.error, 0);
  auto out = as<fuse::DaxdevOut>(d.body);
  EXPECT_EQ(out.index, 0);
  EXPECT_STREQ(out.name, "");  // the kernel resolves no names
  auto three = f.send(54, 3);
  ASSERT_EQ(three.error, 0);
  EXPECT_EQ(as<fuse::DaxdevOut>(three.body).index, 3);  // the kernel rejects a reply that does not echo it
  EXPECT_STREQ(as<fuse::DaxdevOut>(three.body).name, "");
  EXPECT_EQ(given, (std::vector<uint32_t>{0, 3}));
  EXPECT_EQ(f.send(54, 1).error, ENODEV);
  EXPECT_EQ(f.send(54, (1ull << 32) + 3).error, ENODEV);  // no truncation to a known index
  EXPECT_NE(f.recorder.status().last_error.find("GET_DAXDEV for index"), std::string::npos);
  EXPECT_EQ(given.size(), 2u);  // unknown indexes are never given
}

TEST(RequestHandler, GetDaxdevFailsWithTheKernelsAnswerWhenTheDeviceIsRefused) {
  Fixture f;
  f.handler->set_daxdev_giver([](uint32_t) { return EPERM; });
  f.init(1ULL << 42);
  EXPECT_EQ(f.send(54, 0).error, EPERM);
  EXPECT_NE(f.recorder.status().last_error.find("refused the device"), std::string::npos);
}

TEST(RequestHandler, DaxdevNameMisbehaviourPutsThePathIntoTheReply) {
  Fixture f;
  f.options.daxdev_name = "dax0.0";
  f.handler->set_daxdev_giver([](uint32_t) { return 0; });
  f.init(1ULL << 42);
  auto d = f.send(54, 0);
  ASSERT_EQ(d.error, 0);
  EXPECT_STREQ(as<fuse::DaxdevOut>(d.body).name, "dax0.0");
}

// A kernel without FUSE_DEV_IOC_FAMFS_DAXDEV (the series before patch 0010)
// answers ENOTTY and resolves the name it is given instead.
TEST(RequestHandler, GetDaxdevNamesTheDeviceForAKernelWithoutTheIoctl) {
  Fixture f;
  f.options.extra_daxdevs = {{2, "/dev/dax2.0"}};
  f.handler->set_daxdev_giver([](uint32_t) { return ENOTTY; });
  f.init(1ULL << 42);
  auto d = f.send(54, 0);
  ASSERT_EQ(d.error, 0);
  EXPECT_STREQ(as<fuse::DaxdevOut>(d.body).name, f.options.device.c_str());
  EXPECT_STREQ(as<fuse::DaxdevOut>(f.send(54, 2).body).name, "/dev/dax2.0");
}

TEST(RequestHandler, AFileOnAnotherDeviceIsMappedAndServedFromIt) {
  Fixture f;
  format::TempDeviceFile other{32ull << 20};
  auto other_dev = other.open();
  f.options.extra_daxdevs = {{2, other.path()}};
  f.options.file_devices = {{"/striped", 2}};
  f.handler->set_extra_devices({{2, other_dev->bytes()}});
  f.init(1ULL << 42);
  fuse::GetFmapIn in{4096, 0};
  auto m = fuse::decode_fmap(f.send(53, f.striped_ino, {record_bytes(in)}).body);
  ASSERT_TRUE(m.message);
  for (const auto& strip : m.message->interleaved.at(0).strips) EXPECT_EQ(strip.devindex, 2u);
  std::map<uint32_t, uint64_t> sizes = {{0, f.sb.device_size}, {2, other_dev->size()}};
  EXPECT_TRUE(fuse::fmap_problems(*m.message, f.handler->abi(), sizes, 5 * M2).empty());
  // Files elsewhere stay on device 0.
  auto s = fuse::decode_fmap(f.send(53, f.simple_ino, {record_bytes(in)}).body);
  ASSERT_TRUE(s.message);
  EXPECT_EQ(s.message->extents.at(0).devindex, 0u);

  // The fallback path reads the file's bytes from device 2 too.
  const auto& ext = f.fs->tree().node(f.striped_ino)->map.extents.at(0);
  other_dev->bytes()[ext.offset] = 0xAB;
  fuse::ReadIn rd{};
  rd.size = 16;
  auto r = f.send(fuse::kRead, f.striped_ino, {record_bytes(rd)});
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.body.at(0), 0xAB);
}

TEST(RequestHandler, BadFmapOptionReachesTheWire) {
  Fixture f;
  f.options.fmap_fault = FmapFault::MisalignedOffset;
  f.init(1ULL << 42);
  fuse::GetFmapIn in{4096, 0};
  auto m = fuse::decode_fmap(f.send(53, f.simple_ino, {record_bytes(in)}).body);
  ASSERT_TRUE(m.message);
  EXPECT_EQ(m.message->extents[0].offset % M2, 4096u);
}

TEST(RequestHandler, SyntheticFilesAreLookedUpOpenedAndMappedButNeverRead) {
  Fixture f;
  const fuse::FamfsAbi& abi = fuse::famfs_abi(fuse::AbiGeneration::RfcV2);
  FuzzSetup setup{5, &abi, f.dev->size()};
  FuzzFiles files(setup, 100);
  f.handler->set_synthetic_files(&files);
  f.init(1ULL << 42);
  auto e = f.lookup(1, "fmap-7");
  ASSERT_EQ(e.error, 0);
  auto entry = as<fuse::EntryOut>(e.body);
  FuzzCase c = fuzz_case(setup, 7);
  EXPECT_EQ(entry.nodeid, kSyntheticNodeBase + 7);
  EXPECT_EQ(entry.attr.size, c.file_size);
  EXPECT_EQ(entry.attr.mode, S_IFREG | 0444u);
  fuse::GetattrIn gin{};
  EXPECT_EQ(as<fuse::AttrOut>(f.send(fuse::kGetattr, entry.nodeid, {record_bytes(gin)}).body).attr.size,
            c.file_size);
  EXPECT_EQ(f.send(fuse::kOpen, entry.nodeid, {record_bytes(fuse::OpenIn{})}).error, 0);
  fuse::GetFmapIn in{fuse::kFmapMaxReply, 0};
  auto fmap = f.send(53, entry.nodeid, {record_bytes(in)});
  ASSERT_EQ(fmap.error, 0);
  EXPECT_EQ(fmap.body, c.reply);
  EXPECT_EQ(f.read(entry.nodeid, 0, 16).error, EIO);
  // Only in the root, only names in range; the filesystem's own files stay.
  EXPECT_EQ(f.lookup(f.dir_ino, "fmap-7").error, ENOENT);
  EXPECT_EQ(f.lookup(1, "fmap-100").error, ENOENT);
  EXPECT_EQ(as<fuse::EntryOut>(f.lookup(1, "striped").body).nodeid, f.striped_ino);
}

TEST(RequestHandler, ASyntheticMapTooBigForTheBufferAsksForMore) {
  Fixture f;
  SavedFmap big;
  big.file_size = M2;
  big.reply.assign(5000, 0);
  ReplayFiles files({{"big", big}});
  f.handler->set_synthetic_files(&files);
  f.init(1ULL << 42);
  fuse::GetFmapIn in{4096, 0};
  auto first = f.send(53, kSyntheticNodeBase, {record_bytes(in)});
  ASSERT_EQ(first.error, 0);
  EXPECT_EQ(as<uint32_t>(first.body), 5000u);
  in.size = 5000;
  EXPECT_EQ(f.send(53, kSyntheticNodeBase, {record_bytes(in)}).body.size(), 5000u);
}

TEST(RequestHandler, NoReplyForForgetsAndRefusalsForChanges) {
  Fixture f;
  fuse::ForgetIn forget{1};
  EXPECT_TRUE(f.send(fuse::kForget, f.simple_ino, {record_bytes(forget)}).none);
  fuse::InterruptIn intr{5};
  EXPECT_TRUE(f.send(fuse::kInterrupt, 0, {record_bytes(intr)}).none);
  EXPECT_EQ(f.send(fuse::kMkdir, 1, {fuse::name_arg("x")}).error, EPERM);
  EXPECT_EQ(f.send(fuse::kUnlink, 1, {fuse::name_arg("striped")}).error, EPERM);
  fuse::GetxattrIn gx{0, 0};
  // ENODATA, not ENOSYS: the kernel would never ask again, and logplay
  // (user.famfs.logplay) needs GETXATTR to reach the server.
  EXPECT_EQ(f.send(fuse::kGetxattr, f.simple_ino, {record_bytes(gx), fuse::name_arg("user.a")}).error,
            ENODATA);
  EXPECT_EQ(f.send(fuse::kListxattr, f.simple_ino, {record_bytes(gx)}).error, ENOSYS);
  EXPECT_EQ(f.send(999, 1).error, ENOSYS);
  EXPECT_GT(f.recorder.status().error_replies, 0u);
  EXPECT_EQ(f.send(fuse::kDestroy, 0).error, 0);
  EXPECT_TRUE(f.handler->destroyed());
}

struct CopyRangeIn {
  uint64_t fh_in, off_in, nodeid_out, fh_out, off_out, len, flags;
};

TEST(RequestHandler, CopyFileRangeIsRefusedUnlessAskedThenClaimsEveryByte) {
  Fixture f;
  CopyRangeIn in{0, 0, f.striped_ino, 0, 4 * M2, 2 * M2, 0};  // 1M..: past the end of a 5 MiB file
  EXPECT_EQ(f.send(fuse::kCopyFileRange, f.simple_ino, {record_bytes(in)}).error, ENOSYS);
  f.options.accept_copy_file_range = true;
  auto r = f.send(fuse::kCopyFileRange, f.simple_ino, {record_bytes(in)});
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(as<fuse::WriteOut>(r.body).size, 2 * M2);  // the lie: only M2 fit
  // What fit was copied: the striped file's last 2 MiB now hold simple's first.
  fuse::ReadIn rd{};
  rd.offset = 4 * M2 + 300;
  rd.size = 1;
  EXPECT_EQ(f.send(fuse::kRead, f.striped_ino, {record_bytes(rd)}).body.at(0), 300 % 251);
}

TEST(RequestHandler, CreateIsRefusedUnlessAskedThenMakesAZeroFilledFile) {
  Fixture f;
  struct {
    uint32_t flags, mode, umask, open_flags;
  } in{0, 0640, 022, 0};
  EXPECT_EQ(f.send(fuse::kCreate, f.dir_ino, {record_bytes(in), fuse::name_arg("new")}).error, EPERM);
  f.options.accept_create = M2;
  auto r = f.send(fuse::kCreate, f.dir_ino, {record_bytes(in), fuse::name_arg("new")});
  ASSERT_EQ(r.error, 0);
  ASSERT_EQ(r.body.size(), sizeof(fuse::EntryOut) + sizeof(fuse::OpenOut));
  auto entry = as<fuse::EntryOut>(r.body);
  EXPECT_EQ(entry.attr.size, M2);
  EXPECT_EQ(entry.attr.mode & 07777, 0640u);
  const format::Node* n = f.fs->tree().find("dir/new");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->ino, entry.nodeid);
}

TEST(RequestHandler, SizeDriftGrowsAFileOnceItsMapWentOut) {
  Fixture f;
  f.options.size_drift = true;
  f.init(1ULL << 42);
  fuse::GetattrIn in{};
  auto size = [&] {
    return as<fuse::AttrOut>(f.send(fuse::kGetattr, f.striped_ino, {record_bytes(in)}).body).attr.size;
  };
  EXPECT_EQ(size(), 5 * M2);
  fuse::GetFmapIn fm{4096, 0};
  ASSERT_EQ(f.send(53, f.striped_ino, {record_bytes(fm)}).error, 0);
  EXPECT_EQ(size(), 6 * M2);
}

// The FUSE_NOTIFY_STORE --notify-store pushes before an OPEN's reply: on
// the file's first open or on every later one, 4 KiB of its own bytes.
TEST(RequestHandler, NotifyStoreGoesOutOnlyAtTheOpensItNamesWithTheFilesBytes) {
  auto notify_at_open = [](Fixture& f, uint64_t ino) -> std::optional<Bytes> {
    fuse::OpenIn in{};
    Bytes req = encode_request(fuse::kOpen, ++f.unique, ino, {record_bytes(in)});
    fuse::DecodeResult d = fuse::decode_request(req, f.handler->abi());
    EXPECT_TRUE(d.request) << d.error;
    return f.handler->notify_before_reply(*d.request);
  };
  Fixture none;
  EXPECT_FALSE(notify_at_open(none, none.simple_ino));

  Fixture first;
  first.options.notify_store = NotifyStore::FirstOpen;
  auto n = notify_at_open(first, first.simple_ino);
  ASSERT_TRUE(n);
  auto p = fuse::parse_reply(*n);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header.unique, 0u);
  EXPECT_EQ(p->header.error, 4);  // FUSE_NOTIFY_STORE
  ASSERT_EQ(p->body.size(), 24u + 4096u);
  uint64_t nodeid = 0, offset = 1;
  uint32_t size = 0;
  std::memcpy(&nodeid, p->body.data(), 8);
  std::memcpy(&offset, p->body.data() + 8, 8);
  std::memcpy(&size, p->body.data() + 16, 4);
  EXPECT_EQ(nodeid, first.simple_ino);
  EXPECT_EQ(offset, 0u);
  EXPECT_EQ(size, 4096u);
  EXPECT_EQ(p->body[24 + 300], 300 % 251);                // the file's own byte 300
  EXPECT_FALSE(notify_at_open(first, first.simple_ino));  // its second open
  EXPECT_TRUE(notify_at_open(first, first.striped_ino));  // another file's first
  EXPECT_FALSE(notify_at_open(first, first.dir_ino));     // directories: never

  Fixture later;
  later.options.notify_store = NotifyStore::LaterOpens;
  EXPECT_FALSE(notify_at_open(later, later.simple_ino));
  EXPECT_TRUE(notify_at_open(later, later.simple_ino));
  EXPECT_TRUE(notify_at_open(later, later.simple_ino));
}

}  // namespace
}  // namespace famlab::famfs::server
