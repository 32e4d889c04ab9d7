#include "libvmha/virt/domain_xml.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <memory>

#include "libvmha/base/strings.h"
#include "libvmha/base/xml.h"

namespace vmha::virt {
namespace {

using CtxPtr = std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)>;
using ObjPtr = std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)>;

std::vector<xmlNode*> select(xmlXPathContext* ctx, const char* expr, xmlNode* from = nullptr) {
  if (from) ctx->node = from;
  ObjPtr obj(xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(expr), ctx),
             xmlXPathFreeObject);
  std::vector<xmlNode*> out;
  if (obj && obj->nodesetval)
    for (int i = 0; i < obj->nodesetval->nodeNr; ++i) out.push_back(obj->nodesetval->nodeTab[i]);
  return out;
}

std::string text_of(xmlXPathContext* ctx, const char* expr) {
  auto nodes = select(ctx, expr);
  if (nodes.empty()) return {};
  xmlChar* c = xmlNodeGetContent(nodes[0]);
  std::string s = c ? reinterpret_cast<char*>(c) : "";
  xmlFree(c);
  return std::string(trim(s));
}

DiskSource parse_disk(xmlXPathContext* ctx, xmlNode* disk) {
  DiskSource d;
  d.type = xml_prop(disk, "type");
  auto targets = select(ctx, "target", disk);
  if (!targets.empty()) d.target = xml_prop(targets[0], "dev");
  auto aliases = select(ctx, "alias", disk);
  if (!aliases.empty()) d.alias = xml_prop(aliases[0], "name");
  auto sources = select(ctx, "source", disk);
  if (sources.empty()) return d;
  xmlNode* src = sources[0];
  if (d.type == "file") d.path = xml_prop(src, "file");
  else if (d.type == "block") d.path = xml_prop(src, "dev");
  else if (d.type == "network") {
    d.protocol = xml_prop(src, "protocol");
    auto hosts = select(ctx, "host", src);
    if (!hosts.empty()) {
      d.host = xml_prop(hosts[0], "name");
      d.socket = xml_prop(hosts[0], "socket");
      d.port = static_cast<int>(parse_int(xml_prop(hosts[0], "port")).value_or(0));
    }
  }
  return d;
}

}  // namespace

Result<DomainConfig> parse_domain_xml(std::string_view xml) {
  XmlDoc doc = parse_xml(xml, "domain.xml");
  if (!doc) return make_error(Errc::kInvalidArgument, "domain XML is not well-formed");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || xmlStrcmp(root->name, reinterpret_cast<const xmlChar*>("domain")) != 0)
    return make_error(Errc::kInvalidArgument, "domain XML has no <domain> root element");
  CtxPtr ctx(xmlXPathNewContext(doc.get()), xmlXPathFreeContext);
  DomainConfig c;
  c.type = xml_prop(root, "type");
  c.name = text_of(ctx.get(), "/domain/name");
  c.uuid = text_of(ctx.get(), "/domain/uuid");
  if (c.name.empty()) return make_error(Errc::kInvalidArgument, "domain XML has no <name>");
  for (xmlNode* disk : select(ctx.get(), "/domain/devices/disk[@device='disk' or not(@device)]"))
    c.disks.push_back(parse_disk(ctx.get(), disk));
  c.has_guest_agent =
      !select(ctx.get(), "/domain/devices/channel/target[@name='org.qemu.guest_agent.0']").empty();
  return c;
}

Result<std::string> with_uuid(std::string_view xml, const std::string& uuid) {
  XmlDoc doc = parse_xml(xml, "domain.xml");
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!root) return make_error(Errc::kInvalidArgument, "domain XML is not well-formed");
  CtxPtr ctx(xmlXPathNewContext(doc.get()), xmlXPathFreeContext);
  auto existing = select(ctx.get(), "/domain/uuid");
  const auto* text = reinterpret_cast<const xmlChar*>(uuid.c_str());
  if (!existing.empty()) {
    xmlNodeSetContent(existing[0], text);
  } else {
    xmlNode* node = xmlNewDocNode(doc.get(), nullptr, reinterpret_cast<const xmlChar*>("uuid"), text);
    auto names = select(ctx.get(), "/domain/name");
    if (names.empty()) xmlAddChild(root, node);
    else xmlAddNextSibling(names[0], node);
  }
  xmlChar* out = nullptr;
  int len = 0;
  xmlDocDumpMemory(doc.get(), &out, &len);
  std::string s(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  xmlFree(out);
  return s;
}

}  // namespace vmha::virt
