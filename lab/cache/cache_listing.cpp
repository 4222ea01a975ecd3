#include "lab/cache/cache_listing.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <system_error>

#include "lab/common/cache_use.h"
#include "lab/common/file_lock.h"

namespace fs = std::filesystem;

namespace famlab::cache {
namespace {

bool is_hex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "plain-0a4419ae794ec8ff" -> "plain": a lab kernel entry is its variant
// and 16 hex digits of its key. "" when the name is not one.
std::string variant_of_entry(const std::string& name) {
  size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0 || name.size() - dash - 1 != 16) return "";
  if (!is_hex(name.substr(dash + 1))) return "";
  return name.substr(0, dash);
}

// ".tmp-<entry>-<pid>" -> "<entry>"; "" when not that shape.
std::string entry_of_temp(const std::string& name, pid_t* pid) {
  if (!starts_with(name, ".tmp-")) return "";
  size_t dash = name.rfind('-');
  if (dash <= 5) return "";
  std::string digits = name.substr(dash + 1);
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "";
  if (pid) *pid = static_cast<pid_t>(std::stol(digits));
  return name.substr(5, dash - 5);
}

bool is_lock_file(const std::string& name) { return ends_with(name, ".lock") || ends_with(name, ".in-use"); }

// Walks what `path` holds (not following symlinks) and adds up its disk
// space: files with one link to own_bytes, files with several once per
// listing in `shared`.
class SpaceCounter {
 public:
  explicit SpaceCounter(Listing& listing) : listing_(listing) {}

  void count(Entry& e) {
    std::map<size_t, bool> seen_here;
    add(e, e.path, seen_here);
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(e.path, ec))) {
      for (auto it =
               fs::recursive_directory_iterator(e.path, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        add(e, it->path(), seen_here);
    }
  }

 private:
  void add(Entry& e, const fs::path& p, std::map<size_t, bool>& seen_here) {
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) return;
    uint64_t bytes = static_cast<uint64_t>(st.st_blocks) * 512;
    if (S_ISDIR(st.st_mode) || st.st_nlink <= 1) {
      e.own_bytes += bytes;
      return;
    }
    auto key = std::make_pair(static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino));
    auto [it, inserted] = index_.emplace(key, listing_.shared_bytes.size());
    if (inserted) {
      listing_.shared_bytes.push_back(bytes);
      listing_.shared_holders.push_back(0);
    }
    if (seen_here.emplace(it->second, true).second) {
      e.shared.push_back(it->second);
      ++listing_.shared_holders[it->second];
    }
  }

  Listing& listing_;
  std::map<std::pair<uint64_t, uint64_t>, size_t> index_;
};

class Scanner {
 public:
  explicit Scanner(const fs::path& root) { listing_.root = root; }

  Listing run() {
    std::error_code ec;
    for (const auto& top : fs::directory_iterator(listing_.root, ec)) {
      const std::string name = top.path().filename().string();
      if (is_lock_file(name)) continue;
      if (name == "kernels")
        kernels(top.path());
      else if (name == "kernel-src")
        kernel_sources(top.path());
      else if (name == "stock")
        stock(top.path());
      else if (name == "images")
        images(top.path());
      else if (name == "snapshots")
        snapshots(top.path());
      else if (name == "ccache")
        add("ccache", top.path(), {in_use_lock(top.path())});
      else
        unknown(top.path());
    }
    SpaceCounter counter(listing_);
    for (auto& e : listing_.entries) counter.count(e);
    for (auto& e : listing_.entries) {
      e.bytes = e.own_bytes;
      for (size_t i : e.shared) e.bytes += listing_.shared_bytes[i] / listing_.shared_holders[i];
    }
    std::stable_sort(listing_.entries.begin(), listing_.entries.end(),
                     [](const Entry& a, const Entry& b) { return a.last_used < b.last_used; });
    return std::move(listing_);
  }

 private:
  Entry& add(const std::string& kind, const fs::path& path, std::vector<fs::path> locks) {
    Entry e;
    e.kind = kind;
    e.path = path;
    e.name = path.lexically_relative(listing_.root).string();
    e.locks = std::move(locks);
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) e.last_used = st.st_mtim.tv_sec;
    listing_.entries.push_back(std::move(e));
    return listing_.entries.back();
  }

  void unknown(const fs::path& path) { add("unknown (not famlab's)", path, {}).removable = false; }

  bool leftover(const fs::path& path) {
    if (!starts_with(path.filename().string(), ".trash-")) return false;
    add("removal leftover", path, {}).leftover = true;
    return true;
  }

  // kernels/<variant>-<key16>, .failed and .tmp- builds of it.
  void kernels(const fs::path& dir) {
    const fs::path src = listing_.root / "kernel-src";
    std::error_code ec;
    for (const auto& c : fs::directory_iterator(dir, ec)) {
      const std::string name = c.path().filename().string();
      if (is_lock_file(name) || leftover(c.path())) continue;
      if (std::string entry = entry_of_temp(name, nullptr); !entry.empty()) {
        std::string variant = variant_of_entry(entry);
        if (!variant.empty()) {
          add("unfinished kernel build", c.path(), {src / (variant + ".lock")});
          continue;
        }
      }
      if (ends_with(name, ".failed")) {
        std::string variant = variant_of_entry(name.substr(0, name.size() - 7));
        if (!variant.empty()) {
          add("failed kernel build", c.path(), {src / (variant + ".lock")});
          continue;
        }
      }
      if (std::string variant = variant_of_entry(name); !variant.empty()) {
        add("kernel " + variant, c.path(), {in_use_lock(c.path()), src / (variant + ".lock")});
        continue;
      }
      unknown(c.path());
    }
  }

  // kernel-src/: unpacked sources, variant object trees, user tree builds.
  void kernel_sources(const fs::path& dir) {
    std::error_code ec;
    for (const auto& c : fs::directory_iterator(dir, ec)) {
      const std::string name = c.path().filename().string();
      if (is_lock_file(name) || leftover(c.path())) continue;
      if (!c.is_directory()) {
        unknown(c.path());
      } else if (starts_with(name, "linux-source-")) {
        // An interrupted unpack (<name>.tmp) belongs to the source it was for.
        bool unfinished = ends_with(name, ".tmp");
        fs::path source = unfinished ? dir / name.substr(0, name.size() - 4) : c.path();
        add(unfinished ? "unfinished kernel source unpack" : "kernel source", c.path(),
            {in_use_lock(source)});
      } else if (starts_with(name, "tree-")) {
        add("kernel tree build", c.path(), {c.path().string() + ".lock", in_use_lock(c.path())});
      } else {
        add("kernel object tree " + name, c.path(), {c.path().string() + ".lock"});
      }
    }
  }

  // stock/<package>_<version>/ and unfinished fetches.
  void stock(const fs::path& dir) {
    std::error_code ec;
    for (const auto& c : fs::directory_iterator(dir, ec)) {
      const std::string name = c.path().filename().string();
      if (is_lock_file(name) || name == "current" || leftover(c.path())) continue;
      if (starts_with(name, ".tmp-"))
        add("unfinished stock kernel fetch", c.path(), {dir / ".lock"});
      else if (c.is_directory())
        add("stock kernel", c.path(), {in_use_lock(c.path()), dir / ".lock"});
      else
        unknown(c.path());
    }
  }

  // images/<hash>.cpio and images being written.
  void images(const fs::path& dir) {
    std::error_code ec;
    for (const auto& c : fs::directory_iterator(dir, ec)) {
      const std::string name = c.path().filename().string();
      if (is_lock_file(name) || leftover(c.path())) continue;
      pid_t writer = 0;
      if (!entry_of_temp(name, &writer).empty()) {
        add("unfinished image", c.path(), {}).writer = writer;
      } else if (ends_with(name, ".cpio")) {
        add("image", c.path(), {in_use_lock(c.path())});
      } else {
        unknown(c.path());
      }
    }
  }

  // snapshots/<key> (lab/runner/snapshot_store.h), <key>.failed markers
  // and .tmp- directories of snapshots being taken.
  void snapshots(const fs::path& dir) {
    std::error_code ec;
    for (const auto& c : fs::directory_iterator(dir, ec)) {
      const std::string name = c.path().filename().string();
      if (is_lock_file(name) || leftover(c.path())) continue;
      pid_t writer = 0;
      if (!entry_of_temp(name, &writer).empty())
        add("unfinished snapshot", c.path(), {}).writer = writer;
      else if (ends_with(name, ".failed"))
        add("snapshot that failed to restore", c.path(), {});
      else if (name.size() == 64 && fs::is_directory(c.path(), ec))
        add("snapshot", c.path(), {in_use_lock(c.path())});
      else
        unknown(c.path());
    }
  }

  Listing listing_;
};

}  // namespace

uint64_t Listing::total_bytes() const {
  uint64_t total = 0;
  for (const auto& e : entries) total += e.own_bytes;
  for (uint64_t b : shared_bytes) total += b;
  return total;
}

Listing list_cache(const fs::path& root) { return Scanner(root).run(); }

std::string in_use_by(const Entry& entry) {
  if (entry.writer > 0 && (kill(entry.writer, 0) == 0 || errno == EPERM))
    return "being written by pid " + std::to_string(entry.writer);
  for (const auto& lock : entry.locks) {
    if (!fs::exists(lock)) continue;  // nobody has ever locked it: free
    if (!FileLock::try_lock(lock)) return "locked: " + lock.string();
  }
  return "";
}

std::string format_disk_size(uint64_t bytes) {
  static const char* units[] = {"B", "K", "M", "G", "T"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0 || v >= 10)
    std::snprintf(buf, sizeof buf, "%.0f%s", v, units[u]);
  else
    std::snprintf(buf, sizeof buf, "%.1f%s", v, units[u]);
  return buf;
}

}  // namespace famlab::cache
