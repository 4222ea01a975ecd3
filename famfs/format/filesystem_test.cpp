#include "famfs/format/filesystem.h"

#include <gtest/gtest.h>

#include <cstring>

#include "base/error.h"
#include "base/error_of.h"
#include "famfs/format/file_io.h"
#include "famfs/format/fsck.h"
#include "famfs/format/test_device.h"
#include "famfs/format/test_log_writer.h"

namespace famlab::famfs::format {
namespace {

constexpr uint64_t M2 = kAllocUnit;

void fill_with(uint64_t, std::span<uint8_t> d) { std::memset(d.data(), 0x5a, d.size()); }

// The whole metadata (superblock and log), to prove a failure changed nothing.
std::vector<uint8_t> metadata(const Device& dev, const Superblock& sb) {
  auto b = dev.bytes().first(sb.data_offset);
  return {b.begin(), b.end()};
}

TEST(Mkfs, RefusesATooSmallDevice) {
  TempDeviceFile f(11ull << 20);
  auto dev = f.open();
  std::string e = error_of([&] { mkfs(*dev, {}); });
  EXPECT_NE(e.find(f.path() + ": device is 11M; famfs needs at least 12M"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { Filesystem fs(*dev); }).find("bad magic"), std::string::npos);  // nothing written
}

TEST(Mkfs, RefusesAnImpossibleLogSize) {
  TempDeviceFile f(64ull << 20);
  auto dev = f.open();
  EXPECT_NE(error_of([&] {
              mkfs(*dev, {3ull << 20, false});
            }).find("log size 3M must be a multiple of 2M"),
            std::string::npos);
  EXPECT_NE(error_of([&] { mkfs(*dev, {0, false}); }).find("log size"), std::string::npos);
}

TEST(Mkfs, RefusesToOverwriteWithoutForce) {
  TempDeviceFile f(64ull << 20);
  auto dev = f.open();
  Superblock first = mkfs(*dev, {});
  {
    Filesystem fs(*dev);
    fs.mkdir("keep", {});
  }
  EXPECT_NE(error_of([&] { mkfs(*dev, {}); }).find("already holds a famfs; use --force"), std::string::npos);
  EXPECT_NE(Filesystem(*dev).tree().find("keep"), nullptr);
  Superblock second = mkfs(*dev, {kDefaultLogSize, true});
  EXPECT_NE(first.uuid, second.uuid);
  EXPECT_EQ(Filesystem(*dev).tree().find("keep"), nullptr);
}

TEST(Mkfs, GeometryRoundsTheDeviceDownToWholeUnits) {
  TempDeviceFile f((64ull << 20) + 12345);
  auto dev = f.open();
  Superblock sb = mkfs(*dev, {4ull << 20, false});
  EXPECT_EQ(sb.device_size, 64ull << 20);
  EXPECT_EQ(sb.log_offset, M2);
  EXPECT_EQ(sb.data_offset, 3 * M2);
  Filesystem fs(*dev);
  EXPECT_EQ(fs.state().allocator.data_bytes(), (64ull << 20) - 3 * M2);
}

TEST(Filesystem, CreateWritesDataThenLogs) {
  TempDeviceFile f(64ull << 20);
  auto dev = f.open();
  mkfs(*dev, {});
  Filesystem fs(*dev);
  fs.mkdir("dir", {0700, 1000, 1000});
  const Node& n = fs.create_file("dir/file", 3 * M2 + 5, {}, {0600, 1000, 100}, fill_with);
  EXPECT_EQ(n.size, 3 * M2 + 5);
  EXPECT_EQ(n.uid, 1000u);
  EXPECT_EQ(n.mode, 0600u);
  std::vector<uint8_t> back(n.size);
  ASSERT_EQ(read_file(dev->bytes(), n, 0, back), n.size);
  EXPECT_TRUE(std::all_of(back.begin(), back.end(), [](uint8_t b) { return b == 0x5a; }));

  // A fresh open of the device sees the same thing.
  auto again = f.open(false);
  Filesystem fs2(*again);
  ASSERT_NE(fs2.tree().find("dir/file"), nullptr);
  EXPECT_EQ(fs2.tree().find("dir/file")->map, n.map);
  EXPECT_EQ(fs2.tree().find("dir")->mode, 0700u);
}

TEST(Filesystem, InterleavedFileContentFollowsTheMap) {
  TempDeviceFile f(64ull << 20);
  auto dev = f.open();
  mkfs(*dev, {});
  Filesystem fs(*dev);
  const Node& n = fs.create_file("striped", 5 * M2, {2, M2}, {}, [](uint64_t pos, std::span<uint8_t> d) {
    for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>((pos + i) / M2);  // chunk number
  });
  ASSERT_EQ(n.map.kind, FileMap::Kind::Interleaved);
  // Chunk 3 lives in strip 1, row 1.
  EXPECT_EQ(dev->bytes()[n.map.extents[1].offset + M2], 3);
  EXPECT_EQ(dev->bytes()[n.map.extents[0].offset + 2 * M2], 4);
}

TEST(Filesystem, BadRequestsLeaveTheFilesystemUnchanged) {
  TempDeviceFile f(32ull << 20);  // 22 MiB of data
  auto dev = f.open();
  Superblock sb = mkfs(*dev, {});
  Filesystem fs(*dev);
  fs.mkdir("d", {});
  fs.create_file("d/f", 10, {}, {}, fill_with);
  std::vector<uint8_t> before = metadata(*dev, sb);

  EXPECT_NE(error_of([&] { fs.create_file("d/f", 10, {}, {}, fill_with); }).find("'d/f' already exists"),
            std::string::npos);
  EXPECT_NE(error_of([&] { fs.mkdir("d", {}); }).find("'d' already exists"), std::string::npos);
  EXPECT_NE(error_of([&] { fs.mkdir("x/y", {}); }).find("'x' does not exist"), std::string::npos);
  EXPECT_NE(error_of([&] { fs.mkdir("d/f/z", {}); }).find("'d/f' is not a directory"), std::string::npos);
  EXPECT_NE(error_of([&] { fs.create_file("big", 100ull << 20, {}, {}, fill_with); }).find("no room"),
            std::string::npos);
  EXPECT_NE(error_of([&] { fs.create_file("zero", 0, {}, {}, fill_with); }).find("more than 0"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              fs.create_file("s", M2, {17, M2}, {}, fill_with);
            }).find("strip count 17"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              fs.create_file("s", M2, {2, 3 * M2}, {}, fill_with);
            }).find("power of two"),
            std::string::npos);
  EXPECT_NE(error_of([&] { fs.create_file("bad/../x", 1, {}, {}, fill_with); }).find("uses '..'"),
            std::string::npos);
  std::string e = error_of([&] {
    fs.create_file("fails", M2, {}, {},
                   [](uint64_t, std::span<uint8_t>) { throw Error("source went away"); });
  });
  EXPECT_EQ(e, "source went away");

  EXPECT_EQ(metadata(*dev, sb), before);
  EXPECT_EQ(fs.tree().find("fails"), nullptr);
  // The failed attempts reserved no space.
  EXPECT_EQ(fs.state().allocator.free_bytes(), fs.state().allocator.data_bytes() - M2);
  EXPECT_TRUE(fsck(*dev).clean());
}

TEST(Filesystem, LogFullIsAnErrorAndChangesNothing) {
  TempDeviceFile f(16ull << 20);
  auto dev = f.open();
  Superblock sb = mkfs(*dev, {kMinLogSize, false});
  // Fill the log directly with long directory names until no such entry fits.
  LogEntry e;
  e.type = EntryType::Mkdir;
  uint64_t pos = 0;
  for (uint64_t seq = 1;; ++seq) {
    e.seq = seq;
    e.path = std::string(240, 'a') + std::to_string(seq);
    if (pos + encode_log_entry(e).size() > sb.log_size) break;
    pos = write_raw_entry(*dev, sb, pos, e);
  }
  Filesystem fs(*dev);
  EXPECT_FALSE(fs.state().torn_tail);
  EXPECT_FALSE(fs.state().damage);
  uint64_t entries = fs.state().entries;
  std::vector<uint8_t> before = metadata(*dev, sb);
  std::string err = error_of([&] { fs.mkdir(std::string(250, 'z'), {}); });
  EXPECT_NE(err.find("metadata log is full: " + std::to_string(entries) + " entries"), std::string::npos)
      << err;
  err = error_of([&] { fs.create_file(std::string(250, 'f'), 1, {}, {}, fill_with); });
  EXPECT_NE(err.find("metadata log is full"), std::string::npos) << err;
  EXPECT_EQ(metadata(*dev, sb), before);
  EXPECT_EQ(Filesystem(*dev).state().entries, entries);
}

TEST(Filesystem, CorruptSuperblockIsRefusedWithTheDeviceName) {
  TempDeviceFile f(32ull << 20);
  auto dev = f.open();
  mkfs(*dev, {});
  dev->bytes()[33] ^= 0x01;
  std::string e = error_of([&] { Filesystem fs(*dev); });
  EXPECT_NE(e.find(f.path() + ": superblock: checksum mismatch"), std::string::npos) << e;
}

TEST(Filesystem, RefreshSeesAppendsFromAnotherOpen) {
  TempDeviceFile f(32ull << 20);
  auto dev = f.open();
  mkfs(*dev, {});
  Filesystem reader(*dev);
  EXPECT_EQ(reader.refresh(), 0u);
  auto other_dev = f.open();
  Filesystem writer(*other_dev);
  writer.mkdir("new", {});
  writer.mkdir("new/er", {});
  EXPECT_EQ(reader.tree().find("new"), nullptr);
  EXPECT_EQ(reader.refresh(), 2u);
  EXPECT_NE(reader.tree().find("new/er"), nullptr);
  EXPECT_EQ(reader.refresh(), 0u);
}

TEST(Filesystem, RefreshRefusesAFilesystemMadeAgain) {
  TempDeviceFile f(32ull << 20);
  auto dev = f.open();
  mkfs(*dev, {});
  Filesystem reader(*dev);
  auto other = f.open();
  mkfs(*other, {kDefaultLogSize, true});
  std::string e = error_of([&] { reader.refresh(); });
  EXPECT_NE(e.find(f.path() + ": the famfs was made again since it was opened"), std::string::npos) << e;
  other->bytes()[0] = 0;
  e = error_of([&] { reader.refresh(); });
  EXPECT_NE(e.find("the superblock changed under this mount: superblock: bad magic"), std::string::npos) << e;
}

TEST(Filesystem, MkfsRecordsTheMaster) {
  TempDeviceFile f(32ull << 20);
  auto dev = f.open();
  HostId master = *parse_host_id("0123456789abcdef0123456789abcdef");
  mkfs(*dev, {kDefaultLogSize, false, master});
  Filesystem fs(*dev);
  EXPECT_EQ(fs.superblock().version, kFormatVersion);
  EXPECT_EQ(fs.superblock().master_id, master);
}

// A version 1 filesystem is read as it always was, and never changed.
TEST(Filesystem, VersionOneIsReadOnly) {
  TempDeviceFile f(32ull << 20);
  auto dev = f.open();
  Superblock sb = mkfs(*dev, {});
  {
    Filesystem fs(*dev);
    fs.mkdir("old", {});
  }
  sb.version = 1;
  std::vector<uint8_t> v1 = encode_superblock(sb);
  std::memcpy(dev->bytes().data(), v1.data(), v1.size());
  Filesystem fs(*dev);
  EXPECT_EQ(fs.superblock().version, 1u);
  EXPECT_NE(fs.tree().find("old"), nullptr);
  std::vector<uint8_t> before = metadata(*dev, sb);
  std::string e = error_of([&] { fs.mkdir("new", {}); });
  EXPECT_NE(e.find("format version 1 is only read, never changed"), std::string::npos) << e;
  EXPECT_EQ(metadata(*dev, sb), before);
}

TEST(Filesystem, FilesWithSeveralExtentsSimpleAndInterleaved) {
  TempDeviceFile file{128ull << 20};
  auto dev = file.open();
  mkfs(*dev, {});
  Filesystem fs(*dev);
  auto fill = [](uint64_t pos, std::span<uint8_t> d) {
    for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>((pos + i) / 4096);
  };
  Layout simple;
  simple.extent_bytes = {2 * M2, 4 * M2};
  const Node& s = fs.create_file("s", 5 * M2 + 100, simple, {}, fill);
  EXPECT_EQ(s.map.kind, FileMap::Kind::Simple);
  EXPECT_EQ(s.map.extents.size(), 2u);
  Layout striped{2, 2 * M2};
  striped.extent_bytes = {3 * M2, 2 * M2};
  const Node& i = fs.create_file("i", 5 * M2, striped, {}, fill);
  ASSERT_EQ(i.map.stripes.size(), 2u);
  EXPECT_EQ(i.map.stripes[0].nbytes, 3 * M2);
  EXPECT_EQ(i.map.stripes[0].strips.size(), 2u);
  // Replayed from the log, the same maps; the bytes are where they say.
  Filesystem again(*dev);
  EXPECT_EQ(again.tree().find("i")->map, i.map);
  std::vector<uint8_t> out(4096);
  for (uint64_t pos : {uint64_t{0}, 3 * M2 - 4096, 3 * M2, 5 * M2 - 4096}) {
    ASSERT_EQ(read_file(dev->bytes(), *again.tree().find("i"), pos, out), 4096u);
    EXPECT_EQ(out[0], static_cast<uint8_t>(pos / 4096)) << pos;
  }
  EXPECT_TRUE(fsck(*dev).clean());
  Layout short_by_one;
  short_by_one.extent_bytes = {M2};
  EXPECT_THROW(fs.create_file("x", M2 + 1, short_by_one, {}, fill), Error);
  short_by_one.extent_bytes = {4096};
  EXPECT_THROW(fs.create_file("x", 4096, short_by_one, {}, fill), Error);
}

}  // namespace
}  // namespace famlab::famfs::format
