#include "harness/agent/decoder.h"

#include <sstream>

#include "base/error.h"
#include "harness/agent/sysfs.h"

namespace famlab::agent {

Decoder::Decoder(fs::path dir) : dir_(std::move(dir)) {}

std::string Decoder::name() const { return dir_.filename().string(); }

bool Decoder::exists() const { return fs::is_directory(dir_); }

std::string Decoder::port_name() const { return real_path(dir_).parent_path().filename().string(); }

uint32_t Decoder::interleave_ways() const {
  return static_cast<uint32_t>(read_u64_attr(dir_ / "interleave_ways"));
}

uint32_t Decoder::interleave_granularity() const {
  return static_cast<uint32_t>(read_u64_attr(dir_ / "interleave_granularity"));
}

std::vector<int> Decoder::target_list() const {
  std::vector<int> ids;
  std::stringstream ss(read_attr(dir_ / "target_list"));
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) ids.push_back(static_cast<int>(parse_u64(item, (dir_ / "target_list").string())));
  return ids;
}

std::string Decoder::mode() const { return read_attr(dir_ / "mode"); }

uint64_t Decoder::dpa_size() const { return read_u64_attr(dir_ / "dpa_size"); }

std::string Decoder::region() const { return try_read_attr(dir_ / "region").value_or(""); }

bool Decoder::is_free() const {
  auto size = try_read_attr(dir_ / "dpa_size");
  bool no_dpa = !size || size->empty() || parse_u64(*size, (dir_ / "dpa_size").string()) == 0;
  return no_dpa && region().empty();
}

void Decoder::set_mode(const std::string& m) const { write_attr(dir_ / "mode", m); }

void Decoder::set_dpa_size(uint64_t bytes) const { write_attr(dir_ / "dpa_size", std::to_string(bytes)); }

std::string Decoder::create_region(const std::string& type) const {
  if (type != "ram" && type != "pmem") throw Error("region type '" + type + "' is neither ram nor pmem");
  // Reading gives the next free name; writing it back claims it.
  fs::path attr = dir_ / ("create_" + type + "_region");
  std::string name = read_attr(attr);
  if (name.rfind("region", 0) != 0) throw Error(attr.string() + " offered '" + name + "', not a region name");
  write_attr(attr, name);
  return name;
}

void Decoder::delete_region(const std::string& region) const { write_attr(dir_ / "delete_region", region); }

Decoder Decoder::named(const fs::path& sys, const std::string& name) {
  return Decoder(cxl_bus_devices(sys) / name);
}

}  // namespace famlab::agent
