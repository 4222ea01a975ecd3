#pragma once
// A newc ("070701") cpio archive writer, the format the kernel unpacks as an
// initramfs. Needs no root: owners, devices and modes are just header fields.
// Entries are collected first and written sorted by path with a fixed mtime,
// uid/gid 0 and sequential inode numbers, so the same entries always give
// the same bytes, whatever order they were added in.
#include <cstdint>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>

#include "lab/common/hash.h"

namespace famlab::image {

class CpioWriter {
 public:
  // Guest paths, with or without the leading "/". Missing parent directories
  // are added as 0755. Adding a path twice is an error (except a directory).
  void add_dir(const std::string& path, uint32_t mode = 0755);
  void add_file(const std::string& path, const std::filesystem::path& host_file,
                uint32_t mode);  // read at write()
  void add_bytes(const std::string& path, const std::string& bytes, uint32_t mode);
  void add_symlink(const std::string& path, const std::string& target);
  void add_char_device(const std::string& path, uint32_t major, uint32_t minor, uint32_t mode = 0600);

  bool contains(const std::string& path) const;
  size_t size() const { return entries_.size(); }

  // Every entry, sorted by path, then the TRAILER!!! entry.
  void write(std::ostream& out) const;

  // Feeds every entry (path, type, mode, content) to `h`, in write order: two
  // writers with the same hash write the same bytes.
  void hash_into(Hasher& h) const;

 private:
  enum class Kind { Dir, File, Symlink, CharDevice };
  struct Entry {
    Kind kind = Kind::Dir;
    uint32_t mode = 0;                // permission bits only
    std::filesystem::path host_file;  // File from the host
    std::string bytes;                // File from memory, or the symlink target
    uint32_t major = 0, minor = 0;    // CharDevice
  };
  static Entry make(Kind kind, uint32_t mode);
  void add(const std::string& path, Entry entry);

  std::map<std::string, Entry> entries_;  // normalised path (no leading /) -> entry
};

}  // namespace famlab::image
