// A small reader for the agents' own embedded metadata XML, so that a fence
// agent's run does not load libxml2 (and the ICU, zlib and lzma it pulls):
// that load was about a third of an agent's start-up. It reads the XML this
// project writes and trusts: elements, attributes, text, comments, CDATA,
// the XML declaration, the five predefined entities and numeric character
// references. No DOCTYPE, no namespaces, no other encoding than UTF-8; what
// it does not read is refused, never guessed.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libvmha/base/result.h"

namespace vmha::fence {

struct XmlElement {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;  // in document order
  std::vector<XmlElement> children;                             // elements only
  // All character data inside, children's included (libxml2's
  // xmlNodeGetContent).
  std::string text;

  const std::string* attribute(std::string_view key) const;
  const XmlElement* child(std::string_view element_name) const;
};

// The document's root element; kInternal naming the byte offset when the
// text is not well-formed or uses what this reader does not read.
Result<XmlElement> parse_metadata_xml(std::string_view text);

}  // namespace vmha::fence
