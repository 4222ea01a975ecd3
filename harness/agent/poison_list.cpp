#include "harness/agent/poison_list.h"

#include <chrono>
#include <thread>

#include "base/error.h"
#include "harness/agent/sysfs.h"

namespace famlab::agent {

namespace {

constexpr const char* kPoisonEvent = "cxl/cxl_poison";

const std::string& field(const protocol::TraceEvent& e, const char* key) {
  auto it = e.fields.find(key);
  if (it == e.fields.end()) throw Error("cxl_poison record without '" + std::string(key) + "': " + e.text);
  return it->second;
}

uint64_t number(const protocol::TraceEvent& e, const char* key) {
  return parse_u64(field(e, key), "cxl_poison " + std::string(key));
}

bool is_list_record(const protocol::TraceEvent& e) {
  auto it = e.fields.find("trace_type");
  return it != e.fields.end() && it->second == "List";
}

}  // namespace

protocol::PoisonRecord poison_record_of(const protocol::TraceEvent& e) {
  protocol::PoisonRecord r;
  r.memdev = field(e, "memdev");
  r.host = field(e, "host");
  r.serial = number(e, "serial");
  r.region = field(e, "region");
  // The kernel prints ULLONG_MAX when the DPA is in no region.
  uint64_t hpa = number(e, "hpa");
  if (hpa != UINT64_MAX) r.hpa = hpa;
  r.dpa = number(e, "dpa");
  r.length = number(e, "dpa_length");
  r.source = field(e, "source");
  r.flags = field(e, "flags");
  return r;
}

protocol::PoisonListResult collect_poison_list(TraceReader& trace, const PoisonListJob& job) {
  trace.ensure_mounted();
  if (!trace.enable(kPoisonEvent))
    throw Error("this kernel has no " + std::string(kPoisonEvent) + " trace event (CXL_BUS with TRACING)");
  trace.pump();
  trace.take(kPoisonEvent, is_list_record);  // answers to an earlier trigger
  protocol::PoisonListResult result;
  if (job.memdevs.empty()) throw Error("no CXL memdev to ask for its poison list");
  for (const auto& m : job.memdevs) {
    job.trigger(m);
    result.triggered.push_back(m);
    if (job.idle) job.idle();
  }
  // The records are in the buffer already; read until it has been quiet
  // twice in a row (trace_pipe merges the CPUs' buffers as it goes).
  for (int quiet = 0; quiet < 2;) {
    quiet = trace.pump() ? 0 : quiet + 1;
    if (quiet < 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (const auto& e : trace.take(kPoisonEvent, is_list_record))
    result.records.push_back(poison_record_of(e));
  return result;
}

}  // namespace famlab::agent
