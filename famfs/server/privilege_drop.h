#pragma once
// The ways the server can give up privilege before it mounts, so scenarios
// can see what each does to the kernel's FUSE_DAX_FMAP offer. Each throws
// famlab::Error saying which step failed.
#include <cstdint>

namespace famlab::famfs::server {

// prctl(PR_CAPBSET_DROP): only the bounding set loses CAP_SYS_RAWIO; the
// effective set (what capable() tests) keeps it. The seed's experiment.
void drop_rawio_from_bounding_set();

// capset(): CAP_SYS_RAWIO leaves the effective, permitted and inheritable
// sets. CAP_SYS_ADMIN stays, so mount(2) still works.
void drop_rawio_with_capset();

// Becomes uid/gid with no supplementary groups; every capability is gone
// afterwards (checked).
void become_user(uint32_t uid, uint32_t gid);

// The same for the calling thread alone (raw system calls: glibc's wrappers
// change every thread). Other threads keep their credentials: a privileged
// helper started before (privileged_giver.h) stays privileged.
void become_user_in_this_thread(uint32_t uid, uint32_t gid);

}  // namespace famlab::famfs::server
