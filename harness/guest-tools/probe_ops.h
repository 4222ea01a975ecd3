#pragma once
// famlab-probe: one file, a list of operations on it, one line of outcome
// per operation. For the kernel scenarios that need what a shell cannot do:
// hold a shared mapping across an event, touch it and see SIGBUS, msync,
// pread at an offset with the errno, copy_file_range, madvise(MADV_HWPOISON).
//
//   famlab-probe FILE OP...
//     map:OFF:LEN            mmap LEN bytes at OFF, shared, read-write if the file opens so
//     touch:OFF, write:OFF   read / write one byte at mapping offset OFF
//     msync, fsync, fdatasync
//     pread:OFF:LEN          prints how many bytes came back, or the errno
//     hwpoison:OFF           madvise(MADV_HWPOISON) on the mapped page at OFF
//     copy:DST:OFF_IN:OFF_OUT:LEN   copy_file_range from FILE into DST
//     ready:PATH             create PATH (tells the scenario shell to act)
//     wait:PATH              wait until PATH exists (at most 60 s)
//     show:PATH[#KEY]        print PATH's first line (with KEY: the first holding KEY)
// Sizes take K, M, G suffixes. Exit 0 when every operation ran (whatever
// its outcome, which is in the output), 2 on bad usage.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace famlab::probe {

enum class OpKind { Map, Touch, Write, Msync, Fsync, Fdatasync, Pread, Hwpoison, Copy, Ready, Wait, Show };

struct Op {
  OpKind kind = OpKind::Msync;
  uint64_t offset = 0;      // map, touch, write, pread, hwpoison; copy: offset in FILE
  uint64_t length = 0;      // map, pread, copy
  uint64_t offset_out = 0;  // copy: offset in DST
  std::string path;         // copy (DST), ready, wait, show
};

// "map:0:4M" -> Op; nullopt for anything it does not understand.
std::optional<Op> parse_op(const std::string& word);
// 4096, 0x1000, 4K, 2M, 1G.
std::optional<uint64_t> parse_size(const std::string& text);

// Runs the operations in order on `file`, one line each on stdout.
// Returns false when the file cannot be opened at all.
bool run_ops(const std::string& file, const std::vector<Op>& ops);

}  // namespace famlab::probe
