#pragma once
// Where QEMU's q35 machine puts guest RAM in physical address space:
// [0, low) and [4G, 4G + high), where low = memory when memory < 2.75G and
// 2G otherwise (the rest of the 4G below is the PCI hole). A memmap= pmem
// range outside guest RAM "works" in the guest but reads back zeros.
#include <cstdint>
#include <optional>

namespace famlab::topology {

struct Q35Ram {
  uint64_t low = 0;   // bytes at [0, low)
  uint64_t high = 0;  // bytes at [4G, 4G + high)
};

Q35Ram q35_ram_layout(uint64_t memory);

// Whether [start, start + size) lies wholly in guest RAM.
bool q35_ram_covers(uint64_t memory, uint64_t start, uint64_t size);

// The least memory size that covers [start, start + size); nullopt when no
// size can (the range reaches into the hole below 4G).
std::optional<uint64_t> q35_memory_needed(uint64_t start, uint64_t size);

}  // namespace famlab::topology
