#include "famfs/server/fmap_oracle.h"

#include <algorithm>
#include <cstring>

namespace famlab::famfs::server {

std::string errno_name(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : "errno " + std::to_string(e);
}

std::string outcome_text(const OpenOutcome& o) {
  if (o.open_errno) return errno_name(o.open_errno);
  return o.read_errno ? "opened, read failed with " + errno_name(o.read_errno) : "opened";
}

std::string verdict_text(const fuse::FmapVerdict& v) {
  if (v.valid()) return "valid";
  std::string errnos;
  for (int e : v.allowed_errnos()) errnos += (errnos.empty() ? "" : "|") + errno_name(e);
  std::string more = v.problems.size() > 1 ? " (+" + std::to_string(v.problems.size() - 1) + " more)" : "";
  return errnos + ": " + v.problems.front() + more;
}

std::string rule_of(const std::string& problem) {
  std::string out;
  for (char c : problem) {
    if (c >= '0' && c <= '9') {
      if (out.empty() || out.back() != '#') out += '#';
    } else {
      out += c;
    }
  }
  return out;
}

bool is_kernel_trouble(const std::string& line) {
  for (const char* marker : {"WARNING:", "BUG:", "Oops", "KASAN", "UBSAN", "general protection fault",
                             "possible circular locking", "Call Trace", "kernel BUG"})
    if (line.find(marker) != std::string::npos) return true;
  return false;
}

std::string all_problems(const fuse::FmapVerdict& v) {
  std::string s;
  for (const auto& p : v.problems) s += (s.empty() ? "" : " | ") + p;
  return s;
}

std::optional<Finding> judge_open(const fuse::FmapVerdict& v, const OpenOutcome& o) {
  const std::string seen = "kernel: " + outcome_text(o) + "; rules: " + verdict_text(v);
  if (!o.kernel_trouble.empty())
    return Finding{"kernel-trouble", seen + "; kernel log: " + o.kernel_trouble, ""};
  if (v.valid()) {
    if (o.open_errno) return Finding{"refused-valid", seen, ""};
    if (o.read_errno) return Finding{"unreadable", seen, ""};
    if (!o.data_problem.empty())
      return Finding{"wrong-data", seen + "; " + o.data_problem,
                     o.data_problem.substr(0, o.data_problem.find(':'))};
    return std::nullopt;
  }
  if (!o.open_errno) return Finding{"accepted-invalid", seen, ""};
  std::vector<int> allowed = v.allowed_errnos();
  if (std::find(allowed.begin(), allowed.end(), o.open_errno) == allowed.end())
    return Finding{"wrong-errno", seen, ""};
  return std::nullopt;
}

}  // namespace famlab::famfs::server
