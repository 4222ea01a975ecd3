#include "lab/runner/snapshot_key.h"

#include <sys/stat.h>

#include <map>
#include <mutex>
#include <tuple>

#include "base/error.h"
#include "lab/common/hash.h"

namespace famlab::runner {
namespace {

// Hashing the kernel, the image and QEMU takes a tenth of a second; a run
// of many scenarios does it once.
std::string file_hash(const std::filesystem::path& file) {
  struct stat st {};
  if (stat(file.c_str(), &st) != 0)
    throw Error(Location{file.string()}, "cannot read it for the snapshot key");
  using Id = std::tuple<std::string, off_t, long, long>;
  static std::mutex mu;
  static std::map<Id, std::string> memo;
  Id id{file.string(), st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  std::lock_guard lock(mu);
  auto it = memo.find(id);
  if (it != memo.end()) return it->second;
  std::string h = Hasher().add_file(file).hex();
  memo.emplace(id, h);
  return h;
}

}  // namespace

std::vector<std::string> without_run_dir(const std::vector<std::string>& argv,
                                         const std::filesystem::path& run_dir) {
  const std::string dir = run_dir.string();
  std::vector<std::string> out;
  for (std::string a : argv) {
    for (size_t at = dir.empty() ? std::string::npos : a.find(dir); at != std::string::npos;
         at = a.find(dir, at))
      a.replace(at, dir.size(), "@RUN@");
    out.push_back(std::move(a));
  }
  return out;
}

std::string snapshot_key(const SnapshotKeyInputs& in) {
  Hasher h;
  // The format: 2 since the boot's logs are copied while the guest is
  // stopped (snapshots of 1 could miss the first kernel log records).
  h.add("famlab snapshot 2");
  for (const auto& a : without_run_dir(in.qemu_argv, in.run_dir)) h.add(a);
  h.add("qemu").add(file_hash(in.qemu_binary));
  h.add("kernel").add(file_hash(in.kernel));
  h.add("initrd").add(file_hash(in.initrd));
  h.add("plan").add(in.guest_plan);
  // Only for a libvirt host (Backend::machine_identity).
  if (!in.machine.empty()) h.add("machine").add(in.machine);
  return h.hex();
}

}  // namespace famlab::runner
