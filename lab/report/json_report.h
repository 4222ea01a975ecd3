#pragma once
// report.json: every scenario and step with status, seconds, output,
// failure message, kernel splats (with their frames, symbolized where the
// kernel's symbols were found) and the step's facts.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "lab/report/results.h"

namespace famlab::report {

nlohmann::json to_json(const RunResult& run);
void write_json(const RunResult& run, const std::filesystem::path& file);

}  // namespace famlab::report
