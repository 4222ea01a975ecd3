#pragma once
// junit.xml as CI systems read it: one testcase per scenario and kernel,
// failure text with the failing step, its output and any kernel trace.
#include <filesystem>
#include <string>

#include "lab/report/results.h"

namespace famlab::report {

std::string junit_xml(const RunResult& run);
void write_junit(const RunResult& run, const std::filesystem::path& file);

}  // namespace famlab::report
