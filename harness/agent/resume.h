#pragma once
// What the agent does when famlab restored its guest from a snapshot
// (lab/runner/snapshot_boot.h) instead of booting it: the guest must not be
// a twin of every other guest restored from the same file, and its CXL
// hardware must be found again.
//  - Randomness: the host's fresh bytes are credited to the input pool and
//    the CRNG is reseeded (RNDADDENTROPY, RNDRESEEDCRNG), so two restored
//    guests draw different numbers from then on.
//  - Clock: CLOCK_REALTIME is set to the host's; the snapshot's age is how
//    far it moves.
//  - CXL: QEMU 10.0 does not migrate the state of cxl-rp, the CXL switch
//    ports or cxl-type3 (their sections are absent from the stream), so the
//    restored devices come back as if reset: bus numbers, windows and BARs
//    gone. The PCI devices below every CXL host bridge are removed and found
//    again, with cxl_acpi unbound around it, which rebuilds the CXL tree
//    exactly as a boot does.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/agent/sysfs.h"
#include "protocol/results.h"

namespace famlab::agent {

// "00ff" -> {0x00, 0xff}. Throws Error naming the bad text.
std::vector<uint8_t> entropy_bytes(const std::string& hex);

// Credits `bytes` to the kernel's input pool and reseeds the CRNG through
// `random_dev` (/dev/urandom). Throws Error with the ioctl's errno text.
void reseed_crng(const fs::path& random_dev, const std::vector<uint8_t>& bytes);

// Sets CLOCK_REALTIME; returns how far it moved (seconds, + = forward).
double set_clock(int64_t host_ns);

// The PCI bus directories (sys/devices/pci0000:NN) of the CXL host bridges
// (ACPI0016), in natural order.
std::vector<fs::path> cxl_host_bridge_buses(const SystemRoots& roots);

struct ReprobeResult {
  std::vector<std::string> host_bridges;  // "pci0000:0c"
  int memdevs = 0;                        // memN bound to cxl_mem afterwards
};

// Removes every PCI device below the CXL host bridges and rescans, with
// cxl_acpi unbound meanwhile; then waits up to `timeout_s` until each
// function bound to cxl_pci has its memdev bound to cxl_mem (calling `idle`
// while it waits). Throws Error naming what did not come back.
ReprobeResult reprobe_cxl(const SystemRoots& roots, double timeout_s, const std::function<void()>& idle);

}  // namespace famlab::agent
