#pragma once
// Test helper: a miniature sysfs/dev tree in a temp dir, laid out like the
// kernel's (real device directories under sys/devices, bus entries as
// symlinks to them), so the object model runs against it unchanged.
// Attribute files are plain files: a write just replaces the content.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/agent/sysfs.h"

namespace famlab::agent::fake {

class FakeSysfs {
 public:
  FakeSysfs();
  ~FakeSysfs();
  FakeSysfs(const FakeSysfs&) = delete;
  FakeSysfs& operator=(const FakeSysfs&) = delete;

  SystemRoots roots() const { return {sys_, dev_}; }
  const std::filesystem::path& sys() const { return sys_; }
  const std::filesystem::path& dev() const { return dev_; }

  // root0 with downstream port `uid` -> sys/devices/<pci_name>.
  void add_host_bridge(int uid, const std::string& pci_name);
  // decoder0.<window> over host bridges `uids` (positions in this order).
  void add_root_decoder(int window, const std::vector<int>& uids, uint32_t granularity);
  // memN below host bridge `pci_name` (at PCI function `bdf`), with an
  // endpoint port `endpoint_id` that has `decoders` free decoders.
  void add_memdev(const std::string& name, uint64_t serial, uint64_t ram_size, const std::string& pci_name,
                  const std::string& bdf, int endpoint_id, int decoders = 4);
  // What create_ram_region will offer next: a region directory below the
  // root decoder, with empty attributes.
  void prepare_region(int window, const std::string& name, uint64_t resource);
  // daxN.M below `parent_real` (a region's real dir), bound to `driver`
  // ("" = unbound); devdax also gets its /dev node.
  void add_dax(const std::filesystem::path& parent_real, const std::string& name, uint64_t size,
               const std::string& driver);
  void set_dax_driver(const std::string& name, const std::string& driver);
  // Another dax driver directory (famfs_dax exists on famfs kernels only).
  void add_dax_driver(const std::string& driver);
  // A memmap namespace (nd_e820): namespace<id>.0 at `start`, raw.
  void add_pmem_namespace(int region_id, uint64_t start, uint64_t size);

  // The real directory of a bus device ("region0", "decoder3.0").
  std::filesystem::path real(const std::string& cxl_device) const;
  std::string read(const std::filesystem::path& p) const;
  void write(const std::filesystem::path& p, const std::string& value) const;

 private:
  void bus_link(const std::string& bus, const std::filesystem::path& real_dir) const;

  std::filesystem::path base_, sys_, dev_;
  std::filesystem::path root_port_;  // real dir of root0
};

}  // namespace famlab::agent::fake
