#pragma once
// kmemleak around a scenario, on kernels that have it (the debug flavour).
// kmemleak reports objects nothing points to any more, but early boot and
// bring-up leave some it cannot tell from leaks, and it only reports an
// object older than 5 s that a scan found unreferenced and unchanged since
// the scan before. So: a baseline after bring-up (two scans, then forget
// everything found so far), and after the scenario's last step, before
// shutdown, two scans a settle time apart and the report read back.
//
// Both run a shell command through the agent (an Exec request) and return
// a step the runner adds to the scenario's steps ("kmemleak-baseline",
// "kmemleak"). A leak fails the "kmemleak" step, each leak a splat of kind
// "kmemleak" whose backtrace is symbolized; a kernel without kmemleak skips
// both.
#include <string>
#include <vector>

#include "lab/report/results.h"
#include "lab/vm/guest_session.h"

namespace famlab::runner {

struct KmemleakOptions {
  double settle_s = 6;     // from the first final scan's start to the second; kmemleak's minimum age is 5 s
  double timeout_s = 300;  // a scan walks all memory: slow under TCG with KASAN
  size_t max_splats = 20;  // leaks listed one by one; the rest are counted
};

// After bring-up: scan twice and `clear` (every leak reported so far is
// forgotten), with kmemleak.verbose off meanwhile so the forgotten leaks do
// not reach the log as splats. Skipped without kmemleak; an error if
// kmemleak turned itself off (the check could not run).
report::StepResult kmemleak_baseline(vm::GuestSession& session, const KmemleakOptions& opts = {});

// After the last step, before shutdown: scan, settle, scan, read
// /sys/kernel/debug/kmemleak. Passed when it lists nothing; Failed with one
// splat per leak (symbolized) otherwise.
report::StepResult kmemleak_check(vm::GuestSession& session, const KmemleakOptions& opts = {});

// One record of /sys/kernel/debug/kmemleak ("unreferenced object 0x...").
struct KmemleakRecord {
  std::string object;  // "0xffff888005a4c300 (size 200)"
  std::string comm;    // the allocating task, "sh" (pid 97)
  std::string text;    // the whole record, backtrace included
};
std::vector<KmemleakRecord> parse_kmemleak_report(const std::string& text);

// A record as a report splat: kind "kmemleak", title naming the object
// and the frame that allocated it (the first outside the allocator).
report::KernelSplat kmemleak_splat(const KmemleakRecord& record);

}  // namespace famlab::runner
