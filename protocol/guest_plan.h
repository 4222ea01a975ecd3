#pragma once
// What the agent must build and what it must then find. Derived from the
// topology on the host (lab/plan), sent in the Bringup request, checked by
// the agent against sysfs. Devices are named by serial number: memN names in
// the guest depend on probe order and are not stable.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace famlab::protocol {

struct PlannedMemdev {
  std::string id;          // topology id, e.g. "mem0"
  uint64_t serial = 0;     // cxl-type3 sn=, /sys/bus/cxl/devices/memN/serial
  uint64_t ram_size = 0;   // volatile capacity
  uint64_t pmem_size = 0;  // persistent capacity
};

struct PlannedRegion {
  int index = 0;                  // topology region index
  int window = 0;                 // CFMWS index -> root decoder decoder0.<window>
  std::string type = "ram";       // "ram" | "pmem"
  std::vector<uint64_t> targets;  // memdev serials in interleave position order
  uint32_t granularity = 4096;
  uint64_t size = 0;            // region size = ways * per-device share
  std::string mode = "devdax";  // what the region must end as
};

// memmap=SIZE!START emulated pmem, turned into a devdax namespace.
struct PlannedPmem {
  uint64_t start = 0;
  uint64_t size = 0;
  uint64_t align = 2 << 20;
};

struct GuestPlan {
  std::vector<std::string> modules;  // modprobe'd in order (modular kernels)
  std::vector<PlannedMemdev> memdevs;
  std::vector<PlannedRegion> regions;
  std::vector<PlannedPmem> pmem;
};

void to_json(nlohmann::json& j, const PlannedMemdev& v);
void from_json(const nlohmann::json& j, PlannedMemdev& v);
void to_json(nlohmann::json& j, const PlannedRegion& v);
void from_json(const nlohmann::json& j, PlannedRegion& v);
void to_json(nlohmann::json& j, const PlannedPmem& v);
void from_json(const nlohmann::json& j, PlannedPmem& v);
void to_json(nlohmann::json& j, const GuestPlan& v);
void from_json(const nlohmann::json& j, GuestPlan& v);

}  // namespace famlab::protocol
