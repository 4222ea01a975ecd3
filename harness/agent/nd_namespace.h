#pragma once
// An NVDIMM namespace: /sys/bus/nd/devices/namespaceX.Y. memmap= pmem
// (nd_e820) shows up as one raw namespace per range; in devdax mode an
// nd_dax device claims it and carries the dax device.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/agent/dax_device.h"

namespace famlab::agent {

class NdNamespace {
 public:
  NdNamespace(std::filesystem::path sys, std::string name);

  const std::string& name() const { return name_; }
  std::filesystem::path dir() const;
  // Physical start; nullopt for an empty namespace (the kernel refuses to
  // show a resource then).
  std::optional<uint64_t> resource() const;
  uint64_t size() const;
  std::string mode() const;    // "raw", "memory" (fsdax), "dax", "safe"
  std::string holder() const;  // the claiming device ("dax0.0"), "" if none
  // The dax device below the namespace's nd_dax claim, when in dax mode.
  std::optional<DaxDevice> dax_device() const;

  static std::vector<NdNamespace> all(const std::filesystem::path& sys);
  static std::optional<NdNamespace> at(const std::filesystem::path& sys, uint64_t start);

 private:
  std::filesystem::path sys_;
  std::string name_;
};

}  // namespace famlab::agent
