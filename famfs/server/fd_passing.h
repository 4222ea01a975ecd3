#pragma once
// Passing a descriptor over a unix socket (SCM_RIGHTS): how fusermount3
// hands the /dev/fuse descriptor it opened back to the server.
namespace famlab::famfs::server {

// Waits for one message carrying a descriptor; throws famlab::Error when
// the peer closes without sending one (fusermount3 failed).
int receive_fd(int socket);

// The sending side, for tests (fusermount3 does this in real life).
void send_fd(int socket, int fd);

}  // namespace famlab::famfs::server
