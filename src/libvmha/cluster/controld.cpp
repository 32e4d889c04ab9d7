#include "libvmha/cluster/controld.h"

#include <crm/common/ipc.h>
#include <crm/common/ipc_controld.h>
#include <crm/common/nvpair.h>
#include <crm/common/results.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>

#include "libvmha/base/bounded.h"
#include "libvmha/cluster/cib.h"
#include "libvmha/cluster/pacemaker_lib.h"

namespace vmha::cluster {
namespace {

// What the callback copies out of a reply (its pointers die with the call).
struct Answer {
  bool replied = false;
  int status = 0;
  std::string node_name;  // node_info
  bool have_op = false;   // resource: the operation the controller recorded
  std::string rc_code;
  std::string exit_reason;
};

// crm_element_value's pointer lives as long as the reply; copy it out.
std::string attribute(xmlNode* n, const char* name) {
  const char* v = crm_element_value(n, name);
  return v ? v : "";
}

xmlNode* find_element(xmlNode* n, const char* tag) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (std::strcmp(reinterpret_cast<const char*>(n->name), tag) == 0) return n;
    if (xmlNode* found = find_element(n->children, tag)) return found;
  }
  return nullptr;
}

void on_reply(pcmk_ipc_api_t*, enum pcmk_ipc_event event, crm_exit_t status, void* event_data,
              void* user_data) {
  if (event != pcmk_ipc_event_reply) return;
  auto* answer = static_cast<Answer*>(user_data);
  answer->replied = true;
  answer->status = static_cast<int>(status);
  auto* reply = static_cast<pcmk_controld_api_reply_t*>(event_data);
  if (status != CRM_EX_OK || reply == nullptr) return;
  if (reply->reply_type == pcmk_controld_reply_info && reply->data.node_info.uname) {
    answer->node_name = reply->data.node_info.uname;
  } else if (reply->reply_type == pcmk_controld_reply_resource) {
    // <node_state><lrm><lrm_resources><lrm_resource><lrm_rsc_op rc-code=...>
    if (xmlNode* op = find_element(reply->data.resource.node_state, "lrm_rsc_op")) {
      answer->have_op = true;
      answer->rc_code = attribute(op, "rc-code");
      answer->exit_reason = attribute(op, "exit-reason");
    }
  }
}

// Connects to the local controller without a main loop, sends one request
// and dispatches until its reply, the connection's end or the deadline.
Result<Answer> exchange(const std::function<int(pcmk_ipc_api_t*)>& send, Millis timeout,
                        const std::string& what) {
  Deadline deadline(system_clock(), timeout);
  pcmk_ipc_api_t* api = nullptr;
  int rc = pcmk_new_ipc_api(&api, pcmk_ipc_controld);
  if (rc != pcmk_rc_ok) {
    return make_error(Errc::kInternal,
                      "cannot create a controller IPC client: " + pcmk_rc_text(rc));
  }
  Answer answer;
  pcmk_register_ipc_callback(api, on_reply, &answer);
  auto finish = [&](Result<Answer> r) {
    pcmk_disconnect_ipc(api);
    pcmk_free_ipc_api(api);
    return r;
  };
  rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_poll);
  if (rc != pcmk_rc_ok) {
    return finish(
        make_error(Errc::kUnreachable, "cannot connect to pacemaker-controld: " + pcmk_rc_text(rc) +
                                           ": is Pacemaker running on this node?"));
  }
  rc = send(api);
  if (rc != pcmk_rc_ok) {
    return finish(make_error(Errc::kUnreachable, what + ": request not sent: " + pcmk_rc_text(rc)));
  }
  while (!answer.replied) {
    if (!pcmk_ipc_is_connected(api)) {
      return finish(
          make_error(Errc::kUnreachable, what + ": pacemaker-controld closed the connection"));
    }
    Millis left = deadline.remaining();
    if (left.count() == 0) {
      return finish(make_error(Errc::kTimeout, what +
                                                   ": no answer from pacemaker-controld within " +
                                                   std::to_string(timeout.count()) + " ms"));
    }
    rc = pcmk_poll_ipc(api, static_cast<int>(left.count()));
    if (rc == pcmk_rc_ok) {
      pcmk_dispatch_ipc(api);
    } else if (rc != EAGAIN && rc != EINTR) {
      return finish(make_error(Errc::kUnreachable, what + ": " + pcmk_rc_text(rc)));
    }
  }
  if (answer.status != CRM_EX_OK) {
    return finish(make_error(Errc::kInternal, what + ": pacemaker-controld answered with status " +
                                                  std::to_string(answer.status)));
  }
  return finish(answer);
}

Error invalid(const std::string& message) { return make_error(Errc::kInvalidArgument, message); }

std::string agent_text(const std::string& standard, const std::string& provider,
                       const std::string& type) {
  return standard + (provider.empty() ? "" : ":" + provider) + ":" + type;
}

Status check_agent(const std::string& rsc_id, const std::string& standard,
                   const std::string& provider, const std::string& type, Millis timeout) {
  // A clone instance ("vm1:0") is configured as its primitive.
  std::string primitive = rsc_id.substr(0, rsc_id.find(':'));
  auto cib = Cib::connect(static_cast<int>(std::max<int64_t>(1, (timeout.count() + 999) / 1000)));
  if (!cib) return cib.error();
  auto agent = cib->agent(primitive);
  if (!agent) return agent.error();
  if (agent->standard != standard || agent->provider != provider || agent->type != type) {
    return invalid("resource " + primitive + " is " +
                   agent_text(agent->standard, agent->provider, agent->type) + ", not " +
                   agent_text(standard, provider, type) + ": give the agent the CIB configures");
  }
  return ok_status();
}

}  // namespace

Status fail_resource(const std::string& rsc_id, const std::string& node,
                     const std::string& standard, const std::string& provider,
                     const std::string& type, Millis timeout) {
  if (rsc_id.empty()) return invalid("fail_resource: the resource id is empty");
  if (node.empty()) return invalid("fail_resource " + rsc_id + ": the node name is empty");
  if (standard.empty() || type.empty()) {
    return invalid("fail_resource " + rsc_id +
                   ": give the agent's class and type (e.g. ocf, Dummy)");
  }
  prepare_pacemaker_library();
  std::string what = "failing resource " + rsc_id + " on " + node;
  auto call = [=]() -> Result<Answer> {
    Deadline deadline(system_clock(), timeout);
    // The controller would create an executor entry for any id it is given
    // (an orphan the scheduler then stops): like crm_resource, fail only a
    // resource the configuration has, with its own agent.
    VMHA_TRY(check_agent(rsc_id, standard, provider, type, timeout));
    auto send = [&](pcmk_ipc_api_t* api) {
      return pcmk_controld_api_fail(api, node.c_str(), nullptr, rsc_id.c_str(), nullptr,
                                    standard.c_str(), provider.empty() ? nullptr : provider.c_str(),
                                    type.c_str());
    };
    return exchange(send, deadline.remaining(), what);
  };
  Result<Answer> answer = run_bounded<Answer>(call, timeout, what);
  if (!answer && answer.error().code == Errc::kTimeout) {
    // A node the cluster does not know (or a dead one) never answers.
    return make_error(Errc::kTimeout,
                      answer.error().message + ": is " + node + " an online node of this cluster?");
  }
  if (!answer) return answer.error();
  if (!answer->have_op) {
    return make_error(Errc::kInternal, what + ": the controller's answer holds no operation");
  }
  // rc-code 0: the controller recorded the simulated failure. Otherwise it
  // could not find or create the resource (or refused the request).
  if (answer->rc_code != "0") {
    std::string reason =
        answer->exit_reason.empty() ? "rc-code " + answer->rc_code : answer->exit_reason;
    return make_error(Errc::kNotFound,
                      what + ": " + reason + ": check the resource id and its agent (" + standard +
                          (provider.empty() ? "" : ":" + provider) + ":" + type + ")");
  }
  return ok_status();
}

Result<std::string> local_node_name(Millis timeout) {
  prepare_pacemaker_library();
  std::string what = "asking the controller for this node's name";
  auto call = [=]() -> Result<Answer> {
    return exchange([](pcmk_ipc_api_t* api) { return pcmk_controld_api_node_info(api, 0); },
                    timeout, what);
  };
  Result<Answer> answer = run_bounded<Answer>(call, timeout, what);
  if (!answer) return answer.error();
  if (answer->node_name.empty()) {
    return make_error(Errc::kInternal, what + ": the answer holds no node name");
  }
  return answer->node_name;
}

}  // namespace vmha::cluster
