#pragma once
// Topology -> what the in-guest agent must build and then find: memdevs by
// serial, regions with targets in interleave position order, pmem ranges.
#include "protocol/guest_plan.h"
#include "topology/model.h"

namespace famlab::plan {

protocol::GuestPlan make_guest_plan(const topology::Topology& t);

}  // namespace famlab::plan
