#pragma once
// PID 1 inherits every orphan in the guest and must reap them, but a plain
// waitpid(-1) would also swallow the exit status of a child the agent is
// still watching. Children the agent starts are tracked here, and their
// statuses are kept when the orphan sweep reaps them.
#include <sys/types.h>

#include <optional>

namespace famlab::agent {

void track_child(pid_t pid);
void forget_child(pid_t pid);
// Exit code of a tracked child (128+N when killed by signal N), or nullopt
// while it runs. Never blocks.
std::optional<int> child_exit_status(pid_t pid);
// Reaps every exited child; statuses of tracked children are kept.
void reap_children();

}  // namespace famlab::agent
