#include "harness/agent/fake_sysfs.h"

#include <stdlib.h>

#include <fstream>
#include <stdexcept>

namespace famlab::agent::fake {

namespace fs = std::filesystem;

FakeSysfs::FakeSysfs() {
  std::string tmpl = (fs::temp_directory_path() / "famlab-fake-sysfs-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  base_ = tmpl;
  sys_ = base_ / "sys";
  dev_ = base_ / "dev";
  fs::create_directories(dev_);
  for (const char* bus : {"bus/cxl/devices", "bus/cxl/drivers/cxl_region", "bus/dax/devices",
                          "bus/dax/drivers/device_dax", "bus/dax/drivers/kmem", "bus/nd/devices"})
    fs::create_directories(sys_ / bus);
  write(sys_ / "bus/cxl/drivers/cxl_region/bind", "");
  root_port_ = sys_ / "devices/platform/ACPI0017:00/root0";
  fs::create_directories(root_port_);
  bus_link("cxl", root_port_);
}

FakeSysfs::~FakeSysfs() {
  std::error_code ec;
  fs::remove_all(base_, ec);
}

void FakeSysfs::bus_link(const std::string& bus, const fs::path& real_dir) const {
  fs::create_directory_symlink(real_dir, sys_ / "bus" / bus / "devices" / real_dir.filename());
}

std::string FakeSysfs::read(const fs::path& p) const {
  std::ifstream in(p);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

void FakeSysfs::write(const fs::path& p, const std::string& value) const {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << value << "\n";
}

fs::path FakeSysfs::real(const std::string& cxl_device) const {
  return fs::canonical(sys_ / "bus/cxl/devices" / cxl_device);
}

void FakeSysfs::add_host_bridge(int uid, const std::string& pci_name) {
  fs::path hb = sys_ / "devices" / pci_name;
  fs::create_directories(hb);
  fs::create_directory_symlink(hb, root_port_ / ("dport" + std::to_string(uid)));
}

void FakeSysfs::add_root_decoder(int window, const std::vector<int>& uids, uint32_t granularity) {
  fs::path d = root_port_ / ("decoder0." + std::to_string(window));
  std::string list;
  for (int u : uids) list += (list.empty() ? "" : ",") + std::to_string(u);
  write(d / "target_list", list);
  write(d / "interleave_ways", std::to_string(uids.size()));
  write(d / "interleave_granularity", std::to_string(granularity));
  write(d / "cap_ram", "1");
  write(d / "cap_pmem", "1");
  write(d / "create_ram_region", "region0");
  write(d / "create_pmem_region", "region0");
  write(d / "delete_region", "");
  bus_link("cxl", d);
}

void FakeSysfs::add_memdev(const std::string& name, uint64_t serial, uint64_t ram_size,
                           const std::string& pci_name, const std::string& bdf, int endpoint_id,
                           int decoders) {
  fs::path m = sys_ / "devices" / pci_name / bdf / name;
  char hex[32];
  snprintf(hex, sizeof hex, "%#llx", static_cast<unsigned long long>(serial));
  write(m / "serial", hex);
  snprintf(hex, sizeof hex, "%#llx", static_cast<unsigned long long>(ram_size));
  write(m / "ram/size", hex);
  write(m / "pmem/size", "0x0");
  bus_link("cxl", m);

  fs::path ep =
      root_port_ / ("port" + std::to_string(endpoint_id + 100)) / ("endpoint" + std::to_string(endpoint_id));
  fs::create_directories(ep);
  fs::create_directory_symlink(m, ep / "uport");
  bus_link("cxl", ep);
  for (int i = 0; i < decoders; ++i) {
    fs::path d = ep / ("decoder" + std::to_string(endpoint_id) + "." + std::to_string(i));
    write(d / "mode", "none");
    write(d / "dpa_size", "0x0");
    write(d / "region", "");
    write(d / "interleave_ways", "1");
    write(d / "interleave_granularity", "256");
    bus_link("cxl", d);
  }
}

void FakeSysfs::prepare_region(int window, const std::string& name, uint64_t resource) {
  fs::path r = root_port_ / ("decoder0." + std::to_string(window)) / name;
  char hex[32];
  snprintf(hex, sizeof hex, "%#llx", static_cast<unsigned long long>(resource));
  write(r / "resource", hex);
  write(r / "commit", "0");
  write(r / "interleave_ways", "0");
  write(r / "interleave_granularity", "0");
  write(r / "size", "0x0");
  write(r / "mode", "ram");
  write(r / "uuid", "");
  for (int i = 0; i < 16; ++i) write(r / ("target" + std::to_string(i)), "");
  bus_link("cxl", r);
}

void FakeSysfs::add_dax(const fs::path& parent_real, const std::string& name, uint64_t size,
                        const std::string& driver) {
  fs::path d = parent_real / ("dax_" + parent_real.filename().string()) / name;
  write(d / "size", std::to_string(size));
  write(d / "align", "2097152");
  fs::create_directories(d);
  fs::create_directory_symlink(d, sys_ / "bus/dax/devices" / name);
  set_dax_driver(name, driver);
}

void FakeSysfs::set_dax_driver(const std::string& name, const std::string& driver) {
  fs::path link = fs::canonical(sys_ / "bus/dax/devices" / name) / "driver";
  fs::remove(link);
  if (!driver.empty()) fs::create_directory_symlink(sys_ / "bus/dax/drivers" / driver, link);
  if (driver == "device_dax" || driver == "famfs_dax")  // famfs mode keeps the node
    write(dev_ / name, "");
  else
    fs::remove(dev_ / name);
}

void FakeSysfs::add_dax_driver(const std::string& driver) {
  fs::create_directories(sys_ / "bus/dax/drivers" / driver);
}

void FakeSysfs::add_pmem_namespace(int region_id, uint64_t start, uint64_t size) {
  fs::path region = sys_ / "devices/platform/e820_pmem/ndbus0" / ("region" + std::to_string(region_id));
  fs::path ns = region / ("namespace" + std::to_string(region_id) + ".0");
  char hex[32];
  snprintf(hex, sizeof hex, "%#llx", static_cast<unsigned long long>(start));
  write(ns / "resource", hex);
  write(region / "resource", hex);
  write(ns / "size", std::to_string(size));
  write(ns / "mode", "raw");
  write(ns / "holder", "");
  fs::create_directory_symlink(ns, sys_ / "bus/nd/devices" / ns.filename());
  fs::create_directory_symlink(region, sys_ / "bus/nd/devices" / region.filename());
}

}  // namespace famlab::agent::fake
