#include "lab/runner/snapshot_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <vector>

#include "base/error.h"
#include "base/units.h"
#include "lab/common/cache_use.h"
#include "lab/common/hash.h"

namespace famlab::runner {
namespace fs = std::filesystem;

namespace {

nlohmann::json read_meta(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return nullptr;
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

// Why the snapshot in `dir` cannot be trusted, or "".
std::string damage(const fs::path& dir, const nlohmann::json& meta) {
  if (!meta.is_object()) return "meta.json is missing or not JSON";
  const fs::path state = dir / "state.mig";
  std::error_code ec;
  uint64_t size = fs::file_size(state, ec);
  if (ec) return "state.mig: " + ec.message();
  if (!meta.contains("state_bytes") || !meta["state_bytes"].is_number_unsigned() ||
      !meta.contains("state_sha256") || !meta["state_sha256"].is_string())
    return "meta.json lacks state_bytes or state_sha256";
  if (size != meta["state_bytes"].get<uint64_t>())
    return "state.mig has " + std::to_string(size) + " bytes, meta.json says " +
           std::to_string(meta["state_bytes"].get<uint64_t>());
  if (Hasher().add_file(state).hex() != meta["state_sha256"].get<std::string>())
    return "state.mig does not match the sha256 in meta.json";
  return "";
}

}  // namespace

SnapshotStore::SnapshotStore(fs::path root) : root_(std::move(root)) { fs::create_directories(root_); }

SnapshotStore::Lookup SnapshotStore::find(const std::string& key) {
  Lookup out;
  const fs::path dir = root_ / key;
  if (!fs::exists(dir)) return out;
  auto in_use = hold_cache_entry(dir);
  if (!fs::exists(dir)) return out;  // removed while we waited
  nlohmann::json meta = read_meta(dir / "meta.json");
  if (std::string why = damage(dir, meta); !why.empty()) {
    in_use.reset();
    // Whoever holds it exclusively is removing it already.
    if (auto lock = FileLock::try_lock(in_use_lock(dir))) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
    out.problem = "snapshot " + key.substr(0, 12) + " is damaged (" + why + "); removed";
    return out;
  }
  mark_used(dir);
  out.found = Snapshot{dir, dir / "state.mig", std::move(meta), std::move(in_use)};
  return out;
}

fs::path SnapshotStore::staging(const std::string& key) {
  // ".tmp-<key>.<n>-<pid>": `famlab cache` knows a live writer by its pid.
  static std::atomic<int> n = 0;
  fs::path dir = root_ / (".tmp-" + key + "." + std::to_string(n++) + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

bool SnapshotStore::publish(const fs::path& staging, const std::string& key, nlohmann::json meta) {
  const fs::path state = staging / "state.mig";
  meta["key"] = key;
  meta["state_bytes"] = static_cast<uint64_t>(fs::file_size(state));
  meta["state_sha256"] = Hasher().add_file(state).hex();
  {
    std::ofstream out(staging / "meta.json");
    out << meta.dump(2) << "\n";
    if (!out) throw Error(Location{(staging / "meta.json").string()}, "cannot write it");
  }
  std::error_code ec;
  fs::rename(staging, root_ / key, ec);  // fails when the key exists: theirs stays
  if (ec) {
    fs::remove_all(staging, ec);
    return false;
  }
  trim(snapshot_limit());
  return true;
}

uint64_t SnapshotStore::snapshot_limit() {
  const char* env = std::getenv("FAMLAB_SNAPSHOT_MAX");
  if (!env || !*env) return 8 * GiB;
  auto bytes = parse_size(env);
  if (!bytes) throw Error("FAMLAB_SNAPSHOT_MAX: '" + std::string(env) + "' is not a size (like 8G)");
  return *bytes;
}

int SnapshotStore::trim(uint64_t max_bytes) {
  struct Held {
    std::time_t used;
    fs::path dir;
    uint64_t bytes;
  };
  std::vector<Held> all;
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() != 64 || !e.is_directory(ec)) continue;
    uint64_t bytes = 0;
    for (const auto& f : fs::directory_iterator(e.path(), ec))
      if (f.is_regular_file(ec)) bytes += f.file_size(ec);
    struct stat st {};
    stat(e.path().c_str(), &st);
    all.push_back({st.st_mtim.tv_sec, e.path(), bytes});
    total += bytes;
  }
  std::sort(all.begin(), all.end(), [](const Held& a, const Held& b) { return a.used < b.used; });
  int removed = 0;
  for (const auto& h : all) {
    if (total <= max_bytes) break;
    auto lock = FileLock::try_lock(in_use_lock(h.dir));
    if (!lock) continue;  // a run is restoring it
    fs::remove_all(h.dir, ec);
    if (ec) continue;
    total -= h.bytes;
    ++removed;
  }
  return removed;
}

}  // namespace famlab::runner
