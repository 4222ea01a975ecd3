#pragma once
// A CXL HDM decoder: /sys/bus/cxl/devices/decoderP.N, where P is the id of
// the port it belongs to. Root decoders (below root0) describe one CFMWS
// window each; endpoint decoders map a slice of a memdev's DPA into a
// region.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace famlab::agent {

class Decoder {
 public:
  explicit Decoder(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::string name() const;
  bool exists() const;
  // The port this decoder belongs to ("root0", "endpoint3"), from where the
  // kernel placed it in /sys/devices.
  std::string port_name() const;

  uint32_t interleave_ways() const;
  uint32_t interleave_granularity() const;
  // Root and switch decoders: dport ids in interleave position order.
  std::vector<int> target_list() const;

  // Endpoint decoders.
  std::string mode() const;  // "none", "ram", "pmem", ...
  uint64_t dpa_size() const;
  std::string region() const;  // "" when not part of a region
  bool is_free() const;        // no DPA allocated and no region
  void set_mode(const std::string& mode) const;
  void set_dpa_size(uint64_t bytes) const;

  // Root decoders: allocates a new region of `type` ("ram" or "pmem") and
  // returns its name.
  std::string create_region(const std::string& type) const;
  void delete_region(const std::string& region) const;

  // /sys/bus/cxl/devices/decoder<port>.<index>
  static Decoder named(const std::filesystem::path& sys, const std::string& name);

 private:
  std::filesystem::path dir_;
};

}  // namespace famlab::agent
