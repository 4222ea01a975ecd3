#pragma once
// A privileged task near an unprivileged server (the cap-drop cells of
// issue 11): the connection is mounted, and for the after-INIT ways also
// its INIT answered, by a task with CAP_SYS_RAWIO; every answer after that
// comes from a task without it. A famfs kernel that checks only INIT (or
// only the mounting task) hands such a server famfs mappings.
#include <cstdint>

#include "famfs/server/server_options.h"

namespace famlab::famfs::server {

// CapDrop::Supervisor, right after the mount and before INIT: forks; the
// child becomes uid/gid and returns to answer everything, INIT included;
// the parent, the privileged supervisor, only waits for it and exits with
// its status (it never returns).
void supervise_unprivileged_server(uint32_t uid, uint32_t gid);

// The after-INIT ways, called once the INIT reply is out. CapsetAfterInit
// drops CAP_SYS_RAWIO in this process. HandoffAfterInit and CloneAfterInit
// fork: the child becomes uid/gid (CloneAfterInit: then opens /dev/fuse
// itself and joins the connection with FUSE_DEV_IOC_CLONE) and returns;
// the privileged parent waits for it and exits. Returns the descriptor the
// returning process serves on (CloneAfterInit: the clone; the caller closes
// `fuse_fd` then). Throws famlab::Error when a step fails.
int hand_over_after_init(CapDrop how, uint32_t uid, uint32_t gid, int fuse_fd);

// Whether `how` is one of the after-INIT ways.
bool hands_over_after_init(CapDrop how);

}  // namespace famlab::famfs::server
