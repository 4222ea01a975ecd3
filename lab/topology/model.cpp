#include "lab/topology/model.h"

namespace famlab::topology {

famlab::Location KeyLocations::of(const std::string& key) const {
  auto it = keys.find(key);
  return it == keys.end() ? table : it->second;
}

bool KeyLocations::reliable(const std::string& key) const {
  if (rejected.count(key)) return false;
  return keys.count(key) || !incomplete;
}

}  // namespace famlab::topology
