#pragma once
// A CXL region: /sys/bus/cxl/devices/regionN, created from a root decoder
// and programmed attribute by attribute (the kernel's region ABI).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "harness/agent/dax_device.h"

namespace famlab::agent {

class Region {
 public:
  Region(std::filesystem::path sys, std::string name);

  const std::string& name() const { return name_; }
  std::filesystem::path dir() const;
  bool exists() const;

  uint64_t size() const;
  uint32_t interleave_ways() const;
  uint32_t interleave_granularity() const;
  uint64_t resource() const;
  std::string mode() const;  // "ram" | "pmem"
  bool committed() const;
  bool bound() const;  // the cxl_region driver has it
  // The endpoint decoder at interleave position i; "" when unset.
  std::string target(uint32_t i) const;

  void set_uuid(const std::string& uuid) const;  // pmem regions only
  void set_interleave_granularity(uint32_t bytes) const;
  void set_interleave_ways(uint32_t ways) const;
  void set_size(uint64_t bytes) const;
  void set_target(uint32_t i, const std::string& decoder) const;
  void commit() const;
  void uncommit() const;
  void bind() const;  // hands it to the cxl_region driver

  // The dax device the region's dax_region produced (ram regions).
  std::optional<DaxDevice> dax_device() const;

 private:
  std::filesystem::path sys_;
  std::string name_;
};

}  // namespace famlab::agent
