#pragma once
// The CXL poison list as the guest kernel reports it: writing
// trigger_poison_list on a memdev makes the driver read the device's list
// (Get Poison List) and emit one cxl_poison trace record (trace_type List)
// per entry, with the DPA and, inside a committed region, the HPA the
// kernel translates it to. The write is synchronous, so the records are in
// the trace buffer when it returns.
#include <functional>
#include <string>
#include <vector>

#include "harness/agent/trace_reader.h"
#include "protocol/results.h"

namespace famlab::agent {

// One cxl_poison record -> a typed record. Throws Error naming the field
// that is missing or not a number.
protocol::PoisonRecord poison_record_of(const protocol::TraceEvent& e);

struct PoisonListJob {
  std::vector<std::string> memdevs;  // mem0, mem1, ... (every CXL memdev)
  // Makes one memdev report its list (writes its trigger_poison_list).
  std::function<void(const std::string& memdev)> trigger;
  std::function<void()> idle;  // keeps the agent's other I/O moving
};

// Enables cxl/cxl_poison, drops List records left from before, triggers
// every memdev and returns the List records that followed. Throws Error
// (no tracefs, no cxl_poison event, a trigger refused).
protocol::PoisonListResult collect_poison_list(TraceReader& trace, const PoisonListJob& job);

}  // namespace famlab::agent
