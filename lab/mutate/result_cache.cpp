#include "lab/mutate/result_cache.h"

#include <nlohmann/json.hpp>

#include "base/small_file.h"
#include "lab/common/hash.h"

namespace fs = std::filesystem;

namespace famlab::mutate {

std::string scenario_key(const scenario::Scenario& sc) {
  Hasher h;
  h.add("famlab-mutate-scenario-v1").add_file(sc.file).add_file(sc.topology_file);
  for (const auto& g : sc.guests) h.add_file(g.topology_file);
  return h.hex();
}

std::string cell_key(const std::string& kernel_key, const std::string& image_hash,
                     const std::string& scenario_key) {
  Hasher h;
  h.add("famlab-mutate-cell-v1").add(kernel_key).add(image_hash).add(scenario_key);
  return h.hex();
}

ResultCache::ResultCache(fs::path dir) : dir_(std::move(dir)) {}

std::optional<CellResult> ResultCache::find_cell(const std::string& key) const {
  auto text = try_read_small_file(dir_ / "cells" / (key + ".json"));
  if (!text) return std::nullopt;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;  // a damaged entry is a miss
  auto cell = cell_from_string(j.value("outcome", ""));
  if (!cell || !is_verdict(*cell)) return std::nullopt;
  CellResult r;
  r.cell = *cell;
  r.step = j.value("step", "");
  r.message = j.value("message", "");
  r.seconds = j.value("seconds", 0.0);
  r.artifacts = j.value("artifacts", "");
  r.cached = true;
  return r;
}

void ResultCache::store_cell(const std::string& key, const CellResult& r) {
  if (!is_verdict(r.cell)) return;
  fs::create_directories(dir_ / "cells");
  nlohmann::json j = {{"outcome", to_string(r.cell)},
                      {"step", r.step},
                      {"message", r.message},
                      {"seconds", r.seconds},
                      {"artifacts", r.artifacts}};
  replace_file_atomically(dir_ / "cells" / (key + ".json"),
                          j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::optional<std::string> ResultCache::find_build_failure(const std::string& kernel_key) const {
  return try_read_small_file(dir_ / "build-failures" / (kernel_key + ".txt"));
}

void ResultCache::store_build_failure(const std::string& kernel_key, const std::string& message) {
  fs::create_directories(dir_ / "build-failures");
  replace_file_atomically(dir_ / "build-failures" / (kernel_key + ".txt"), message);
}

}  // namespace famlab::mutate
