#include "protocol/famfs_file.h"

namespace famlab::protocol {

void to_json(nlohmann::json& j, const FamfsFile& f) {
  j = {{"name", f.name}, {"size", f.size}};
  if (f.strips) j["strips"] = f.strips;
  if (f.chunk) j["chunk"] = f.chunk;
  if (!f.extents.empty()) j["extents"] = f.extents;
  if (f.prefilled) j["prefilled"] = true;
}

void from_json(const nlohmann::json& j, FamfsFile& f) {
  f.name = j.at("name").get<std::string>();
  f.size = j.at("size").get<uint64_t>();
  f.strips = j.value("strips", uint32_t{0});
  f.chunk = j.value("chunk", uint64_t{0});
  f.extents = j.value("extents", std::vector<uint64_t>{});
  f.prefilled = j.value("prefilled", false);
}

}  // namespace famlab::protocol
