#include "base/small_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/error.h"

namespace fs = std::filesystem;

namespace famlab {
namespace {

fs::path scratch(const char* name) {
  fs::path dir = fs::temp_directory_path() / ("famlab-small-file-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

TEST(SmallFile, WritesAndReadsBackWholeFiles) {
  fs::path f = scratch("whole");
  write_small_file(f, "one\ntwo\n");
  EXPECT_EQ(read_small_file(f), "one\ntwo\n");
  EXPECT_EQ(read_first_line(f), "one");
  write_small_file(f, "x");
  EXPECT_EQ(read_small_file(f), "x");  // truncated, not overlaid
}

TEST(SmallFile, MissingFilesAreNamedOrAbsent) {
  fs::path f = scratch("missing");
  fs::remove(f);
  EXPECT_EQ(try_read_small_file(f), std::nullopt);
  EXPECT_EQ(read_first_line(f), "");
  try {
    read_small_file(f);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(f.string()), std::string::npos) << e.what();
  }
}

TEST(SmallFile, AtomicReplaceLeavesNoTemporaryBehind) {
  fs::path f = scratch("atomic");
  replace_file_atomically(f, "first");
  replace_file_atomically(f, "second");
  EXPECT_EQ(read_small_file(f), "second");
  for (const auto& e : fs::directory_iterator(f.parent_path()))
    EXPECT_EQ(e.path().filename().string().find("atomic.tmp"), std::string::npos) << e.path();
}

TEST(SmallFile, AtomicReplaceIntoAMissingFolderFailsCleanly) {
  fs::path f = scratch("no-such-dir") / "file";
  EXPECT_THROW(replace_file_atomically(f, "x"), Error);
  EXPECT_FALSE(fs::exists(f.parent_path()));
}

}  // namespace
}  // namespace famlab
