// Requests to Pacemaker's controller (pacemaker-controld) over its IPC API.
#pragma once

#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

namespace vmha::cluster {

// Tells the controller that resource rsc_id failed on node, exactly as
// `crm_resource --fail --resource RSC --node NODE` does: the controller records
// a failed operation, the fail count rises and the cluster recovers the
// resource at once, without waiting for its next monitor. standard/provider/
// type are the resource's agent (e.g. "ocf", "pacemaker", "Dummy"; provider
// empty for classes without one). Returns once the controller confirmed the
// failure was recorded; kTimeout after timeout (the request may still land),
// kUnreachable when no controller runs here, kNotFound when the controller
// cannot find or create the resource.
Status fail_resource(const std::string& rsc_id, const std::string& node,
                     const std::string& standard, const std::string& provider,
                     const std::string& type, Millis timeout);

// This node's name as the cluster knows it (what `crm_node -n` prints),
// asked from the local controller; bounded by timeout.
Result<std::string> local_node_name(Millis timeout);

}  // namespace vmha::cluster
