#pragma once
// The namespace the log describes: directories and files by inode number.
// Inode numbers are stable: the root is 1 and every entry's inode is its
// log sequence number + 1, so the server's node ids survive a re-replay.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "famfs/format/file_map.h"
#include "famfs/format/layout.h"
#include "famfs/format/log_entry.h"

namespace famlab::famfs::format {

struct Node {
  uint64_t ino = 0;
  uint64_t parent = 0;
  std::string name;
  bool is_dir = false;
  uint32_t mode = 0;  // permission bits
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t mtime = 0;
  uint64_t size = 0;                                      // files
  FileMap map;                                            // files
  std::map<std::string, uint64_t, std::less<>> children;  // directories: name -> ino
};

// Splits "a/b/c" (a leading '/' is allowed) into checked components; throws
// famlab::Error naming the bad component ("", ".", "..", too long).
std::vector<std::string> split_path(std::string_view path);

class Tree {
 public:
  Tree();

  const Node* node(uint64_t ino) const;
  const Node* child(uint64_t dir_ino, std::string_view name) const;
  const Node* find(std::string_view path) const;  // nullptr when absent or bad

  // Adds what a log entry describes as inode `ino`. Returns why it cannot be
  // added (parent missing or not a directory, name taken), empty on success.
  std::string add(const LogEntry& entry, uint64_t ino);

  const std::map<uint64_t, Node>& nodes() const { return nodes_; }
  uint64_t file_count() const;
  uint64_t dir_count() const;  // not counting the root

 private:
  std::map<uint64_t, Node> nodes_;
};

inline uint64_t ino_for_seq(uint64_t seq) { return seq + 1; }

}  // namespace famlab::famfs::format
