#include "lab/vm/splat_detector.h"

#include <regex>

namespace famlab::vm {
namespace {

struct Trigger {
  const char* needle;
  const char* kind;
};

// Order matters: the first match names the kind. lockdep's reports all
// start with "WARNING:", so they come before the plain WARNING.
constexpr Trigger kTriggers[] = {
    {"Kernel panic - not syncing", "panic"},
    {"WARNING: possible circular locking dependency", "lockdep"},
    {"WARNING: possible recursive locking", "lockdep"},
    {"WARNING: possible irq lock inversion dependency", "lockdep"},
    {"-unsafe lock order detected", "lockdep"},
    {"WARNING: inconsistent lock state", "lockdep"},
    {"WARNING: bad unlock balance detected", "lockdep"},
    {"WARNING: held lock freed", "lockdep"},
    {"WARNING: lock held when returning to user space", "lockdep"},
    {"WARNING: Nested lock was not taken", "lockdep"},
    {"WARNING: bad contention detected", "lockdep"},
    {"WARNING: chain_key collision", "lockdep"},
    {"still has locks held!", "lockdep"},
    {"WARNING: suspicious RCU usage", "lockdep"},
    {"WARNING:", "WARNING"},
    {"BUG: KASAN:", "KASAN"},
    {"BUG: KFENCE:", "KFENCE"},
    {"UBSAN:", "UBSAN"},
    {"kernel BUG at", "BUG"},
    {"BUG:", "BUG"},
    {"Oops:", "Oops"},
    {"general protection fault", "Oops"},
    {"INFO: task ", "hung-task"},
    {"Unable to handle kernel", "Oops"},
    // A kmemleak scan found leaks. The debug kernels boot with
    // kmemleak.verbose=1, so each leak is also in the log as a record
    // (lab/runner/leak_check reads /sys/kernel/debug/kmemleak instead).
    {"kmemleak: unreferenced object", "kmemleak"},
    {"new suspected memory leak", "kmemleak"},
    {"------------[ cut here ]------------", "WARNING"},
    {"Call Trace:", "trace"},
};

// A splat's block ends at the kernel's end marker for its kind, or after
// this many lines (sanitizer reports carry several stacks).
constexpr const char* kEndMarker = "---[ end trace";
int max_lines(const std::string& kind) {
  if (kind == "lockdep") return 300;
  if (kind == "KASAN" || kind == "KFENCE") return 200;
  return 80;
}

// A kmemleak record's lines after the first are indented under the
// "kmemleak: " prefix; its summary line is a block of its own.
bool is_kmemleak_record(const std::string& title) {
  return title.find("unreferenced object") != std::string::npos;
}
bool continues_kmemleak_record(const std::string& line) { return line.rfind("kmemleak:  ", 0) == 0; }

// KASAN and KFENCE close their report with a line of '='.
bool is_rule(const std::string& line) {
  return line.size() >= 20 && line.find_first_not_of('=') == std::string::npos;
}

bool starts_splat(const std::string& line, const char** kind) {
  for (const auto& t : kTriggers) {
    if (line.find(t.needle) != std::string::npos) {
      *kind = t.kind;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string normalize_log_line(const std::string& raw) {
  std::string line;
  line.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\x1b') {  // CSI ... final byte, or a two-byte escape
      if (i + 1 < raw.size() && raw[i + 1] == '[') {
        i += 2;
        while (i < raw.size() && !(raw[i] >= '@' && raw[i] <= '~')) ++i;
      } else {
        ++i;
      }
      continue;
    }
    if (c == '\r') continue;
    line += c;
  }
  static const std::regex ts(R"(^\s*\[\s*\d+\.\d+\]\s?)");
  return std::regex_replace(line, ts, "", std::regex_constants::format_first_only);
}

void SplatDetector::feed(const std::string& raw) {
  std::string line = normalize_log_line(raw);
  const char* kind = nullptr;
  bool trigger = starts_splat(line, &kind);
  if (current_ && current_->kind == "kmemleak" && !continues_kmemleak_record(line)) finish_current();

  if (current_) {
    // "cut here" is followed by the WARNING line that names the splat.
    if (trigger && current_->title.find("cut here") != std::string::npos && std::string(kind) != "trace") {
      current_->kind = kind;
      current_->title = line;
    } else if (trigger && std::string(kind) != "trace" && std::string(kind) != current_->kind &&
               std::string(kind) == "panic") {
      // A panic ends whatever it interrupted and starts its own block.
      finish_current();
    } else {
      current_->text += line + "\n";
      if (ends_current(line) || ++lines_in_current_ >= max_lines(current_->kind)) finish_current();
      return;
    }
    if (current_) {
      current_->text += line + "\n";
      return;
    }
  }
  if (!trigger) return;
  current_ = Splat{kind, line, line + "\n"};
  lines_in_current_ = 1;
  saw_backtrace_ = false;
  if (std::string(kind) == "panic") {
    panicked_ = true;
    if (panic_text_.empty()) panic_text_ = line;
  }
  if (std::string(kind) == "kmemleak" && !is_kmemleak_record(line)) finish_current();
}

bool SplatDetector::ends_current(const std::string& line) {
  if (line.find(kEndMarker) != std::string::npos) return true;
  const std::string& kind = current_->kind;
  if ((kind == "KASAN" || kind == "KFENCE") && is_rule(line)) return true;
  // lockdep prints the stacks of each dependency, then "stack backtrace:"
  // and the current task's trace, which closes the report.
  if (kind == "lockdep") {
    if (line.find("stack backtrace:") != std::string::npos) saw_backtrace_ = true;
    return saw_backtrace_ && line.find("</TASK>") != std::string::npos;
  }
  return false;
}

void SplatDetector::finish_current() {
  if (current_) done_.push_back(std::move(*current_));
  current_.reset();
  lines_in_current_ = 0;
}

std::vector<Splat> SplatDetector::take() {
  std::vector<Splat> out;
  out.swap(done_);
  return out;
}

std::vector<Splat> SplatDetector::flush() {
  finish_current();
  return take();
}

}  // namespace famlab::vm
