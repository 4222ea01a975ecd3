#include "harness/agent/nd_namespace.h"

#include "harness/agent/sysfs.h"

namespace famlab::agent {

NdNamespace::NdNamespace(fs::path sys, std::string name) : sys_(std::move(sys)), name_(std::move(name)) {}

fs::path NdNamespace::dir() const { return nd_bus_devices(sys_) / name_; }

std::optional<uint64_t> NdNamespace::resource() const {
  auto r = try_read_attr(dir() / "resource");
  if (!r || r->empty()) return std::nullopt;
  return parse_u64(*r, (dir() / "resource").string());
}

uint64_t NdNamespace::size() const { return read_u64_attr(dir() / "size"); }

std::string NdNamespace::mode() const { return read_attr(dir() / "mode"); }

std::string NdNamespace::holder() const { return try_read_attr(dir() / "holder").value_or(""); }

std::optional<DaxDevice> NdNamespace::dax_device() const {
  std::string h = holder();
  if (h.empty()) return std::nullopt;
  return DaxDevice::below(sys_, nd_bus_devices(sys_) / h);
}

std::vector<NdNamespace> NdNamespace::all(const fs::path& sys) {
  std::vector<NdNamespace> out;
  for (const auto& n : list_names(nd_bus_devices(sys), "namespace")) out.emplace_back(sys, n);
  return out;
}

std::optional<NdNamespace> NdNamespace::at(const fs::path& sys, uint64_t start) {
  for (auto& ns : all(sys))
    if (ns.resource() == start) return ns;
  return std::nullopt;
}

}  // namespace famlab::agent
