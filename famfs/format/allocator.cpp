#include "famfs/format/allocator.h"

#include "base/error.h"
#include "base/units.h"
#include "famfs/format/layout.h"

namespace famlab::famfs::format {

Allocator::Allocator(uint64_t data_offset, uint64_t device_size)
    : data_offset_(data_offset),
      owner_(device_size > data_offset ? (device_size - data_offset) / kAllocUnit : 0, 0) {}

std::optional<Allocator::Conflict> Allocator::claim(const Extent& extent, uint64_t owner) {
  std::optional<Conflict> first;
  uint64_t data_end = data_offset_ + owner_.size() * kAllocUnit;
  if (extent.offset < data_offset_ || extent.offset > data_end || extent.length > data_end - extent.offset)
    first = Conflict{Conflict::Kind::OutsideData, 0};
  // Claim whatever part lies inside, unit by unit.
  uint64_t begin = extent.offset < data_offset_ ? data_offset_ : extent.offset;
  uint64_t end = extent.length > UINT64_MAX - extent.offset ? UINT64_MAX : extent.offset + extent.length;
  if (end > data_end) end = data_end;
  for (uint64_t pos = round_down(begin, kAllocUnit); pos < end; pos += kAllocUnit) {
    uint64_t unit = (pos - data_offset_) / kAllocUnit;
    if (owner_[unit] != 0 && owner_[unit] != owner) {
      if (!first) first = Conflict{Conflict::Kind::Overlap, owner_[unit]};
      continue;
    }
    owner_[unit] = owner;
  }
  return first;
}

std::optional<uint64_t> Allocator::find_run(uint64_t units) const {
  uint64_t run = 0;
  for (uint64_t i = 0; i < owner_.size(); ++i) {
    run = owner_[i] == 0 ? run + 1 : 0;
    if (run == units) return i + 1 - units;
  }
  return std::nullopt;
}

void Allocator::set_owner(uint64_t first_unit, uint64_t units, uint64_t owner) {
  for (uint64_t i = 0; i < units; ++i) owner_[first_unit + i] = owner;
}

FileMap Allocator::allocate_simple(uint64_t size, uint64_t owner) {
  if (size == 0) throw Error("file size must be more than 0 bytes");
  uint64_t units = size / kAllocUnit + (size % kAllocUnit != 0);
  auto first = units <= owner_.size() ? find_run(units) : std::nullopt;
  if (!first)
    throw Error("no room for " + format_size(size) + ": the largest free run is " +
                format_size(largest_free_run()) + " (" + format_size(free_bytes()) + " free in all)");
  set_owner(*first, units, owner);
  FileMap map;
  map.extents.push_back(Extent{data_offset_ + *first * kAllocUnit, units * kAllocUnit});
  return map;
}

FileMap Allocator::allocate_interleaved(uint64_t size, uint32_t strips, uint64_t chunk_size, uint64_t owner) {
  if (size == 0) throw Error("file size must be more than 0 bytes");
  if (strips == 0 || strips > kMaxStrips)
    throw Error("strip count " + std::to_string(strips) + " outside 1.." + std::to_string(kMaxStrips));
  if (chunk_size < kAllocUnit || chunk_size > kMaxChunkSize || (chunk_size & (chunk_size - 1)) != 0)
    throw Error("chunk size " + std::to_string(chunk_size) + " is not a power of two between 2M and 1G");
  if (size > data_bytes())
    throw Error("no room for " + format_size(size) + ": the data area holds only " +
                format_size(data_bytes()));
  uint64_t stripe = static_cast<uint64_t>(strips) * chunk_size;
  uint64_t rows = size / stripe + (size % stripe != 0);
  uint64_t strip_units = rows * chunk_size / kAllocUnit;
  FileMap map;
  map.kind = FileMap::Kind::Interleaved;
  map.chunk_size = chunk_size;
  for (uint32_t s = 0; s < strips; ++s) {
    auto first = find_run(strip_units);
    if (!first) {
      for (const auto& e : map.extents) set_owner((e.offset - data_offset_) / kAllocUnit, strip_units, 0);
      throw Error("no room for " + std::to_string(strips) + " strips of " +
                  format_size(strip_units * kAllocUnit) + ": the largest free run is " +
                  format_size(largest_free_run()) + " (" + format_size(free_bytes()) + " free in all)");
    }
    set_owner(*first, strip_units, owner);
    map.extents.push_back(Extent{data_offset_ + *first * kAllocUnit, strip_units * kAllocUnit});
  }
  return map;
}

uint64_t Allocator::free_bytes() const {
  uint64_t n = 0;
  for (uint64_t o : owner_) n += o == 0;
  return n * kAllocUnit;
}

uint64_t Allocator::data_bytes() const { return owner_.size() * kAllocUnit; }

uint64_t Allocator::largest_free_run() const {
  uint64_t best = 0, run = 0;
  for (uint64_t o : owner_) {
    run = o == 0 ? run + 1 : 0;
    best = run > best ? run : best;
  }
  return best * kAllocUnit;
}

}  // namespace famlab::famfs::format
