#include "lab/report/results.h"

namespace famlab::report {

const char* to_string(Status s) {
  switch (s) {
    case Status::Passed:
      return "passed";
    case Status::Failed:
      return "failed";
    case Status::Error:
      return "error";
    case Status::Skipped:
      return "skipped";
  }
  return "?";
}

int RunResult::exit_code() const {
  int code = 0;
  for (const auto& s : scenarios) {
    if (s.status == Status::Error) return 2;
    if (s.status == Status::Failed) code = 1;
  }
  return code;
}

}  // namespace famlab::report
