#include "harness/agent/dax_device.h"

#include "harness/agent/sysfs.h"

namespace famlab::agent {

DaxDevice::DaxDevice(fs::path dir) : dir_(std::move(dir)) {}

std::string DaxDevice::name() const { return dir_.filename().string(); }

uint64_t DaxDevice::size() const { return read_u64_attr(dir_ / "size"); }

uint64_t DaxDevice::align() const {
  auto a = try_read_attr(dir_ / "align");
  // Kernels without the attribute use PMD-sized (2 MiB) mappings.
  return a ? parse_u64(*a, (dir_ / "align").string()) : uint64_t{2} << 20;
}

std::string DaxDevice::driver() const { return link_name(dir_ / "driver"); }

std::string DaxDevice::mode() const {
  std::string d = driver();
  if (d == "device_dax") return "devdax";
  if (d == "kmem") return "system-ram";
  if (d == "famfs_dax") return "famfs";
  if (d.empty()) return "unbound";
  return d;
}

fs::path DaxDevice::char_device(const fs::path& dev) const { return dev / name(); }

std::vector<DaxDevice> DaxDevice::all(const fs::path& sys) {
  std::vector<DaxDevice> out;
  for (const auto& n : list_names(dax_bus_devices(sys), "dax")) out.emplace_back(dax_bus_devices(sys) / n);
  return out;
}

std::optional<DaxDevice> DaxDevice::below(const fs::path& sys, const fs::path& parent) {
  fs::path p = real_path(parent);
  for (auto& d : all(sys))
    if (is_below(real_path(d.dir()), p)) return d;
  return std::nullopt;
}

}  // namespace famlab::agent
