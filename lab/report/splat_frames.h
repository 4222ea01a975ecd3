#pragma once
// The frames of a kernel splat, read from its (symbolized) text: all of
// them for report.json, and the few that say where it happened for the
// terminal line (the reporting machinery itself - dump_stack, kasan_report,
// __warn, lockdep's checks, the allocator - left out).
#include <cstddef>
#include <nlohmann/json.hpp>
#include <vector>

#include "lab/common/trace_line.h"
#include "lab/report/results.h"

namespace famlab::report {

std::vector<TraceFrame> splat_frames(const KernelSplat& splat);

// Up to `n` reliable frames outside the reporting machinery, in order,
// without repeating a function.
std::vector<TraceFrame> key_frames(const KernelSplat& splat, size_t n);

// "func+0x12/0x40 (fs/x.c:12)" as in the trace.
std::string frame_text(const TraceFrame& frame);

// {"function", "offset", "size", "file", "line", "inlined", "reliable", ...}
nlohmann::json frame_json(const TraceFrame& frame);

}  // namespace famlab::report
