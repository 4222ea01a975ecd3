#pragma once
// When a scenario that did not pass runs once more from a cold boot before
// famlab reports it (Runner::run_confirmed). Two kinds of first run are not
// evidence enough on their own:
//  - a guest restored from a snapshot: a failure must reproduce from a cold
//    boot, and a flaw of the snapshot must not become a verdict;
//  - a guest whose timer interrupts stopped: under TCG this happens rarely,
//    cold and restored alike, and stalls whatever waits on a timer. The
//    evidence is the agent missing its own deadline while it still answers
//    (a step's data.guest_timers_stopped), or RCU's "timer wakeup didn't
//    happen" in the guest's kernel log.
#include <string>

#include "lab/report/results.h"

namespace famlab::runner {

// Why `first` (a finished run, its artifacts in place) is to be confirmed
// from a cold boot, in words for the terminal and the attempts; "" when it
// stands as it is.
std::string needs_a_cold_confirmation(const report::ScenarioResult& first);

}  // namespace famlab::runner
