#include "harness/agent/cxl_port.h"

#include "base/error.h"
#include "harness/agent/sysfs.h"

namespace famlab::agent {

CxlPort::CxlPort(fs::path sys, std::string name) : sys_(std::move(sys)), name_(std::move(name)) {}

fs::path CxlPort::dir() const { return cxl_bus_devices(sys_) / name_; }

int CxlPort::id() const {
  auto n = trailing_number(name_);
  if (!n) throw Error("CXL port name '" + name_ + "' has no id");
  return *n;
}

std::string CxlPort::uport_name() const { return link_name(dir() / "uport"); }

std::vector<Decoder> CxlPort::decoders() const {
  std::vector<Decoder> out;
  for (const auto& n : list_names(cxl_bus_devices(sys_), "decoder" + std::to_string(id()) + "."))
    out.emplace_back(cxl_bus_devices(sys_) / n);
  return out;
}

std::optional<Decoder> CxlPort::first_free_decoder() const {
  for (auto& d : decoders())
    if (d.is_free()) return d;
  return std::nullopt;
}

std::optional<fs::path> CxlPort::dport_device(int id) const {
  fs::path link = dir() / ("dport" + std::to_string(id));
  if (!fs::exists(link)) return std::nullopt;
  return real_path(link);
}

std::optional<CxlPort> CxlPort::endpoint_of(const fs::path& sys, const Memdev& memdev) {
  for (const auto& n : list_names(cxl_bus_devices(sys), "endpoint")) {
    CxlPort p(sys, n);
    if (p.uport_name() == memdev.name()) return p;
  }
  return std::nullopt;
}

}  // namespace famlab::agent
