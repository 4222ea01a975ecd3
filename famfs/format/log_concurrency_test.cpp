// Two processes on one device file, as two hosts on one CXL memory: a
// writer appends through the real append path while a reader replays the
// log over and over (famfs_log_stress, MAP_SHARED mappings of the same
// file). The reader must never see a damaged log or an entry other than
// the one written, and ends with all of them. A writer that publishes the
// commit word first must be caught by the same reader: the check can fail.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "base/process.h"
#include "famfs/format/filesystem.h"
#include "famfs/format/test_device.h"

namespace famlab::famfs::format {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct StressRun {
  int writer_exit;
  int reader_exit;
  std::string writer_output;
  std::string reader_output;
};

// Starts the reader first, then the writer; both bounded in time.
StressRun writer_and_reader(const std::string& writer_mode, uint64_t count, double reader_seconds) {
  TempDeviceFile device(1ull << 30, "/dev/shm");  // sparse; tmpfs, so msync does not wait for a disk
  {
    auto dev = device.open();
    mkfs(*dev, {});
  }
  std::string out = device.path() + ".reader", wout = device.path() + ".writer";
  ProcessOptions ropts, wopts;
  ropts.stdout_file = out;
  wopts.stdout_file = wout;
  Child reader(
      {FAMFS_LOG_STRESS, "reader", device.path(), std::to_string(reader_seconds), std::to_string(count)},
      ropts);
  Child writer({FAMFS_LOG_STRESS, writer_mode, device.path(), std::to_string(count)}, wopts);
  auto limit = std::chrono::milliseconds(static_cast<int>(reader_seconds * 1000) + 30000);
  StressRun r{};
  r.writer_exit = writer.wait_for(limit).value_or(-1);
  r.reader_exit = reader.wait_for(limit).value_or(-1);
  r.writer_output = slurp(wout);
  r.reader_output = slurp(out);
  std::remove(out.c_str());
  std::remove(wout.c_str());
  return r;
}

uint64_t count_of(const std::string& output, const std::string& name) {
  size_t at = output.find(name + " ");
  return at == std::string::npos ? ~0ull : std::stoull(output.substr(at + name.size() + 1));
}

TEST(LogConcurrency, AReaderNeverReplaysATornEntry) {
  StressRun r = writer_and_reader("writer", 20000, 60.0);
  EXPECT_EQ(r.writer_exit, 0) << r.writer_output;
  EXPECT_EQ(r.reader_exit, 0) << r.reader_output;
  EXPECT_EQ(count_of(r.reader_output, "entries"), 20000u) << r.reader_output;
  EXPECT_EQ(count_of(r.reader_output, "damage_seen"), 0u) << r.reader_output;
  EXPECT_EQ(count_of(r.reader_output, "mismatches"), 0u) << r.reader_output;
  // How often the reader ran into an append in progress (legitimately
  // stopping in front of it): the two really overlapped.
  RecordProperty("reader", r.reader_output);
  std::cout << "reader: " << r.reader_output;
}

TEST(LogConcurrency, AWriterThatCommitsFirstIsCaught) {
  StressRun r = writer_and_reader("broken-writer", 200, 20.0);
  EXPECT_EQ(r.writer_exit, 0) << r.writer_output;
  EXPECT_EQ(r.reader_exit, 1) << r.reader_output;
  uint64_t damage = count_of(r.reader_output, "damage_seen");
  EXPECT_GT(damage, 0u) << r.reader_output;
  EXPECT_NE(damage, ~0ull) << r.reader_output;
  EXPECT_NE(r.reader_output.find("first damage: damaged log at log offset"), std::string::npos)
      << r.reader_output;
}

}  // namespace
}  // namespace famlab::famfs::format
