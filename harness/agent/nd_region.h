#pragma once
// An NVDIMM region: /sys/bus/nd/devices/regionN. A CXL pmem region and a
// memmap= range each become one; its namespaces are namespaceN.M.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/agent/nd_namespace.h"

namespace famlab::agent {

class NdRegion {
 public:
  NdRegion(std::filesystem::path sys, std::string name);

  const std::string& name() const { return name_; }
  std::filesystem::path dir() const;
  std::optional<uint64_t> resource() const;
  std::vector<NdNamespace> namespaces() const;

  // The nd region that starts at physical address `start`.
  static std::optional<NdRegion> at(const std::filesystem::path& sys, uint64_t start);

 private:
  std::filesystem::path sys_;
  std::string name_;
};

}  // namespace famlab::agent
