#include "lab/report/splat_frames.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string_view>

namespace famlab::report {
namespace {

// Functions that report a bug rather than have it.
constexpr std::string_view kMachinery[] = {
    "dump_stack",
    "__dump_stack",
    "show_stack",
    "print_report",
    "print_address_description",
    "kasan_",
    "__kasan",
    "____kasan",
    "__asan_",
    "kfence_",
    "ubsan_",
    "__ubsan_",
    "__warn",
    "warn_slowpath",
    "report_bug",
    "handle_bug",
    "exc_invalid_op",
    "asm_exc_",
    "lockdep_",
    "print_circular_bug",
    "check_noncircular",
    "check_prev_add",
    "validate_chain",
    "__lock_acquire",
    "lock_acquire",
    "__mutex_lock",
    "mutex_lock",
    "_raw_spin_lock",
    "down_",
    "kmemleak_",
    "__kmalloc",
    "kmalloc_",
    "__kmem_cache",
    "kmem_cache_",
    "slab_",
    "__slab",
    "stack_trace_save",
    "save_stack",
    "set_track",
    "__debug_check",
    "debug_check_",
    "print_lock",
    "print_usage",
    "mark_lock",
    "valid_state",
};

bool machinery(const std::string& function) {
  for (std::string_view m : kMachinery)
    if (std::string_view(function).starts_with(m)) return true;
  return false;
}

}  // namespace

std::vector<TraceFrame> splat_frames(const KernelSplat& splat) { return parse_trace_frames(splat.text); }

std::vector<TraceFrame> key_frames(const KernelSplat& splat, size_t n) {
  std::vector<TraceFrame> out;
  std::set<std::string> seen;
  for (auto& f : splat_frames(splat)) {
    if (out.size() >= n) break;
    if (!f.reliable || f.function.empty() || machinery(f.function) || !seen.insert(f.function).second)
      continue;
    out.push_back(std::move(f));
  }
  return out;
}

std::string frame_text(const TraceFrame& f) {
  std::string loc = location_text(f);
  std::string out = frame_symbol_text(f);
  if (!f.module.empty()) out += " [" + f.module + "]";
  return loc.empty() ? out : out + " (" + loc + ")";
}

nlohmann::json frame_json(const TraceFrame& f) {
  nlohmann::json j = {{"frame", frame_text(f)}, {"function", f.function}, {"reliable", f.reliable}};
  if (!f.function.empty()) {
    j["offset"] = f.offset;
    j["size"] = f.size;
  }
  if (f.address) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(f.address));
    j["address"] = buf;
  }
  if (!f.module.empty()) j["module"] = f.module;
  if (!f.file.empty()) {
    j["file"] = f.file;
    j["line"] = f.line;
    nlohmann::json inl = nlohmann::json::array();
    for (const auto& i : f.inlined)
      inl.push_back({{"function", i.function}, {"file", i.file}, {"line", i.line}});
    j["inlined"] = inl;
  }
  return j;
}

}  // namespace famlab::report
