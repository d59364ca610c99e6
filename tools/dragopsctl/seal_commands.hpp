#pragma once
// dragopsctl's sealing commands (docs/dragopsctl.md, docs/sealing.md): sealing credentials to the
// cluster's public key, so that they reach the API server, and git, only sealed.
//   dragopsctl seal (--public-key FILE | --from-cluster) ...    one value, or manifests (-f)
//   dragopsctl sealing-key [-o FILE]                           the cluster's public key
//   dragopsctl kubectl ...                                     the kubectl plugin (kubectl dragops)

#include "commands.hpp"

namespace dragops::dragopsctl {

// cluster_by_default: without --public-key the key is fetched from the cluster (kubectl dragops).
int seal_to_cluster(const Args& args, bool cluster_by_default);
int sealing_key(const Args& args);
int kubectl_plugin(const Args& args);

// Overwrites the plaintext of --from-literal arguments in argv (so /proc/PID/cmdline and the
// process's memory lose them once they are copied).
void scrub_literal_arguments(int argc, char** argv);

}  // namespace dragops::dragopsctl
