#pragma once
// The steps the host runs against the guest's QEMU over QMP:
//   qmp            one command as the scenario wrote it, its reply judged
//                  (expect_error, expect_return; expect_output over the
//                  reply's JSON is judged by the step executor)
//   inject_poison  cxl-inject-poison at a device, region or famfs file
//                  offset, turned into device + DPA by the host
// A command QEMU refuses is a failure naming the command and QEMU's error
// class and text; a command famlab knows QEMU added later (the CXL
// injection family) that this QEMU lacks skips the step, saying so; any
// other command this QEMU lacks is a failure with the nearest it has.
// The reply goes into the step's data; the exchange is in qmp.log.
#include <set>
#include <string>

#include "lab/runner/step_executor.h"

namespace famlab::runner {

StepOutcome run_qmp_step(const scenario::Step& step, StepContext& ctx);
StepOutcome run_inject_poison(const scenario::Step& step, StepContext& ctx);

// Commands of newer QEMUs famlab's scenarios use: missing -> skip, not fail.
const std::set<std::string>& commands_added_in_newer_qemu();

// The QOM path of a type-3 device (what the CXL commands take as path), as
// the guest's VM description gives it. Throws famlab::Error for a device
// the description lacks.
std::string qom_path_of(const StepContext& ctx, const std::string& device);

// Whether `got` contains `want`: objects key by key (recursively), arrays
// element by element, anything else equal. The first difference, as a
// JSON path and the two values, or "" when it contains it.
std::string json_difference(const nlohmann::json& want, const nlohmann::json& got,
                            const std::string& path = "");

}  // namespace famlab::runner
