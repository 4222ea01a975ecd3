#pragma once
// Results that outlive a run, so `famlab mutate` is resumable: a cell is
// kept under a hash of the mutant's kernel build inputs, the guest image
// and the scenario's files; a compile failure under the kernel's hash.
// Only verdicts are kept (killed, boot failure, survived): an error or a
// cell that did not run is run again next time.
#include <filesystem>
#include <optional>
#include <string>

#include "lab/mutate/outcome.h"
#include "lab/scenario/scenario.h"

namespace famlab::mutate {

// Hash of what a scenario is made of: its file and every topology it boots.
std::string scenario_key(const scenario::Scenario& sc);

// The cache key of one cell.
std::string cell_key(const std::string& kernel_key, const std::string& image_hash,
                     const std::string& scenario_key);

class ResultCache {
 public:
  explicit ResultCache(std::filesystem::path dir);  // e.g. cache_dir()/mutate

  std::optional<CellResult> find_cell(const std::string& key) const;
  void store_cell(const std::string& key, const CellResult& result);  // verdicts only

  // A kernel that did not compile: the message (log tail), if known.
  std::optional<std::string> find_build_failure(const std::string& kernel_key) const;
  void store_build_failure(const std::string& kernel_key, const std::string& message);

 private:
  std::filesystem::path dir_;
};

}  // namespace famlab::mutate
