#include "harness/agent/pattern_io.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "base/error.h"
#include "protocol/pattern.h"

using namespace famlab::agent;

namespace {

// A plain file stands in for /dev/daxN.M: same mmap path, no hardware.
struct PatternFile : ::testing::Test {
  std::string path;
  static constexpr uint64_t kSize = 6u << 20;

  void SetUp() override {
    char tmpl[] = "/tmp/famlab-pattern-XXXXXX";
    int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, static_cast<off_t>(kSize)), 0);
    close(fd);
    path = tmpl;
  }
  void TearDown() override { unlink(path.c_str()); }

  PatternJob job(uint64_t bytes, uint64_t seed) { return {path, kSize, 2u << 20, bytes, seed, 60}; }
};

}  // namespace

TEST_F(PatternFile, WriteThenVerifyMatches) {
  uint64_t bytes = (4u << 20) + 4096;  // not a multiple of the alignment
  int idles = 0;
  PatternRun w = write_pattern(job(bytes, 7), [&] { ++idles; });
  EXPECT_EQ(w.bytes, bytes);
  EXPECT_GE(idles, 3);
  PatternRun v = verify_pattern(job(bytes, 7));
  EXPECT_EQ(v.mismatches, 0u);
  EXPECT_GT(v.mb_per_s, 0);

  // The words are the protocol's: the host's oracle can find them.
  std::ifstream in(path, std::ios::binary);
  in.seekg(4096);
  uint64_t word = 0;
  in.read(reinterpret_cast<char*>(&word), 8);
  EXPECT_EQ(word, famlab::protocol::pattern_word(7, 4096));
}

TEST_F(PatternFile, VerifyCountsAndLocatesMismatches) {
  write_pattern(job(1u << 20, 1));
  PatternRun v = verify_pattern(job(1u << 20, 2));  // another seed: every word differs
  EXPECT_EQ(v.mismatches, (1u << 20) / 8);
  EXPECT_EQ(v.first_mismatches.size(), 8u);
  EXPECT_EQ(v.first_mismatches[1], 8u);
}

TEST_F(PatternFile, BadArgumentsAreErrors) {
  EXPECT_THROW(write_pattern(job(0, 1)), famlab::Error);
  EXPECT_THROW(write_pattern(job(12, 1)), famlab::Error);
  EXPECT_THROW(write_pattern(job(kSize + 8, 1)), famlab::Error);
  PatternJob missing = job(4096, 1);
  missing.path = "/nonexistent/dax9.9";
  EXPECT_THROW(write_pattern(missing), famlab::Error);
}
