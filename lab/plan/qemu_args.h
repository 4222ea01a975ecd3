#pragma once
// VmDescription -> the QEMU command line the direct backend runs. A pure
// function: no files are created and nothing is started here (lab/vm does
// that). The memory backends, CXL devices and windows are also what the
// domain XML passes to QEMU through <qemu:commandline>, written by the same
// functions.
#include <string>
#include <vector>

#include "lab/plan/vm_description.h"
#include "lab/topology/model.h"

namespace famlab::plan {

// argv[0] = "qemu-system-x86_64". Throws famlab::Error for a description
// QEMU cannot be started from directly (QMP routed through libvirt).
std::vector<std::string> to_qemu_argv(const VmDescription& vm);

// One QEMU option and its value, e.g. {"-device", "cxl-rp,port=0,..."}.
struct QemuOption {
  std::string name, value;
  bool operator==(const QemuOption&) const = default;
};

// The memory backends (-object), then the CXL host bridges, root ports,
// switches and type-3 devices (-device), parents before children as QEMU
// needs them. explicit_root_slots: host bridges name their pcie.0 slot
// (addr=), which libvirt needs; QEMU picks the same slots without it.
std::vector<QemuOption> memory_and_cxl_options(const VmDescription& vm, bool explicit_root_slots);

// Every fixed memory window in one -machine value ("" when there is none):
// QEMU refuses cxl-fmw.N keys spread over several -machine options.
std::string cxl_windows_value(const VmDescription& vm);

// What the runner keeps of one guest: the description the backends start,
// the direct command line (the qemu-command.sh artifact) and the files the
// host reads back.
struct QemuPlan {
  VmDescription vm;
  std::vector<std::string> argv;
  std::vector<BackingFile> backing;
};

QemuPlan make_qemu_plan(const topology::Topology& t, const VmInputs& in);

}  // namespace famlab::plan
