#include "harness/agent/region.h"

#include "harness/agent/sysfs.h"

namespace famlab::agent {

Region::Region(fs::path sys, std::string name) : sys_(std::move(sys)), name_(std::move(name)) {}

fs::path Region::dir() const { return cxl_bus_devices(sys_) / name_; }

bool Region::exists() const { return fs::is_directory(dir()); }

uint64_t Region::size() const { return read_u64_attr(dir() / "size"); }

uint32_t Region::interleave_ways() const {
  return static_cast<uint32_t>(read_u64_attr(dir() / "interleave_ways"));
}

uint32_t Region::interleave_granularity() const {
  return static_cast<uint32_t>(read_u64_attr(dir() / "interleave_granularity"));
}

uint64_t Region::resource() const { return read_u64_attr(dir() / "resource"); }

std::string Region::mode() const { return read_attr(dir() / "mode"); }

bool Region::committed() const { return try_read_attr(dir() / "commit").value_or("0") == "1"; }

bool Region::bound() const { return !link_name(dir() / "driver").empty(); }

std::string Region::target(uint32_t i) const {
  return try_read_attr(dir() / ("target" + std::to_string(i))).value_or("");
}

void Region::set_uuid(const std::string& uuid) const { write_attr(dir() / "uuid", uuid); }

void Region::set_interleave_granularity(uint32_t bytes) const {
  write_attr(dir() / "interleave_granularity", std::to_string(bytes));
}

void Region::set_interleave_ways(uint32_t ways) const {
  write_attr(dir() / "interleave_ways", std::to_string(ways));
}

void Region::set_size(uint64_t bytes) const { write_attr(dir() / "size", std::to_string(bytes)); }

void Region::set_target(uint32_t i, const std::string& decoder) const {
  write_attr(dir() / ("target" + std::to_string(i)), decoder);
}

void Region::commit() const { write_attr(dir() / "commit", "1"); }

void Region::uncommit() const { write_attr(dir() / "commit", "0"); }

void Region::bind() const { write_attr(sys_ / "bus/cxl/drivers/cxl_region/bind", name_); }

std::optional<DaxDevice> Region::dax_device() const { return DaxDevice::below(sys_, dir()); }

}  // namespace famlab::agent
