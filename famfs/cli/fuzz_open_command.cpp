#include "famfs/cli/fuzz_open_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "base/error.h"
#include "base/small_file.h"
#include "base/unique_fd.h"
#include "famfs/cli/device_oracle.h"
#include "famfs/cli/kernel_watch.h"
#include "famfs/format/device.h"
#include "famfs/server/fmap_fuzzer.h"
#include "famfs/server/fmap_oracle.h"
#include "famfs/server/saved_fmap.h"

namespace famlab::famfs::cli {
namespace {

using server::OpenOutcome;

constexpr size_t kFindingLines = 50;  // findings printed one per line; the rest only counted

// The size the kernel gives the dax device (sysfs), or a regular file's.
uint64_t device_size(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) throw Error(path + ": " + std::strerror(errno));
  if (S_ISCHR(st.st_mode)) return format::char_device_size(st.st_rdev, path);
  if (S_ISREG(st.st_mode)) return static_cast<uint64_t>(st.st_size);
  throw Error(path + ": neither a dax device nor a file");
}

using Clock = std::chrono::steady_clock;

// Where a run's time goes, in seconds (the summary's "time_split").
struct PhaseTimes {
  double make = 0;        // fuzz_case and check_fmap, in the driver
  double stat = 0;        // stat(2): LOOKUP
  double open = 0;        // open(2): OPEN, GET_FMAP (GET_DAXDEV), RELEASE when refused
  double read_close = 0;  // two 1-byte preads, close (FLUSH, RELEASE), the kernel log
  double leak_check = 0;  // settling and reading the slab, progress lines
};

double seconds_since(Clock::time_point& t) {
  auto now = Clock::now();
  double s = std::chrono::duration<double>(now - t).count();
  t = now;
  return s;
}

// Opens `path`, reads its first and last byte when it opens, and says
// what the kernel did; `size` is what stat said. With `held`, an opened
// file stays open there (the leak check's self-test: a map kept alive is
// what a leaked one looks like).
// `inspect` (may be empty) looks further at a file that opened and read.
OpenOutcome open_and_read(const std::string& path, uint64_t size, KernelLog& klog, PhaseTimes& times,
                          std::vector<UniqueFd>* held = nullptr,
                          const std::function<std::string(int)>& inspect = {}) {
  OpenOutcome o;
  auto t = Clock::now();
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  times.open += seconds_since(t);
  if (fd.get() < 0) {
    o.open_errno = errno;
  } else if (size > 0) {
    for (uint64_t at : {uint64_t{0}, size - 1}) {
      char byte;
      ssize_t n = pread(fd.get(), &byte, 1, static_cast<off_t>(at));
      if (n != 1) {
        o.read_errno = n < 0 ? errno : EIO;  // 0 bytes inside the file is an I/O failure too
        break;
      }
    }
  }
  if (fd.get() >= 0 && !o.read_errno && inspect) o.data_problem = inspect(fd.get());
  if (held && fd.get() >= 0) held->push_back(std::move(fd));
  fd.reset();
  for (const auto& line : klog.take_new())
    if (server::is_kernel_trouble(line) && o.kernel_trouble.empty()) o.kernel_trouble = line;
  times.read_close += seconds_since(t);
  return o;
}

class Run {
 public:
  Run(const FuzzOpenArgs& a, std::ostream& out) : a_(a), out_(out) {}

  void count(const fuse::FmapVerdict& v, const OpenOutcome& o) {
    ++maps_;
    valid_ += v.valid();
    if (o.open_errno)
      ++refused_[server::errno_name(o.open_errno)];
    else
      ++accepted_;
  }

  // Reports a finding (or a deliberate --save) and saves the map.
  void record(const server::SavedFmap& map, const std::optional<server::Finding>& finding,
              const fuse::FmapVerdict& v, bool asked) {
    if (finding) {
      ++findings_;
      ++finding_kinds_[finding->kind];
      std::set<std::string> rules;  // each rule once per finding
      for (const auto& p : v.problems) rules.insert(server::rule_of(p));
      if (v.problems.empty())  // a valid map: what went wrong, and where ("wrong-data: across an extent end")
        rules.insert(finding->kind + (finding->detail.empty() ? "" : ": " + finding->detail));
      for (const auto& r : rules) ++finding_rules_[r];
      if (findings_ <= kFindingLines)
        out_ << "fuzz-open: FINDING " << server::saved_fmap_name(map.seed, map.index) << " (" << finding->kind
             << "): " << finding->text << " [" << map.recipe << "]"
             << (v.problems.size() > 1 ? " {" + server::all_problems(v) + "}" : "") << std::endl;
    }
    if (a_.save_dir.empty() || (!asked && saved_.size() >= a_.max_saved)) return;
    const std::string name = server::saved_fmap_name(map.seed, map.index) + ".fmap";
    const std::string text = server::encode_saved_fmap(map);
    std::filesystem::create_directories(a_.save_dir);
    write_small_file(std::filesystem::path(a_.save_dir) / name, text);
    saved_.push_back(name);
    out_ << "fuzz-open: saved " << (std::filesystem::path(a_.save_dir) / name).string()
         << (asked ? " (asked for)" : "") << std::endl;
    if (a_.artifacts) out_ << artifact_block(name, text) << std::flush;
  }

  nlohmann::json summary() const {
    return {{"maps", maps_},
            {"accepted", accepted_},
            {"refused", refused_},
            {"valid_by_rules", valid_},
            {"findings", findings_},
            {"finding_kinds", finding_kinds_},
            {"finding_rules", finding_rules_},
            {"saved", saved_}};
  }
  uint64_t findings() const { return findings_; }

 private:
  const FuzzOpenArgs& a_;
  std::ostream& out_;
  uint64_t maps_ = 0, valid_ = 0, accepted_ = 0, findings_ = 0;
  std::map<std::string, uint64_t> refused_, finding_kinds_, finding_rules_;
  std::vector<std::string> saved_;
};

// FNV-1a of the reply: lets a test match a replayed map with a saved file.
uint64_t fnv64(const std::vector<uint8_t>& bytes) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t b : bytes) h = (h ^ b) * 1099511628211ull;
  return h;
}

uint64_t file_size_of(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    throw Error(path + ": " + std::strerror(errno) +
                " (is this a famfs mount with --fuzz-fmap/--replay-fmap?)");
  return static_cast<uint64_t>(st.st_size);
}

// A map the rules accept is read across its seams and compared with the
// device (nothing to do without a device oracle or for other maps).
std::function<std::string(int)> seam_check(const DeviceOracle* oracle, const fuse::FmapVerdict& v,
                                           const std::vector<uint8_t>& reply, uint64_t size) {
  if (!oracle || !v.valid()) return {};
  return [oracle, &reply, size](int fd) {
    auto m = fuse::decode_fmap(reply);
    return m.message ? oracle->check(fd, *m.message, size) : "the rules accept a reply that does not decode";
  };
}

std::unique_ptr<DeviceOracle> device_oracle(const FuzzOpenArgs& a, std::ostream& out) {
  if (!a.data_check || a.device.empty()) return nullptr;
  auto oracle = std::make_unique<DeviceOracle>(a.device);
  uint64_t pages = oracle->tag();
  out << "fuzz-open: tagged " << pages << " pages of " << a.device << " from " << oracle->data_offset()
      << " on" << std::endl;
  return oracle;
}

int replay(const FuzzOpenArgs& a, std::ostream& out) {
  KernelLog klog;
  Run run(a, out);
  std::unique_ptr<DeviceOracle> oracle = device_oracle(a, out);
  for (const auto& file : a.replay) {
    server::SavedFmap map = server::read_saved_fmap(file);
    auto abi = fuse::parse_abi_generation(map.abi);
    if (!abi) throw Error(file + ": abi '" + map.abi + "' is not rfc-v2 or v3");
    const std::string path = a.mountpoint + "/" + server::replay_name(file);
    uint64_t size = file_size_of(path);
    if (size != map.file_size)
      throw Error(path + " is " + std::to_string(size) + " bytes, the saved map says " +
                  std::to_string(map.file_size) + ": not served from " + file);
    if (!a.device.empty() && device_size(a.device) != map.device_size)
      out << "fuzz-open: note: " << a.device << " is " << device_size(a.device)
          << " bytes, the map was saved for " << map.device_size << std::endl;
    fuse::FmapVerdict v = fuse::check_fmap(
        map.reply, fuse::FmapContext{&fuse::famfs_abi(*abi), map.file_size, {{0, map.device_size}}});
    PhaseTimes times;
    OpenOutcome o =
        open_and_read(path, size, klog, times, nullptr, seam_check(oracle.get(), v, map.reply, size));
    auto finding = server::judge_open(v, o);
    run.count(v, o);
    out << "fuzz-open: replay " << server::replay_name(file) << " (" << map.reply.size() << " bytes, fnv64 "
        << std::hex << fnv64(map.reply) << std::dec << "): kernel " << server::outcome_text(o) << "; rules "
        << server::verdict_text(v) << ": " << (finding ? "FINDING " + finding->kind : std::string("agree"))
        << std::endl;
    if (finding) run.record(map, finding, v, false);
  }
  out << "fuzz-open: " << run.summary().dump() << std::endl;
  return run.findings() ? 1 : 0;
}

}  // namespace

std::string artifact_block(const std::string& name, const std::string& text) {
  std::string body = text;
  if (!body.empty() && body.back() != '\n') body += '\n';
  return "famlab-artifact-begin " + name + "\n" + body + "famlab-artifact-end " + name + "\n";
}

int fuzz_open_command(const FuzzOpenArgs& a, std::ostream& out) {
  if (!a.replay.empty()) return replay(a, out);
  if (!a.seed) throw Error("fuzz-open: give --seed SEED (as the mount's --fuzz-fmap) or --replay FILE");
  if (a.count == 0) throw Error("fuzz-open: --count must be at least 1");
  if (a.device.empty()) throw Error("fuzz-open: --device DEVICE (the mount's device) is needed for the maps");
  auto abi = fuse::parse_abi_generation(a.abi);
  if (!abi) throw Error("--abi: '" + a.abi + "' is not rfc-v2 or v3");
  const server::FuzzSetup setup{*a.seed, &fuse::famfs_abi(*abi), device_size(a.device)};
  const std::set<uint64_t> save(a.save.begin(), a.save.end());

  KernelLog klog;
  Run run(a, out);
  std::unique_ptr<DeviceOracle> oracle = device_oracle(a, out);
  // The leak check's baseline comes after a warm-up, so that slab caches
  // grown to their working size are not taken for a leak.
  const uint64_t warmup = a.leak_check ? std::min(a.leak_warmup, a.count / 2) : 0;
  std::optional<uint64_t> before_kb;
  nlohmann::json trace = nlohmann::json::array();  // [maps done, settled SUnreclaim kB]
  auto baseline = [&] {
    if (kmemleak_available()) kmemleak_clear();
    before_kb = settled_unreclaimable_kb();
    trace.push_back({warmup, *before_kb});
  };
  if (a.leak_check && warmup == 0) baseline();
  std::vector<UniqueFd> held;  // --hold-open: files kept open until the leak check is done
  auto done_warmup = [&](uint64_t i) { return i - a.first >= warmup; };
  const std::string what = "seed " + std::to_string(*a.seed) + " maps " + std::to_string(a.first) + ".." +
                           std::to_string(a.first + a.count - 1);
  out << "fuzz-open: " << what << " on " << a.mountpoint << " (device " << setup.device_size << " bytes"
      << (klog.available() ? "" : ", no /dev/kmsg: splats are left to the host") << ")" << std::endl;
  klog.mark("famfs fuzz-open: " + what + " begin");
  const auto t0 = std::chrono::steady_clock::now();
  PhaseTimes times;
  for (uint64_t i = a.first; i < a.first + a.count; ++i) {
    auto t = Clock::now();
    server::FuzzCase c = server::fuzz_case(setup, i);
    const std::string path = a.mountpoint + "/fmap-" + std::to_string(i);
    times.make += seconds_since(t);
    uint64_t size = file_size_of(path);
    times.stat += seconds_since(t);
    if (size != c.file_size)
      throw Error(path + " is " + std::to_string(size) + " bytes but map " + std::to_string(i) + " of seed " +
                  std::to_string(*a.seed) + " is for " + std::to_string(c.file_size) +
                  ": the mount serves another seed or device");
    fuse::FmapVerdict v = fuse::check_fmap(c.reply, server::fuzz_context(setup, c));
    times.make += seconds_since(t);
    OpenOutcome o = open_and_read(path, size, klog, times, a.hold_open && done_warmup(i) ? &held : nullptr,
                                  seam_check(oracle.get(), v, c.reply, size));
    run.count(v, o);
    auto finding = server::judge_open(v, o);
    if (finding || save.count(i)) {
      server::SavedFmap map{*a.seed,
                            i,
                            a.abi,
                            c.file_size,
                            setup.device_size,
                            c.recipe,
                            "kernel: " + server::outcome_text(o) + "; rules: " + server::verdict_text(v),
                            c.reply};
      run.record(map, finding, v, save.count(i) > 0);
    }
    const uint64_t done = i - a.first + 1;
    t = Clock::now();
    if (a.leak_check && done == warmup) baseline();
    if (a.progress && done % a.progress == 0 && done < a.count) {
      if (before_kb && done > warmup) trace.push_back({done, settled_unreclaimable_kb()});
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      out << "fuzz-open: " << done << "/" << a.count << " maps, "
          << static_cast<uint64_t>(static_cast<double>(done) / s) << " maps/s, findings " << run.findings()
          << std::endl;
      klog.mark("famfs fuzz-open: seed " + std::to_string(*a.seed) + " done up to map " + std::to_string(i));
    }
    times.leak_check += seconds_since(t);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  klog.mark("famfs fuzz-open: " + what + " end");

  nlohmann::json s = run.summary();
  s["seed"] = *a.seed;
  s["first"] = a.first;
  s["seconds"] = seconds;
  s["maps_per_second"] = seconds > 0 ? static_cast<double>(a.count) / seconds : 0.0;
  s["time_split"] = {{"make", times.make},
                     {"stat", times.stat},
                     {"open", times.open},
                     {"read_close", times.read_close},
                     {"leak_check", times.leak_check}};
  bool leaked = false;
  if (before_kb) {
    uint64_t after_kb = settled_unreclaimable_kb();
    trace.push_back({a.count, after_kb});
    uint64_t budget = a.leak_budget_kb + (a.count - warmup) * a.leak_budget_bytes_per_map / 1024;
    int64_t delta = static_cast<int64_t>(after_kb) - static_cast<int64_t>(*before_kb);
    bool slab_grew = delta > static_cast<int64_t>(budget);
    s["leak_check"] = {{"warmup_maps", warmup},
                       {"sunreclaim_before_kb", *before_kb},
                       {"sunreclaim_after_kb", after_kb},
                       {"delta_kb", delta},
                       {"budget_kb", budget},
                       {"trace", trace}};
    if (kmemleak_available()) {
      // A debug kernel: KASAN's quarantine holds freed objects for a while,
      // so the slab counters say little there; kmemleak decides. Objects
      // younger than its minimum age (5 s) are not reported yet: wait.
      sleep(6);
      std::string report = kmemleak_scan();
      leaked = report.find("unreferenced object") != std::string::npos;
      s["leak_check"]["method"] = "kmemleak";
      s["leak_check"]["kmemleak"] = leaked ? report.substr(0, 4000) : "none";
    } else {
      leaked = slab_grew;
      s["leak_check"]["method"] = "sunreclaim";
    }
    s["leak_check"]["ok"] = !leaked;
  }
  if (a.hold_open) s["held_open"] = held.size();
  held.clear();
  out << "fuzz-open: " << s.dump() << std::endl;
  return run.findings() || leaked ? 1 : 0;
}

}  // namespace famlab::famfs::cli
