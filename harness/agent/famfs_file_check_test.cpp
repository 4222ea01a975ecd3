#include "harness/agent/famfs_file_check.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "protocol/pattern.h"

using namespace famlab::agent;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t MiB = 1 << 20;

// A regular file stands in for a file on the famfs mount: the checks are
// plain POSIX and must pass on any correct file system.
struct TempFile {
  TempFile(uint64_t size)
      : path((fs::temp_directory_path() / ("famlab-check-" + std::to_string(getpid()))).string()) {
    int fd = open(path.c_str(), O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);
    EXPECT_EQ(ftruncate(fd, static_cast<off_t>(size)), 0);
    close(fd);
  }
  ~TempFile() { fs::remove(path); }
  std::string path;
};

TEST(PatternBytes, MatchWordsAtAnyByteOffset) {
  uint64_t w = famlab::protocol::pattern_word(7, 16);
  std::string b = pattern_bytes(7, 19, 10);
  ASSERT_EQ(b.size(), 10u);
  EXPECT_EQ(std::memcmp(b.data(), reinterpret_cast<const char*>(&w) + 3, 5), 0);
  EXPECT_EQ(pattern_bytes(7, 0, 64).substr(19, 10), b);
}

TEST(FamfsFileCheck, AFileWrittenAndReadBackEveryWayPasses) {
  const uint64_t size = 5 * MiB + 4096;  // ends inside a 2 MiB unit
  TempFile t(size);
  famlab::protocol::FamfsFile f{"i2", size, 2, 2 * MiB, false};
  auto r = check_famfs_file(t.path, f, 9, {});
  EXPECT_TRUE(r.ok) << famlab::protocol::encode(r).dump();
  EXPECT_TRUE(r.write_ok);
  EXPECT_TRUE(r.mmap_ok);
  // Two boundaries (2M, 4M) with three reads each, then the end and the start.
  EXPECT_EQ(r.pread_checks, 8u);
  EXPECT_EQ(r.open_errno, 0);
  EXPECT_FALSE(r.dax);  // a tmp file is no fs-dax file
}

TEST(FamfsFileCheck, APrefilledFileWithOneWrongByteFailsSayingWhere) {
  const uint64_t size = 3 * MiB;
  TempFile t(size);
  std::string bytes = pattern_bytes(4, 0, size);
  bytes[2 * MiB + 5] ^= 0x40;  // just after a boundary
  int fd = open(t.path.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_EQ(pwrite(fd, bytes.data(), size, 0), static_cast<ssize_t>(size));
  close(fd);
  famlab::protocol::FamfsFile f{"probe", size, 0, 0, true};
  auto r = check_famfs_file(t.path, f, 4, {});
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.write_ok);  // prefilled: never written through the mount
  EXPECT_FALSE(r.read_ok);
  EXPECT_FALSE(r.pread_ok);
  EXPECT_FALSE(r.mmap_ok);
  EXPECT_NE(r.problems.at(0).find("byte 0x200005 differs"), std::string::npos)
      << famlab::protocol::encode(r).dump();
}

TEST(FamfsFileCheck, AFailedOpenIsAResultWithTheErrnoNotACrash) {
  famlab::protocol::FamfsFile f{"gone", 4096, 0, 0, false};
  auto r = check_famfs_file("/nonexistent/famlab/gone", f, 1, {});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.open_errno, ENOENT);
  EXPECT_EQ(r.open_errno_name, "ENOENT");
  EXPECT_NE(r.open_error.find("/nonexistent/famlab/gone"), std::string::npos);
}

TEST(FamfsFileCheck, AFileOfTheWrongSizeIsCaught) {
  TempFile t(MiB);
  famlab::protocol::FamfsFile f{"short", 2 * MiB, 0, 0, false};
  auto r = check_famfs_file(t.path, f, 1, {});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problems.at(0).find("statx size 1048576, expected 2097152"), std::string::npos)
      << famlab::protocol::encode(r).dump();
}

}  // namespace
