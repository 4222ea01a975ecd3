#pragma once
// Rules that relate parts of a topology to each other: ids and ports, the
// switch level, which devices a region may interleave and in what order,
// window capacity, and guest RAM covering emulated pmem. Each rule is one
// that QEMU or Linux 6.12 enforces late (or silently); here it fails early
// and names the line.
#include <vector>

#include "lab/topology/diagnostic.h"
#include "lab/topology/model.h"

namespace famlab::topology {

void validate_topology(const Topology& t, std::vector<Diagnostic>& out);

}  // namespace famlab::topology
