#include "lab/runner/leak_check.h"

#include <sstream>

#include "lab/report/splat_frames.h"

namespace famlab::runner {
namespace {

using report::Status;

constexpr const char* kKmemleak = "/sys/kernel/debug/kmemleak";
// Exit codes of the guest commands below.
constexpr int kNoKmemleak = 10;   // the kernel has none
constexpr int kKmemleakOff = 11;  // it refused a command: turned off

std::string prelude() {
  std::ostringstream s;
  s << "k=" << kKmemleak << "\n"
    << "[ -e $k ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null\n"
    << "[ -e $k ] || exit " << kNoKmemleak << "\n";
  return s.str();
}

std::string scan() { return "echo scan > $k || exit " + std::to_string(kKmemleakOff) + "\n"; }

// Runs `script` and turns what went wrong around it (VM gone, no kmemleak,
// kmemleak off) into the step's status. True when the caller should judge
// the output.
bool run_script(vm::GuestSession& session, const std::string& script, const KmemleakOptions& opts,
                report::StepResult& st) {
  protocol::Request req;
  req.op = protocol::Op::Exec;
  req.shell = script;
  req.timeout_s = opts.timeout_s;
  vm::CallResult call = session.call(req, opts.timeout_s + 15);
  st.seconds = call.seconds;
  // kmemleak's own "N new suspected memory leaks" line is what this step
  // is about (the records come from its report); other splats count.
  for (const auto& s : call.splats)
    if (s.kind != "kmemleak") st.splats.push_back({s.kind, s.title, s.text});
  if (call.outcome != vm::Outcome::Finished) {
    st.status = call.outcome == vm::Outcome::Interrupted ? Status::Error : Status::Failed;
    st.message = std::string(vm::to_string(call.outcome)) + ": " + call.detail;
    return false;
  }
  if (!call.finished.ok) {
    st.status = Status::Error;
    st.message =
        "kmemleak: " + (call.finished.error.empty() ? "the agent reported failure" : call.finished.error);
    return false;
  }
  int code = call.finished.exit_code;
  if (code == kNoKmemleak) {
    st.status = Status::Skipped;
    st.message = "the kernel has no kmemleak (CONFIG_DEBUG_KMEMLEAK; --debug kernels have it)";
    return false;
  }
  if (code != 0) {
    st.status = Status::Error;
    st.message = code == kKmemleakOff
                     ? "kmemleak is off: it refused a scan (it turns itself off after an internal error; see "
                       "dmesg.log)"
                     : "kmemleak command exited " + std::to_string(code) + ": " + call.output;
    st.output = call.output;
    return false;
  }
  st.output = call.output;
  st.status = Status::Passed;
  if (!st.splats.empty()) {
    st.status = Status::Failed;
    st.message = "kernel " + st.splats.front().kind + " during the kmemleak scan: " + st.splats.front().title;
    return false;
  }
  return true;
}

}  // namespace

report::StepResult kmemleak_baseline(vm::GuestSession& session, const KmemleakOptions& opts) {
  report::StepResult st;
  st.name = "kmemleak-baseline";
  st.action = "kmemleak";
  // Quietly: what boot and bring-up left is forgotten, not logged. Two
  // scans, since a scan reports only what a previous one also found
  // unreferenced and unchanged; `clear` forgets only what was reported.
  std::string script = prelude() + "v=/sys/module/kmemleak/parameters/verbose\n" +
                       "[ -w $v ] && echo 0 > $v\n" + scan() + scan() + "echo clear > $k || exit " +
                       std::to_string(kKmemleakOff) + "\n" + "[ -w $v ] && echo 1 > $v\n" + "exit 0\n";
  run_script(session, script, opts, st);
  st.output.clear();
  return st;
}

report::StepResult kmemleak_check(vm::GuestSession& session, const KmemleakOptions& opts) {
  report::StepResult st;
  st.name = "kmemleak";
  st.action = "kmemleak";
  std::ostringstream script;
  // The first scan records every object's checksum, the second (objects
  // at least 5 s old by then) reports those still unreferenced and unchanged.
  // A scan under TCG takes longer than the settle time itself: sleep only
  // what is left of it after the first scan.
  int settle = static_cast<int>(opts.settle_s + 0.999);
  script << prelude() << "t0=$(cut -d. -f1 /proc/uptime)\n"
         << scan() << "t1=$(cut -d. -f1 /proc/uptime)\n"
         << "[ $((t1 - t0)) -lt " << settle << " ] && sleep $((" << settle << " - (t1 - t0)))\n"
         << scan() << "cat $k\n";
  if (!run_script(session, script.str(), opts, st)) return st;

  std::vector<KmemleakRecord> records = parse_kmemleak_report(session.symbolize(st.output));
  st.data = {{"leaks", records.size()}};
  if (records.empty()) {
    st.output.clear();
    return st;
  }
  for (size_t i = 0; i < records.size() && i < opts.max_splats; ++i)
    st.splats.push_back(kmemleak_splat(records[i]));
  st.output.clear();
  for (const auto& r : records) st.output += r.text;
  st.status = Status::Failed;
  st.message = "kmemleak: " + std::to_string(records.size()) + " unreferenced object" +
               (records.size() == 1 ? "" : "s") + " after the scenario; first: " + st.splats.front().title;
  return st;
}

std::vector<KmemleakRecord> parse_kmemleak_report(const std::string& text) {
  std::vector<KmemleakRecord> out;
  std::istringstream in(text);
  std::string line;
  const std::string start = "unreferenced object ";
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(start, 0) == 0) {
      KmemleakRecord r;
      r.object = line.substr(start.size());
      if (!r.object.empty() && r.object.back() == ':') r.object.pop_back();
      out.push_back(std::move(r));
    }
    if (out.empty()) continue;  // before the first record: not kmemleak's
    KmemleakRecord& r = out.back();
    r.text += line + "\n";
    if (size_t c = line.find("comm \""); c != std::string::npos && r.comm.empty()) {
      size_t q = line.find('"', c + 6);
      size_t pid = line.find("pid ", q);
      r.comm = line.substr(c + 6, q == std::string::npos ? std::string::npos : q - (c + 6));
      if (pid != std::string::npos)
        r.comm += " (pid " + line.substr(pid + 4, line.find(',', pid) - (pid + 4)) + ")";
    }
  }
  return out;
}

report::KernelSplat kmemleak_splat(const KmemleakRecord& record) {
  report::KernelSplat s{"kmemleak", "", record.text};
  std::string title = "unreferenced object " + record.object;
  if (!record.comm.empty()) title += ", allocated by " + record.comm;
  auto frames = report::key_frames(s, 1);
  if (!frames.empty()) title += " at " + report::frame_text(frames[0]);
  s.title = title;
  return s;
}

}  // namespace famlab::runner
