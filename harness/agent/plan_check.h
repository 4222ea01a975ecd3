#pragma once
// Compares the guest view with the plan, field by field. Every difference
// is one line that names the object, what the guest has and what the
// topology says, e.g. "region 0: interleave_ways is 1, topology says 2".
#include <string>
#include <vector>

#include "harness/agent/guest_view.h"
#include "protocol/guest_plan.h"

namespace famlab::agent {

std::vector<std::string> compare_with_plan(const protocol::GuestPlan& plan, const GuestView& view);

}  // namespace famlab::agent
