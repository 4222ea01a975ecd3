#pragma once
// The keys of the fault-injection actions, read from a [[step]] table:
//
//   action = "qmp"            command, arguments, device, expect_error,
//                             expect_return (+ expect_output/reject_output
//                             over the reply's JSON)
//   action = "inject_poison"  device | region [file], offset, length
//   action = "poison_list"    expect_poison = [{ device | region [file], offset, length }]
//   action = "trace_events"   events, expect_events = [{ event, device, dpa,
//                             fields, match }]
//
// Every mistake is a Diagnostic at its key's line.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lab/scenario/scenario.h"
#include "lab/topology/toml_table.h"

namespace famlab::scenario {

using topology::Diagnostic;

// The keys read here (scenario_parse checks which action takes which).
const std::vector<const char*>& fault_step_keys();

// Reads those keys into the step. Call after the common keys (region is
// one of them) with the step's action known.
void read_fault_keys(topology::TomlTable& t, Step& s, const std::string& file, std::vector<Diagnostic>& out);

// A TOML value as JSON: tables -> objects, arrays -> arrays, strings,
// integers, floats and booleans as themselves (dates as their text).
nlohmann::json toml_to_json(const toml::node& node);

}  // namespace famlab::scenario
