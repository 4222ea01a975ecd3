#pragma once
// Every judgement of a famfs_mount step, in one place, from the agent's
// typed result (protocol::FamfsMountResult): the cap-drop cell (famfs on
// or off as the kernel must decide, and who decided), malformed maps
// refused at open, data through dax or through the server, and the host
// oracle for the files' placement. Each leaves a passed result passed or
// fails it with a message that names the step, the kernel, the file and
// what was seen.
#include <string>
#include <vector>

#include "lab/plan/qemu_args.h"
#include "lab/report/results.h"
#include "lab/scenario/scenario.h"
#include "lab/topology/model.h"
#include "protocol/results.h"

namespace famlab::runner {

// Where the files' bytes are on the host: the guest's topology and the
// type-3 backing files.
struct FamfsPlacementContext {
  const topology::Topology& topology;
  const std::vector<plan::BackingFile>& backing;
};

// All of the below, in order, on a step whose agent call finished
// (`r.status` is the agent's verdict until here).
void judge_famfs_mount(const scenario::Step& step, const std::string& kernel,
                       const FamfsPlacementContext& where, const protocol::FamfsMountResult& result,
                       report::StepResult& r);

// What the guest saw of famfs: "on"/"off" from the kernel's own report
// (patched kernels), otherwise "not-offered" or "off" from the server.
std::string famfs_observed(const protocol::FamfsMountResult& result);

// expect_open_error: passes the step when the mount worked and every
// file's open failed with EINVAL; fails it when any file opened.
void judge_open_errors(const scenario::Step& step, const protocol::FamfsMountResult& result,
                       report::StepResult& r);

// expect_famfs / expect_decided_by for `kernel`, with a one-paragraph
// account of the cell (kernel report, the server's credentials at mount,
// opcodes) added to the output.
void judge_famfs_cell(const scenario::Step& step, const std::string& kernel,
                      const protocol::FamfsMountResult& result, report::StepResult& r);

// expect_data for `kernel`: "dax" = no READ/WRITE at the server and DAX on
// every file; "server" = READ at the server and DAX on none.
void judge_data_path(const scenario::Step& step, const std::string& kernel,
                     const protocol::FamfsMountResult& result, report::StepResult& r);

// expect_same_maps_as: a client sees exactly the maps its master made
// (`master` is that famfs_mount step's result), file by file.
void judge_same_maps(const scenario::Step& step, const report::StepResult* master,
                     const protocol::FamfsMountResult& result, report::StepResult& r);

// check_placement: every file's pattern in the backing files.
void judge_file_placement(const scenario::Step& step, const FamfsPlacementContext& where,
                          const protocol::FamfsMountResult& result, report::StepResult& r);

}  // namespace famlab::runner
