#include "harness/agent/memdev.h"

#include "harness/agent/sysfs.h"

namespace famlab::agent {

Memdev::Memdev(fs::path dir) : dir_(std::move(dir)) {}

std::string Memdev::name() const { return dir_.filename().string(); }

uint64_t Memdev::serial() const { return read_u64_attr(dir_ / "serial"); }

uint64_t Memdev::ram_size() const {
  auto s = try_read_attr(dir_ / "ram/size");
  return s ? parse_u64(*s, (dir_ / "ram/size").string()) : 0;
}

uint64_t Memdev::pmem_size() const {
  auto s = try_read_attr(dir_ / "pmem/size");
  return s ? parse_u64(*s, (dir_ / "pmem/size").string()) : 0;
}

fs::path Memdev::real_dir() const { return real_path(dir_); }

std::vector<Memdev> Memdev::all(const fs::path& sys) {
  std::vector<Memdev> out;
  for (const auto& name : list_names(cxl_bus_devices(sys), "mem"))
    if (trailing_number(name)) out.emplace_back(cxl_bus_devices(sys) / name);
  return out;
}

std::optional<Memdev> Memdev::by_serial(const fs::path& sys, uint64_t serial) {
  for (auto& m : all(sys)) {
    auto s = try_read_attr(m.dir() / "serial");
    if (s && parse_u64(*s, (m.dir() / "serial").string()) == serial) return m;
  }
  return std::nullopt;
}

}  // namespace famlab::agent
