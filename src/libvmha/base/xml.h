// The libxml2 helpers every XML reader here needs: parsing without network
// access (a DOCTYPE never fetches anything) and reading an attribute.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>

namespace vmha {

using XmlDoc = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;

// Null when text is not well-formed; `name` labels it for libxml2.
XmlDoc parse_xml(std::string_view text, const char* name);
// The attribute's value, or "" when absent.
std::string xml_prop(const xmlNode* n, const char* name);
// s made safe inside a double-quoted XML attribute (or element text).
std::string xml_escape(std::string_view s);

}  // namespace vmha
