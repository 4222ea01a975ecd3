#include "famfs/format/tree.h"

#include "base/error.h"

namespace famlab::famfs::format {

std::vector<std::string> split_path(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) throw Error("path is empty");
  if (path.size() > kMaxPathBytes)
    throw Error("path is " + std::to_string(path.size()) + " bytes, more than " +
                std::to_string(kMaxPathBytes));
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty()) throw Error("path '" + std::string(path) + "' has an empty component");
    if (part == "." || part == "..")
      throw Error("path '" + std::string(path) + "' uses '" + std::string(part) + "'");
    if (part.size() > 255)
      throw Error("name '" + std::string(part.substr(0, 40)) + "...' is longer than 255 bytes");
    if (part.find('\0') != std::string_view::npos) throw Error("path contains a NUL byte");
    parts.emplace_back(part);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

Tree::Tree() {
  Node root;
  root.ino = kRootIno;
  root.parent = kRootIno;
  root.is_dir = true;
  root.mode = 0755;
  nodes_[kRootIno] = root;
}

const Node* Tree::node(uint64_t ino) const {
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? nullptr : &it->second;
}

const Node* Tree::child(uint64_t dir_ino, std::string_view name) const {
  const Node* dir = node(dir_ino);
  if (!dir || !dir->is_dir) return nullptr;
  auto it = dir->children.find(name);
  return it == dir->children.end() ? nullptr : node(it->second);
}

const Node* Tree::find(std::string_view path) const {
  std::vector<std::string> parts;
  try {
    parts = split_path(path);
  } catch (const Error&) {
    return path == "/" || path.empty() ? node(kRootIno) : nullptr;
  }
  const Node* at = node(kRootIno);
  for (const auto& part : parts) {
    at = child(at->ino, part);
    if (!at) return nullptr;
  }
  return at;
}

std::string Tree::add(const LogEntry& entry, uint64_t ino) {
  std::vector<std::string> parts;
  try {
    parts = split_path(entry.path);
  } catch (const Error& e) {
    return e.what();
  }
  if (nodes_.count(ino)) return "inode " + std::to_string(ino) + " already exists";
  const Node* parent = node(kRootIno);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    parent = child(parent->ino, parts[i]);
    if (!parent) return "parent directory of '" + entry.path + "' does not exist";
  }
  if (!parent->is_dir) return "parent of '" + entry.path + "' is not a directory";
  if (parent->children.count(parts.back())) return "'" + entry.path + "' already exists";

  Node n;
  n.ino = ino;
  n.parent = parent->ino;
  n.name = parts.back();
  n.is_dir = entry.type == EntryType::Mkdir;
  n.mode = entry.mode & 07777;
  n.uid = entry.uid;
  n.gid = entry.gid;
  n.mtime = entry.mtime;
  if (!n.is_dir) {
    n.size = entry.size;
    n.map = entry.map;
  }
  nodes_[parent->ino].children[n.name] = ino;
  nodes_[ino] = std::move(n);
  return "";
}

uint64_t Tree::file_count() const {
  uint64_t n = 0;
  for (const auto& [ino, node] : nodes_) n += !node.is_dir;
  return n;
}

uint64_t Tree::dir_count() const {
  uint64_t n = 0;
  for (const auto& [ino, node] : nodes_) n += node.is_dir && ino != kRootIno;
  return n;
}

}  // namespace famlab::famfs::format
