#include "lab/runner/fault_judge.h"

#include <algorithm>
#include <regex>

#include "base/hex.h"
#include "lab/plan/placement.h"

namespace famlab::runner {

namespace {

using report::Status;

std::string device_of_serial(const topology::Topology& t, uint64_t serial, const std::string& memdev) {
  for (const auto& d : t.devices)
    if (d.serial == serial) return d.id;
  return memdev + " (serial " + std::to_string(serial) + ", in no topology device)";
}

std::string describe(const protocol::PoisonRecord& p, const topology::Topology& t) {
  std::string s = device_of_serial(t, p.serial, p.memdev) + " DPA " + hex(p.dpa) + " +" +
                  std::to_string(p.length) + " [" + p.memdev;
  if (!p.region.empty()) s += " " + p.region;
  if (p.hpa) s += " HPA " + hex(*p.hpa);
  return s + " source " + p.source + "]";
}

void fail(report::StepResult& r, const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  r.status = Status::Failed;
  std::string m;
  for (const auto& p : problems) m += (m.empty() ? "" : "; ") + p;
  r.message = m;
}

}  // namespace

void judge_poison_list(const std::vector<PoisonTarget>& expected, const protocol::PoisonListResult& list,
                       const topology::Topology& topology, report::StepResult& r) {
  nlohmann::json expected_json = nlohmann::json::array();
  for (const auto& e : expected) expected_json.push_back(to_json(e));
  r.data = protocol::encode(list);
  r.data["expected"] = expected_json;
  for (const auto& p : list.records) r.output += describe(p, topology) + "\n";
  if (list.records.empty()) r.output += "the guest lists no poison\n";

  std::vector<bool> used(list.records.size(), false);
  std::vector<std::string> problems;
  for (const auto& e : expected) {
    auto match = [&](const protocol::PoisonRecord& p) {
      return p.serial == e.serial && p.dpa == e.dpa && p.length == e.length;
    };
    size_t i = 0;
    while (i < list.records.size() && (used[i] || !match(list.records[i]))) ++i;
    const std::string what = e.describe() + (e.step.empty() ? "" : " (step '" + e.step + "')");
    if (i == list.records.size()) {
      problems.push_back(what + " is not in the guest's poison list");
      continue;
    }
    used[i] = true;
    const protocol::PoisonRecord& p = list.records[i];
    if (e.hpa && !p.hpa) {
      problems.push_back("the kernel gives no HPA for " + what);
    } else if (e.hpa && *p.hpa != *e.hpa) {
      problems.push_back("the kernel translates " + e.device + " DPA " + hex(e.dpa) + " to HPA " +
                         hex(*p.hpa) + ", the host computes " + hex(*e.hpa) + " (region " +
                         std::to_string(*e.region) + " + " + hex(e.region_offset) + ")");
    } else if (!e.region && p.hpa) {
      problems.push_back("the kernel gives HPA " + hex(*p.hpa) + " for " + what + ", which is in no region");
    }
  }
  for (size_t i = 0; i < list.records.size(); ++i)
    if (!used[i]) problems.push_back("unexpected poison: " + describe(list.records[i], topology));
  r.status = Status::Passed;
  fail(r, problems);
}

std::vector<std::string> trace_events_of(const scenario::Step& step) {
  std::vector<std::string> names = step.trace_events;
  for (const auto& e : step.expect_events)
    if (std::find(names.begin(), names.end(), e.event) == names.end()) names.push_back(e.event);
  return names;
}

std::map<std::string, int> awaited_events_of(const scenario::Step& step) {
  std::map<std::string, int> n;
  for (const auto& e : step.expect_events) ++n[e.event];
  return n;
}

namespace {

// Why `got` is not the expected record ("" when it is).
std::string mismatch(const scenario::ExpectedEvent& want, const protocol::TraceEvent& got,
                     const GuestMemory& memory) {
  auto field = [&](const std::string& k) -> const std::string* {
    auto it = got.fields.find(k);
    return it == got.fields.end() ? nullptr : &it->second;
  };
  if (!want.device.empty()) {
    uint64_t serial = 0;
    for (const auto& d : memory.topology->devices)
      if (d.id == want.device) serial = d.serial;
    const std::string* s = field("serial");
    if (!s || *s != std::to_string(serial))
      return "serial=" + (s ? *s : std::string("(none)")) + " is not " + want.device + "'s (" +
             std::to_string(serial) + ")";
  }
  if (want.dpa) {
    const std::string* d = field("dpa");
    auto dpa = d ? parse_trace_hex(*d) : std::nullopt;
    if (!dpa || *dpa != *want.dpa)
      return "dpa=" + (d ? *d : std::string("(none)")) + ", expected " + hex(*want.dpa);
    if (auto ro = plan::region_offset_of(*memory.topology, want.device, *want.dpa)) {
      auto base = memory.region_base.find(ro->region);
      if (base != memory.region_base.end()) {
        uint64_t expect_hpa = base->second + ro->offset;
        const std::string* h = field("hpa");
        auto hpa = h ? parse_trace_hex(*h) : std::nullopt;
        if (!hpa || *hpa != expect_hpa)
          return "hpa=" + (h ? *h : std::string("(none)")) + ", the host computes " + hex(expect_hpa) +
                 " (region " + std::to_string(ro->region) + " + " + hex(ro->offset) + ")";
      }
    }
  }
  for (const auto& [k, v] : want.fields) {
    const std::string* f = field(k);
    if (!f) return "no field " + k;
    if (*f != v) return k + "='" + *f + "', expected '" + v + "'";
  }
  if (!want.match.empty() && !std::regex_search(got.text, std::regex(want.match)))
    return "does not match /" + want.match + "/";
  return "";
}

}  // namespace

void judge_trace_events(const scenario::Step& step, const GuestMemory& memory,
                        const protocol::TraceEventsResult& result, report::StepResult& r) {
  r.data = protocol::encode(result);
  for (const auto& e : result.events) r.output += e.event + ": " + e.text + "\n";
  std::vector<std::string> problems;
  for (const auto& m : result.missing) problems.push_back("this kernel has no trace event " + m);
  std::vector<bool> used(result.events.size(), false);
  for (const auto& want : step.expect_events) {
    std::string first_reason;
    std::string arrived;
    bool found = false;
    for (size_t i = 0; i < result.events.size() && !found; ++i) {
      const auto& got = result.events[i];
      if (used[i] || got.event != want.event) continue;
      std::string why = mismatch(want, got, memory);
      if (why.empty()) {
        used[i] = true;
        found = true;
      } else {
        if (first_reason.empty()) first_reason = why;
        arrived += "\n  " + got.text;
      }
    }
    if (found) continue;
    if (std::find(result.missing.begin(), result.missing.end(), want.event) != result.missing.end()) continue;
    std::string p = "no " + want.event + " record";
    if (!first_reason.empty()) {
      p += " as expected (" + first_reason + "); arrived:" + arrived;
    } else {
      p += " arrived within " + std::to_string(static_cast<int>(step.timeout_s)) + " s";
      if (std::find(result.enabled.begin(), result.enabled.end(), want.event) != result.enabled.end())
        p += " (it was off until this step: enable it with a trace_events step before the injection)";
    }
    problems.push_back(p);
  }
  r.status = Status::Passed;
  fail(r, problems);
}

}  // namespace famlab::runner
