#include "libvmha/ipmi/agent.h"

#include "libvmha/base/strings.h"
#include "libvmha/fence/password.h"
#include "libvmha/ipmi/power_device.h"

namespace vmha::embedded {
std::string_view fence_vmha_ipmi_xml();
}

namespace vmha::ipmi {
namespace {

std::vector<std::string> problems(const fence::Options& o, fence::Action action) {
  std::vector<std::string> out;
  if (action == fence::Action::kMetadata) return out;
  bool port_as_ip = o.flag("port_as_ip");
  if (!o.get("ip") && !(port_as_ip && o.get("plug"))) {
    out.push_back("ip is not set: give the BMC's address (or port_as_ip=1 with plug)");
  }
  if (!o.get("password") && !o.get("password_script")) {
    out.push_back("no password: set password or password_script");
  }
  // privlvl and auth are select options: the metadata check covers them.
  if (auto cipher = parse_cipher_suite(o.get_or("cipher", "3")); !cipher) {
    out.push_back(cipher.error().message);
  }
  if (auto kg = parse_hex_kg(o.get_or("hexadecimal_kg", "")); !kg)
    out.push_back(kg.error().message);
  if (auto port = o.integer("ipport"); port && (*port < 1 || *port > 65535)) {
    out.push_back("ipport must be a UDP port number (1-65535)");
  }
  return out;
}

Result<std::unique_ptr<fence::PowerDevice>> make_device(const fence::Options& o,
                                                        const std::optional<std::string>& target,
                                                        Clock&) {
  auto params = session_params(o, target);
  if (!params) return params.error();
  auto password = fence::resolve_password(o, params->timeout);
  if (!password) return password.error();
  params->password = std::move(*password);
  return std::unique_ptr<fence::PowerDevice>(new IpmiPowerDevice(std::move(*params)));
}

}  // namespace

Result<SessionParams> session_params(const fence::Options& o,
                                     const std::optional<std::string>& target) {
  SessionParams p;
  p.host = o.get_or("ip", "");
  if (o.flag("port_as_ip") && target) p.host = *target;
  if (p.host.empty()) return make_error(Errc::kNotConfigured, "ip is not set");
  auto port = o.integer("ipport");
  if (!port || *port < 1 || *port > 65535) {
    return make_error(Errc::kInvalidArgument, "ipport must be a UDP port number (1-65535)");
  }
  p.port = static_cast<uint16_t>(*port);
  p.username = o.get_or("username", "");
  auto priv = parse_privilege(o.get_or("privlvl", "administrator"));
  if (!priv) return priv.error();
  p.privilege = *priv;
  auto auth = parse_auth(o.get_or("auth", "md5"));
  if (!auth) return auth.error();
  p.auth = *auth;
  auto cipher = parse_cipher_suite(o.get_or("cipher", "3"));
  if (!cipher) return cipher.error();
  p.cipher_suite = *cipher;
  auto kg = parse_hex_kg(o.get_or("hexadecimal_kg", ""));
  if (!kg) return kg.error();
  p.k_g = std::move(*kg);
  p.lanplus = o.flag("lanplus");
  auto timeout = o.seconds("login_timeout");
  if (!timeout) return timeout.error();
  p.timeout = *timeout;
  auto reach = o.seconds("reach_timeout");
  if (!reach) return reach.error();
  p.reach_timeout = *reach;
  return p;
}

fence::AgentDef ipmi_agent() {
  fence::AgentDef def;
  def.metadata_xml = embedded::fence_vmha_ipmi_xml();
  def.extra_problems = problems;
  def.make_device = make_device;
  def.needs_target = false;
  return def;
}

}  // namespace vmha::ipmi
