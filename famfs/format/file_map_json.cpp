#include "famfs/format/file_map_json.h"

#include "base/error.h"

namespace famlab::famfs::format {

nlohmann::json file_map_to_json(const FileMap& map) {
  nlohmann::json j;
  j["kind"] = map.kind == FileMap::Kind::Simple ? "simple" : "interleaved";
  j["chunk_size"] = map.chunk_size;
  j["extents"] = nlohmann::json::array();
  for (const auto& e : map.extents) j["extents"].push_back({{"offset", e.offset}, {"length", e.length}});
  return j;
}

FileMap file_map_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("file map: not a JSON object");
  FileMap map;
  std::string kind = j.value("kind", "");
  if (kind == "simple")
    map.kind = FileMap::Kind::Simple;
  else if (kind == "interleaved")
    map.kind = FileMap::Kind::Interleaved;
  else
    throw Error("file map: kind '" + kind + "' is neither simple nor interleaved");
  try {
    map.chunk_size = j.value("chunk_size", uint64_t{0});
    if (!j.contains("extents") || !j["extents"].is_array()) throw Error("file map: no extents array");
    for (const auto& e : j["extents"])
      map.extents.push_back(Extent{e.at("offset").get<uint64_t>(), e.at("length").get<uint64_t>()});
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("file map: ") + e.what());
  }
  if (map.kind == FileMap::Kind::Interleaved && map.chunk_size == 0)
    throw Error("file map: an interleaved map with chunk_size 0");
  return map;
}

}  // namespace famlab::famfs::format
