#pragma once
// What the guest actually has after bringup, read back from sysfs, in the
// shape the host receives as the Bringup result.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/agent/dax_device.h"
#include "harness/agent/sysfs.h"

namespace famlab::agent {

struct DaxView {
  std::string name;  // dax0.0
  std::string path;  // /dev/dax0.0
  uint64_t size = 0;
  uint64_t align = 0;
  std::string mode;  // devdax | system-ram | unbound
  bool path_exists = false;
};

struct MemdevView {
  std::string name;
  uint64_t serial = 0;
  uint64_t ram_size = 0;
  uint64_t pmem_size = 0;
};

struct RegionView {
  int index = 0;     // the planned region it was built for
  std::string name;  // region0
  uint64_t size = 0;
  uint32_t ways = 0;
  uint32_t granularity = 0;
  uint64_t resource = 0;
  std::vector<std::string> targets;      // memdev names in position order
  std::vector<uint64_t> target_serials;  // the same, by serial
  std::optional<DaxView> dax;
};

struct PmemView {
  int index = 0;
  std::string ns;  // namespace0.0
  uint64_t start = 0;
  std::optional<DaxView> dax;
};

struct GuestView {
  std::vector<MemdevView> memdevs;
  std::vector<RegionView> regions;
  std::vector<PmemView> pmem;
};

DaxView read_dax_view(const DaxDevice& dax, const SystemRoots& roots);
// Region `name` built for planned region `index`. Throws Error.
RegionView read_region_view(const SystemRoots& roots, int index, const std::string& name);

// Every memdev, plus the regions and pmem namespaces bringup made, keyed by
// planned index. Throws Error when sysfs cannot be read.
GuestView read_guest_view(const SystemRoots& roots, const std::map<int, std::string>& regions,
                          const std::map<int, std::string>& pmem_namespaces);

nlohmann::json to_json(const DaxView& v);
nlohmann::json to_json(const GuestView& v);

}  // namespace famlab::agent
