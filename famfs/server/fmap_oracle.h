#pragma once
// What a kernel did with one GET_FMAP reply, judged against the map rules
// (fmap_rules.h): a map the rules call invalid must be refused with one of
// the errnos they allow, a valid one must open and read, and nothing may
// make the kernel complain. Anything else is a finding.
#include <optional>
#include <string>

#include "famfs/fuse/fmap_rules.h"

namespace famlab::famfs::server {

struct OpenOutcome {
  int open_errno = 0;          // 0: the open succeeded
  int read_errno = 0;          // opened: the first or last byte could not be read
  std::string kernel_trouble;  // a WARN/BUG/Oops/KASAN/... line the kernel logged meanwhile
  std::string data_problem;    // opened and readable, but bytes came from elsewhere than the map says
};

struct Finding {
  std::string
      kind;  // accepted-invalid | refused-valid | wrong-errno | unreadable | wrong-data | kernel-trouble
  std::string text;  // one line: what the kernel did, what the rules say
  // For wrong-data, where the difference was ("across an extent end", ...).
  std::string detail;
};

std::optional<Finding> judge_open(const fuse::FmapVerdict& verdict, const OpenOutcome& outcome);

// "opened", "opened, read failed with EIO" or "EINVAL".
std::string outcome_text(const OpenOutcome& outcome);
// "valid" or "EINVAL: first problem (+2 more)".
std::string verdict_text(const fuse::FmapVerdict& verdict);
// Every problem, " | " between them ("" when valid).
std::string all_problems(const fuse::FmapVerdict& verdict);
// A problem without its numbers ("header reserved0 is #"): findings
// counted by the rule the kernel and the rules disagree on.
std::string rule_of(const std::string& problem);
// EINVAL, ENODEV, ... ("errno 1234" for unknown numbers).
std::string errno_name(int e);

// True for a kernel log line that is a splat (WARN, BUG, Oops, KASAN,
// UBSAN, lockdep, a general protection fault).
bool is_kernel_trouble(const std::string& line);

}  // namespace famlab::famfs::server
