#pragma once
// Topology -> what the in-guest agent must build and then find: memdevs by
// serial, regions with targets in interleave position order, pmem ranges.
#include "lab/topology/model.h"
#include "protocol/guest_plan.h"

namespace famlab::plan {

protocol::GuestPlan make_guest_plan(const topology::Topology& t);

}  // namespace famlab::plan
