#include "lab/image/cpio_writer.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "base/error.h"

namespace fs = std::filesystem;

namespace famlab::image {
namespace {

constexpr uint32_t kMtime = 0;  // fixed: archives depend only on their contents

// "a/b/c" from "/a/b/c"; rejects empty, ".", ".." and empty components.
std::string normalise(const std::string& path) {
  std::string p = path;
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  if (p.empty()) throw Error("cpio: empty guest path '" + path + "'");
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    std::string part = p.substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      throw Error("cpio: bad guest path '" + path + "' (empty, '.' or '..' component)");
    start = end + 1;
  }
  return p;
}

void put_header(std::ostream& out, const std::string& name, uint32_t ino, uint32_t mode, uint32_t nlink,
                uint64_t filesize, uint32_t rmajor, uint32_t rminor) {
  if (filesize > 0xffffffffu) throw Error("cpio: " + name + " is larger than 4 GiB, which newc cannot hold");
  char buf[111];
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
  // rdevmajor, rdevminor, namesize (with NUL), check
  std::snprintf(buf, sizeof buf, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode, 0u,
                0u, nlink, kMtime, static_cast<uint32_t>(filesize), 0u, 0u, rmajor, rminor,
                static_cast<uint32_t>(name.size() + 1), 0u);
  out.write(buf, 110);
  out.write(name.c_str(), static_cast<std::streamsize>(name.size() + 1));
  size_t pad = (4 - (110 + name.size() + 1) % 4) % 4;
  out.write("\0\0\0", static_cast<std::streamsize>(pad));
}

void pad_data(std::ostream& out, uint64_t size) {
  out.write("\0\0\0", static_cast<std::streamsize>((4 - size % 4) % 4));
}

void copy_host_file(std::ostream& out, const std::string& name, const fs::path& host, uint64_t size) {
  std::ifstream in(host, std::ios::binary);
  if (!in) throw Error(Location{host.string()}, "cannot read file for the image (" + name + ")");
  std::vector<char> buf(1 << 16);
  uint64_t copied = 0;
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    out.write(buf.data(), in.gcount());
    copied += static_cast<uint64_t>(in.gcount());
  }
  if (copied != size) throw Error(Location{host.string()}, "file changed size while the image was written");
}

}  // namespace

CpioWriter::Entry CpioWriter::make(Kind kind, uint32_t mode) {
  Entry e;
  e.kind = kind;
  e.mode = mode & 07777;
  return e;
}

void CpioWriter::add(const std::string& path, Entry entry) {
  std::string p = normalise(path);
  // Parents first, as directories; an existing non-directory parent is an error.
  for (size_t slash = p.find('/'); slash != std::string::npos; slash = p.find('/', slash + 1)) {
    std::string parent = p.substr(0, slash);
    auto it = entries_.find(parent);
    if (it == entries_.end())
      entries_.emplace(parent, make(Kind::Dir, 0755));
    else if (it->second.kind != Kind::Dir)
      throw Error("cpio: cannot add /" + p + ": /" + parent + " is not a directory");
  }
  auto it = entries_.find(p);
  if (it != entries_.end()) {
    if (it->second.kind == Kind::Dir && entry.kind == Kind::Dir) {
      it->second.mode = entry.mode;
      return;
    }
    throw Error("cpio: /" + p + " added twice");
  }
  entries_.emplace(p, std::move(entry));
}

void CpioWriter::add_dir(const std::string& path, uint32_t mode) { add(path, make(Kind::Dir, mode)); }

void CpioWriter::add_file(const std::string& path, const fs::path& host_file, uint32_t mode) {
  if (!fs::is_regular_file(host_file))
    throw Error(Location{host_file.string()}, "not a regular file (wanted in the image as " + path + ")");
  Entry e = make(Kind::File, mode);
  e.host_file = host_file;
  add(path, std::move(e));
}

void CpioWriter::add_bytes(const std::string& path, const std::string& bytes, uint32_t mode) {
  Entry e = make(Kind::File, mode);
  e.bytes = bytes;
  add(path, std::move(e));
}

void CpioWriter::add_symlink(const std::string& path, const std::string& target) {
  if (target.empty()) throw Error("cpio: symlink " + path + " has an empty target");
  Entry e = make(Kind::Symlink, 0777);
  e.bytes = target;
  add(path, std::move(e));
}

void CpioWriter::add_char_device(const std::string& path, uint32_t major, uint32_t minor, uint32_t mode) {
  Entry e = make(Kind::CharDevice, mode);
  e.major = major;
  e.minor = minor;
  add(path, std::move(e));
}

bool CpioWriter::contains(const std::string& path) const { return entries_.count(normalise(path)) > 0; }

void CpioWriter::write(std::ostream& out) const {
  uint32_t ino = 1;
  for (const auto& [name, e] : entries_) {
    switch (e.kind) {
      case Kind::Dir:
        put_header(out, name, ino++, S_IFDIR | e.mode, 2, 0, 0, 0);
        break;
      case Kind::CharDevice:
        put_header(out, name, ino++, S_IFCHR | e.mode, 1, 0, e.major, e.minor);
        break;
      case Kind::Symlink:
        put_header(out, name, ino++, S_IFLNK | e.mode, 1, e.bytes.size(), 0, 0);
        out.write(e.bytes.data(), static_cast<std::streamsize>(e.bytes.size()));
        pad_data(out, e.bytes.size());
        break;
      case Kind::File:
        if (e.host_file.empty()) {
          put_header(out, name, ino++, S_IFREG | e.mode, 1, e.bytes.size(), 0, 0);
          out.write(e.bytes.data(), static_cast<std::streamsize>(e.bytes.size()));
          pad_data(out, e.bytes.size());
        } else {
          uint64_t size = fs::file_size(e.host_file);
          put_header(out, name, ino++, S_IFREG | e.mode, 1, size, 0, 0);
          copy_host_file(out, name, e.host_file, size);
          pad_data(out, size);
        }
        break;
    }
  }
  put_header(out, "TRAILER!!!", 0, 0, 1, 0, 0, 0);
  if (!out) throw Error("cpio: write failed");
}

void CpioWriter::hash_into(Hasher& h) const {
  for (const auto& [name, e] : entries_) {
    h.add(name).add(std::to_string(static_cast<int>(e.kind))).add(std::to_string(e.mode));
    if (e.kind == Kind::CharDevice) h.add(std::to_string(e.major) + ":" + std::to_string(e.minor));
    if (e.kind == Kind::File && !e.host_file.empty())
      h.add_file(e.host_file);
    else
      h.add(e.bytes);
  }
}

}  // namespace famlab::image
