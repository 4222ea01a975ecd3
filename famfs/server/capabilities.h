#pragma once
// The calling thread's credentials and the two capabilities famfs cares
// about: CAP_SYS_RAWIO (what famfs kernels check before offering
// FUSE_DAX_FMAP) and CAP_SYS_ADMIN (what mount(2) needs).
#include "protocol/famfs_status.h"

namespace famlab::famfs::server {

protocol::FamfsCredentials read_credentials();

}  // namespace famlab::famfs::server
