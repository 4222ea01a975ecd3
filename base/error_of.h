#pragma once
// For tests: the message of the famlab::Error that `f` throws, or "" when
// it throws none (any other exception goes through).
#include <functional>
#include <string>

#include "base/error.h"

namespace famlab {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace famlab
