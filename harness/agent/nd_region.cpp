#include "harness/agent/nd_region.h"

#include "harness/agent/sysfs.h"

namespace famlab::agent {

NdRegion::NdRegion(fs::path sys, std::string name) : sys_(std::move(sys)), name_(std::move(name)) {}

fs::path NdRegion::dir() const { return nd_bus_devices(sys_) / name_; }

std::optional<uint64_t> NdRegion::resource() const {
  auto r = try_read_attr(dir() / "resource");
  if (!r || r->empty()) return std::nullopt;
  return parse_u64(*r, (dir() / "resource").string());
}

std::vector<NdNamespace> NdRegion::namespaces() const {
  std::vector<NdNamespace> out;
  auto id = trailing_number(name_);
  if (!id) return out;
  for (const auto& n : list_names(nd_bus_devices(sys_), "namespace" + std::to_string(*id) + "."))
    out.emplace_back(sys_, n);
  return out;
}

std::optional<NdRegion> NdRegion::at(const fs::path& sys, uint64_t start) {
  for (const auto& n : list_names(nd_bus_devices(sys), "region")) {
    NdRegion r(sys, n);
    if (r.resource() == start) return r;
  }
  return std::nullopt;
}

}  // namespace famlab::agent
