#include "famfs/format/file_map_json.h"

#include "base/error.h"

namespace famlab::famfs::format {

nlohmann::json file_map_to_json(const FileMap& map) {
  nlohmann::json j;
  j["kind"] = map.kind == FileMap::Kind::Simple ? "simple" : "interleaved";
  j["chunk_size"] = map.chunk_size;
  j["extents"] = nlohmann::json::array();
  for (const auto& e : map.extents) j["extents"].push_back({{"offset", e.offset}, {"length", e.length}});
  if (!map.stripes.empty()) {
    j["stripes"] = nlohmann::json::array();
    for (const auto& st : map.stripes) {
      nlohmann::json strips = nlohmann::json::array();
      for (const auto& e : st.strips) strips.push_back({{"offset", e.offset}, {"length", e.length}});
      j["stripes"].push_back({{"nbytes", st.nbytes}, {"chunk_size", st.chunk_size}, {"strips", strips}});
    }
  }
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
    if (j.contains("stripes")) {
      if (map.kind != FileMap::Kind::Interleaved) throw Error("file map: stripes in a simple map");
      std::vector<Stripe> stripes;
      for (const auto& st : j.at("stripes")) {
        Stripe s;
        s.nbytes = st.at("nbytes").get<uint64_t>();
        s.chunk_size = st.at("chunk_size").get<uint64_t>();
        for (const auto& e : st.at("strips"))
          s.strips.push_back(Extent{e.at("offset").get<uint64_t>(), e.at("length").get<uint64_t>()});
        stripes.push_back(std::move(s));
      }
      FileMap striped = striped_map(std::move(stripes));
      if (striped.extents != map.extents) throw Error("file map: extents do not list the stripes' strips");
      map = std::move(striped);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("file map: ") + e.what());
  }
  if (map.kind == FileMap::Kind::Interleaved && map.chunk_size == 0)
    throw Error("file map: an interleaved map with chunk_size 0");
  return map;
}

}  // namespace famlab::famfs::format
