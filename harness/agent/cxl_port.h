#pragma once
// A CXL port: root0 (the ACPI0017 root), portN (host bridges, switches) or
// endpointN (one per memdev). /sys/bus/cxl/devices/<name>.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/agent/decoder.h"
#include "harness/agent/memdev.h"

namespace famlab::agent {

class CxlPort {
 public:
  CxlPort(std::filesystem::path sys, std::string name);

  const std::string& name() const { return name_; }
  std::filesystem::path dir() const;
  int id() const;  // the P in its decoders' names decoderP.N
  // The device this port stands for (a host bridge, a memdev).
  std::string uport_name() const;
  // Its decoders, decoderP.0 first.
  std::vector<Decoder> decoders() const;
  // Endpoint ports: the lowest decoder that holds no DPA and no region.
  // Decoders must be used in order, so this is the one to program next.
  std::optional<Decoder> first_free_decoder() const;
  // Root port: the device behind downstream port `id` (a host bridge such
  // as pci0000:0c), resolved to its /sys/devices path.
  std::optional<std::filesystem::path> dport_device(int id) const;

  // The endpoint port whose uport is `memdev`.
  static std::optional<CxlPort> endpoint_of(const std::filesystem::path& sys, const Memdev& memdev);

 private:
  std::filesystem::path sys_;
  std::string name_;
};

}  // namespace famlab::agent
