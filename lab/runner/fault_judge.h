#pragma once
// Judges what the guest kernel saw of injected faults against what the
// host injected and computed:
//   poison_list   the guest's poison list must be exactly the expected
//                 ranges (the step's expect_poison, else what the
//                 scenario's inject_poison steps injected): same device
//                 (by serial), DPA and length, and for a DPA in a region
//                 the HPA the host computes (region base + interleave
//                 arithmetic), which the kernel translates on its own
//   trace_events  every expected record arrived, with its fields; a DPA
//                 also with the HPA the host computes
#include "lab/report/results.h"
#include "lab/runner/poison_target.h"
#include "lab/scenario/scenario.h"
#include "protocol/results.h"

namespace famlab::runner {

void judge_poison_list(const std::vector<PoisonTarget>& expected, const protocol::PoisonListResult& list,
                       const topology::Topology& topology, report::StepResult& r);

void judge_trace_events(const scenario::Step& step, const GuestMemory& memory,
                        const protocol::TraceEventsResult& result, report::StepResult& r);

// The request of a trace_events step: events to enable (the step's and
// the expected ones'), how many of each to wait for.
std::vector<std::string> trace_events_of(const scenario::Step& step);
std::map<std::string, int> awaited_events_of(const scenario::Step& step);

}  // namespace famlab::runner
