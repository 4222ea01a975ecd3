#pragma once
// Judging a famfs_mount step's data path from the agent's result (its
// per-file checks, maps and the server's status): malformed maps refused at
// open, data through dax or through the server, and the host oracle for
// the files' placement. Each leaves a passed result passed or fails it with
// a message that names the file and what was seen.
#include <string>
#include <vector>

#include "lab/plan/qemu_args.h"
#include "lab/report/results.h"
#include "lab/scenario/scenario.h"
#include "lab/topology/model.h"

namespace famlab::runner {

// expect_open_error: passes the step when the mount worked and every
// file's open failed with EINVAL; fails it when any file opened.
void judge_open_errors(const scenario::Step& step, report::StepResult& r);

// expect_data for `kernel`: "dax" = no READ/WRITE at the server and DAX on
// every file; "server" = READ at the server and DAX on none.
void judge_data_path(const scenario::Step& step, const std::string& kernel, report::StepResult& r);

// check_placement: every file's pattern in the backing files.
void judge_file_placement(const scenario::Step& step, const topology::Topology& topology,
                          const std::vector<plan::BackingFile>& backing, report::StepResult& r);

}  // namespace famlab::runner
