#include "libvmha/fence/spec.h"

#include "libvmha/base/strings.h"
#include "libvmha/fence/metadata_xml.h"

namespace vmha::fence {
namespace {

std::string normalize(std::string_view key) {
  std::string out(trim(key));
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

std::optional<std::string> attr(const XmlElement& e, std::string_view name) {
  const std::string* v = e.attribute(name);
  if (v == nullptr) return std::nullopt;
  return *v;
}

// "-a, --ip=[ip]", "--hexadecimal-kg=[key]", "-P, --lanplus"
void parse_getopt(std::string_view mixed, ParamSpec& p) {
  mixed = trim(mixed);
  if (mixed.size() >= 2 && mixed[0] == '-' && mixed[1] != '-') p.short_opt = mixed[1];
  size_t pos = mixed.find("--");
  if (pos == std::string_view::npos) return;
  std::string_view rest = mixed.substr(pos + 2);
  size_t end = rest.find_first_of("= ");
  p.long_opt = std::string(rest.substr(0, end));
}

std::optional<ParamType> parse_type(std::string_view t) {
  if (t == "string") return ParamType::kString;
  if (t == "boolean") return ParamType::kBoolean;
  if (t == "integer") return ParamType::kInteger;
  if (t == "second") return ParamType::kSecond;
  if (t == "select") return ParamType::kSelect;
  return std::nullopt;
}

bool secret_name(std::string_view name) {
  bool password = name.find("passw") != std::string_view::npos;
  return (password && name.find("script") == std::string_view::npos) || name == "hexadecimal_kg";
}

Result<ParamSpec> parse_param(const XmlElement& node) {
  ParamSpec p;
  p.name = attr(node, "name").value_or("");
  if (p.name.empty()) return make_error(Errc::kInternal, "metadata: a parameter has no name");
  p.required = attr(node, "required").value_or("0") == "1";
  p.deprecated = attr(node, "deprecated").value_or("0") == "1";
  p.secret = secret_name(p.name);
  if (const XmlElement* g = node.child("getopt")) parse_getopt(attr(*g, "mixed").value_or(""), p);
  if (p.long_opt.empty()) p.long_opt = p.name;
  const XmlElement* content = node.child("content");
  if (content == nullptr) {
    return make_error(Errc::kInternal, "metadata: parameter " + p.name + " has no <content>");
  }
  auto type = parse_type(attr(*content, "type").value_or(""));
  if (!type)
    return make_error(Errc::kInternal, "metadata: parameter " + p.name + " has a bad type");
  p.type = *type;
  p.default_value = attr(*content, "default");
  if (const XmlElement* d = node.child("shortdesc")) p.shortdesc = d->text;
  for (const XmlElement& o : content->children) {
    if (o.name == "option") p.choices.push_back(attr(o, "value").value_or(""));
  }
  return p;
}

}  // namespace

const ParamSpec* AgentSpec::find(std::string_view key) const {
  std::string k = normalize(key);
  for (const ParamSpec& p : params) {
    if (p.name == k) return &p;
  }
  for (const ParamSpec& p : params) {
    if (normalize(p.long_opt) == k) return canonical(p.canonical);
  }
  return nullptr;
}

const ParamSpec* AgentSpec::find_short(char c) const {
  for (const ParamSpec& p : params) {
    if (p.short_opt == c && !p.deprecated) return &p;
  }
  return nullptr;
}

const ParamSpec* AgentSpec::canonical(std::string_view name) const {
  for (const ParamSpec& p : params) {
    if (p.name == name) return p.canonical == p.name ? &p : canonical(p.canonical);
  }
  return nullptr;
}

Result<AgentSpec> parse_agent_spec(std::string_view metadata_xml) {
  auto root = parse_metadata_xml(metadata_xml);
  if (!root) return root.error();
  if (root->name != "resource-agent") {
    return make_error(Errc::kInternal, "metadata: root element is not <resource-agent>");
  }
  AgentSpec spec;
  spec.name = attr(*root, "name").value_or("");
  if (const XmlElement* params = root->child("parameters")) {
    for (const XmlElement& n : params->children) {
      if (n.name != "parameter") continue;
      auto p = parse_param(n);
      if (!p) return p.error();
      spec.params.push_back(std::move(*p));
    }
  }
  // A deprecated name stands for the current parameter with the same long
  // option.
  for (ParamSpec& p : spec.params) {
    p.canonical = p.name;
    if (!p.deprecated) continue;
    for (const ParamSpec& q : spec.params) {
      if (!q.deprecated && q.long_opt == p.long_opt) p.canonical = q.name;
    }
  }
  if (const XmlElement* actions = root->child("actions")) {
    for (const XmlElement& n : actions->children) {
      if (n.name == "action") spec.actions.push_back(attr(n, "name").value_or(""));
    }
  }
  return spec;
}

}  // namespace vmha::fence
