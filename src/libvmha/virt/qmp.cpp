#include "libvmha/virt/qmp.h"

namespace vmha::virt {

Qmp::Qmp(std::string domain, Transport transport)
    : domain_(std::move(domain)), transport_(std::move(transport)) {}

Qmp Qmp::through(Hypervisor& hv, const std::string& domain) {
  return Qmp(domain, [&hv, domain](const std::string& command) {
    return hv.qemu_monitor_command(domain, command);
  });
}

Result<Json> Qmp::execute(const std::string& command, const Json& arguments) {
  Json msg = Json::object({{"execute", command}});
  if (!arguments.is_null()) msg.add("arguments", arguments);
  std::string what = command + " on " + domain_;
  auto text = transport_(msg.dump());
  if (!text) return text.error();
  auto reply = parse_json(*text);
  if (!reply)
    return make_error(Errc::kInternal, what + ": unreadable reply: " + reply.error().message);
  if (const Json* err = reply->find("error")) {
    std::string cls = err->str("class");
    Errc code = cls == "CommandNotFound" ? Errc::kNotFound : Errc::kConflict;
    return make_error(code, what + ": " + (cls.empty() ? "" : cls + ": ") + err->str("desc"));
  }
  const Json* ret = reply->find("return");
  if (!ret) return make_error(Errc::kInternal, what + ": reply without a return value: " + *text);
  return *ret;
}

}  // namespace vmha::virt
