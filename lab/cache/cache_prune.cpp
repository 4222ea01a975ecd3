#include "lab/cache/cache_prune.h"

#include <unistd.h>

#include <cctype>
#include <memory>
#include <set>
#include <system_error>

#include "lab/common/cache_use.h"
#include "lab/common/file_lock.h"

namespace fs = std::filesystem;

namespace famlab::cache {
namespace {

class Pruner {
 public:
  Pruner(const Listing& listing, bool dry_run)
      : listing_(listing),
        dry_run_(dry_run),
        holders_(listing.shared_holders),
        total_(listing.total_bytes()) {}

  uint64_t total() const { return total_; }
  PruneResult& result() { return result_; }

  // Removes the entry unless it is in use; whether it went (or would go).
  bool remove(const Entry& e) {
    if (!tried_.insert(&e).second) return false;
    PruneOutcome o;
    o.name = e.name;
    o.kind = e.kind;
    o.last_used = e.last_used;
    o.bytes = e.bytes;
    std::vector<std::unique_ptr<FileLock>> held;
    std::string busy = dry_run_ ? in_use_by(e) : take_locks(e, held);
    if (!busy.empty()) {
      o.what = PruneOutcome::What::InUse;
      o.why = busy;
      result_.outcomes.push_back(o);
      return false;
    }
    o.freed = freed_by(e);
    if (dry_run_) {
      o.what = PruneOutcome::What::WouldRemove;
    } else if (std::string error = delete_entry(e, held); !error.empty()) {
      o.what = PruneOutcome::What::Failed;
      o.why = error;
      o.freed = 0;
      result_.outcomes.push_back(o);
      return false;
    } else {
      o.what = PruneOutcome::What::Removed;
    }
    for (size_t i : e.shared) --holders_[i];
    total_ -= o.freed;
    result_.freed += o.freed;
    result_.outcomes.push_back(o);
    return true;
  }

 private:
  // What removing the entry gives back: its own files, and shared ones
  // nobody else still holds.
  uint64_t freed_by(const Entry& e) const {
    uint64_t f = e.own_bytes;
    for (size_t i : e.shared)
      if (holders_[i] == 1) f += listing_.shared_bytes[i];
    return f;
  }

  // Takes every lock of the entry, without waiting; "" when all are ours,
  // else what is in use.
  static std::string take_locks(const Entry& e, std::vector<std::unique_ptr<FileLock>>& held) {
    if (e.writer > 0) {
      if (std::string busy = in_use_by(e); !busy.empty()) return busy;
    }
    for (const auto& lock : e.locks) {
      std::error_code ec;
      fs::create_directories(lock.parent_path(), ec);  // kernel-src/ of a cache that never built
      auto l = FileLock::try_lock(lock);
      if (!l) return "locked: " + lock.string();
      held.push_back(std::move(l));
    }
    return "";
  }

  // Renames the entry out of the way (atomic: nobody sees a half-removed
  // entry under its name), deletes it, then its own in-use lock file
  // (still held: a famlab waiting for it locks a new one and finds no
  // entry). "" on success, else what went wrong.
  static std::string delete_entry(const Entry& e, std::vector<std::unique_ptr<FileLock>>& held) {
    std::error_code ec;
    fs::path trash = e.path;
    if (!e.leftover) {
      trash =
          e.path.parent_path() / (".trash-" + e.path.filename().string() + "-" + std::to_string(getpid()));
      fs::rename(e.path, trash, ec);
      if (ec) return "cannot move it out of the way: " + ec.message();
    }
    fs::remove_all(trash, ec);
    if (ec)
      return "moved to " + trash.string() + " but not removed (" + ec.message() + "); the next prune retries";
    const fs::path own = in_use_lock(e.path);
    for (auto& l : held) {
      if (l->path() != own) continue;
      try {
        l->remove_file();
      } catch (const std::exception&) {
        // An empty lock file left behind costs nothing.
      }
    }
    return "";
  }

  const Listing& listing_;
  bool dry_run_;
  std::vector<uint32_t> holders_;  // entries still holding each shared file
  uint64_t total_;
  std::set<const Entry*> tried_;
  PruneResult result_;
};

}  // namespace

PruneResult prune(const Listing& listing, const PruneRule& rule, std::time_t now) {
  Pruner p(listing, rule.dry_run);
  // What an interrupted removal left is garbage whatever the rule.
  for (const auto& e : listing.entries)
    if (e.leftover) p.remove(e);
  if (rule.older_than) {
    const std::time_t cutoff = now - static_cast<std::time_t>(rule.older_than->count());
    for (const auto& e : listing.entries)
      if (e.removable && e.last_used < cutoff) p.remove(e);
  }
  if (rule.max_bytes) {
    for (const auto& e : listing.entries) {  // least recently used first
      if (p.total() <= *rule.max_bytes) break;
      if (e.removable) p.remove(e);
    }
  }
  PruneResult r = std::move(p.result());
  r.left = p.total();
  return r;
}

std::optional<std::chrono::seconds> parse_age(const std::string& text) {
  size_t i = 0;
  int64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (n > 1'000'000'000) return std::nullopt;
    n = n * 10 + (text[i] - '0');
    ++i;
  }
  if (i == 0 || i + 1 != text.size()) return std::nullopt;
  switch (text[i]) {
    case 's':
      return std::chrono::seconds(n);
    case 'm':
      return std::chrono::minutes(n);
    case 'h':
      return std::chrono::hours(n);
    case 'd':
      return std::chrono::hours(24 * n);
    case 'w':
      return std::chrono::hours(24 * 7 * n);
    default:
      return std::nullopt;
  }
}

}  // namespace famlab::cache
