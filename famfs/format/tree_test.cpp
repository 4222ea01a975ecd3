#include "famfs/format/tree.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace famlab::famfs::format {
namespace {

LogEntry entry(EntryType type, const std::string& path) {
  LogEntry e;
  e.type = type;
  e.path = path;
  e.mode = 0755;
  return e;
}

TEST(Tree, SplitPathChecksComponents) {
  EXPECT_EQ(split_path("/a/b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split_path("a"), (std::vector<std::string>{"a"}));
  EXPECT_THROW(split_path(""), Error);
  EXPECT_THROW(split_path("/"), Error);
  EXPECT_THROW(split_path("a//b"), Error);
  EXPECT_THROW(split_path("a/"), Error);
  EXPECT_THROW(split_path("a/../b"), Error);
  EXPECT_THROW(split_path("./a"), Error);
  EXPECT_THROW(split_path(std::string(256, 'x')), Error);
  EXPECT_THROW(split_path(std::string("a\0b", 3)), Error);
}

TEST(Tree, AddAndFind) {
  Tree t;
  EXPECT_EQ(t.add(entry(EntryType::Mkdir, "d"), 2), "");
  EXPECT_EQ(t.add(entry(EntryType::File, "d/f"), 3), "");
  EXPECT_EQ(t.find("/d/f")->ino, 3u);
  EXPECT_EQ(t.find("d")->children.size(), 1u);
  EXPECT_EQ(t.find("/")->ino, kRootIno);
  EXPECT_EQ(t.find("d/missing"), nullptr);
  EXPECT_EQ(t.child(2, "f")->parent, 2u);
  EXPECT_EQ(t.file_count(), 1u);
  EXPECT_EQ(t.dir_count(), 1u);
}

TEST(Tree, AddRefusesConflicts) {
  Tree t;
  t.add(entry(EntryType::File, "f"), 2);
  EXPECT_NE(t.add(entry(EntryType::File, "f"), 3).find("already exists"), std::string::npos);
  EXPECT_NE(t.add(entry(EntryType::File, "f/x"), 4).find("not a directory"), std::string::npos);
  EXPECT_NE(t.add(entry(EntryType::File, "nodir/x"), 5).find("does not exist"), std::string::npos);
  EXPECT_NE(t.add(entry(EntryType::File, "g"), 2).find("inode 2 already exists"), std::string::npos);
  EXPECT_NE(t.add(entry(EntryType::File, "a//b"), 6).find("empty component"), std::string::npos);
  EXPECT_EQ(t.file_count(), 1u);
}

}  // namespace
}  // namespace famlab::famfs::format
