#include "libvmha/fence/metadata_xml.h"

#include <cstdint>

#include "libvmha/base/strings.h"

namespace vmha::fence {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
}

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  Result<XmlElement> document() {
    skip_misc();
    if (starts("<?xml")) {
      if (!skip_past("?>")) return fail("unterminated XML declaration");
      skip_misc();
    }
    if (starts("<!DOCTYPE")) return fail("a DOCTYPE is not read here");
    if (!starts("<")) return fail("no root element");
    XmlElement root;
    if (auto st = element(root, 0); !st) return st.error();
    skip_misc();
    if (pos_ != s_.size()) return fail("text after the root element");
    return root;
  }

 private:
  Error fail(const std::string& why) const {
    return Error{Errc::kInternal,
                 "metadata: not well-formed XML at byte " + std::to_string(pos_) + ": " + why};
  }
  bool starts(std::string_view t) const { return s_.substr(pos_).starts_with(t); }
  bool skip_past(std::string_view t) {
    size_t at = s_.find(t, pos_);
    if (at == std::string_view::npos) return false;
    pos_ = at + t.size();
    return true;
  }
  void skip_space() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }
  // Whitespace and comments outside the root element.
  void skip_misc() {
    while (true) {
      skip_space();
      if (starts("<!--") && skip_past("-->")) continue;
      return;
    }
  }

  Result<std::string> name() {
    size_t start = pos_;
    while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
    if (pos_ == start) return fail("a name was expected");
    return std::string(s_.substr(start, pos_ - start));
  }

  // At '&': appends what the reference stands for.
  Status reference(std::string& out) {
    size_t end = s_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 12) return fail("unterminated '&'");
    std::string_view ref = s_.substr(pos_ + 1, end - pos_ - 1);
    if (ref == "lt") out += '<';
    else if (ref == "gt") out += '>';
    else if (ref == "amp") out += '&';
    else if (ref == "quot") out += '"';
    else if (ref == "apos") out += '\'';
    else if (ref.size() > 1 && ref[0] == '#') {
      bool hex = ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) return fail("empty character reference");
      uint32_t cp = 0;
      for (char c : digits) {
        int v = c >= '0' && c <= '9'               ? c - '0'
                : hex && c >= 'a' && c <= 'f'      ? c - 'a' + 10
                : hex && c >= 'A' && c <= 'F'      ? c - 'A' + 10
                                                   : -1;
        if (v < 0) return fail("bad character reference");
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
        if (cp > 0x10FFFF) return fail("character reference out of range");
      }
      if (cp == 0) return fail("character reference to NUL");
      append_utf8(out, cp);
    } else {
      return fail("unknown entity '&" + std::string(ref) + ";'");
    }
    pos_ = end + 1;
    return ok_status();
  }

  Result<std::string> attribute_value() {
    if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) {
      return fail("an attribute value must be quoted");
    }
    char quote = s_[pos_++];
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      char c = s_[pos_];
      if (c == '<') return fail("'<' in an attribute value");
      if (c == '&') {
        VMHA_TRY(reference(out));
        continue;
      }
      // XML's attribute-value normalization: literal whitespace becomes a space.
      out += is_space(c) ? ' ' : c;
      ++pos_;
    }
    if (pos_ >= s_.size()) return fail("unterminated attribute value");
    ++pos_;
    return out;
  }

  // At '<' of a start tag.
  Status element(XmlElement& e, int depth) {
    if (depth > 64) return fail("elements nested too deep");
    ++pos_;
    auto n = name();
    if (!n) return n.error();
    e.name = std::move(*n);
    while (true) {
      bool spaced = pos_ < s_.size() && is_space(s_[pos_]);
      skip_space();
      if (starts("/>")) {
        pos_ += 2;
        return ok_status();
      }
      if (starts(">")) {
        ++pos_;
        break;
      }
      if (!spaced) return fail("malformed start tag <" + e.name + ">");
      auto key = name();
      if (!key) return key.error();
      skip_space();
      if (!starts("=")) return fail("attribute " + *key + " has no '='");
      ++pos_;
      skip_space();
      auto value = attribute_value();
      if (!value) return value.error();
      if (e.attribute(*key) != nullptr) return fail("attribute " + *key + " given twice");
      e.attributes.emplace_back(std::move(*key), std::move(*value));
    }
    return content(e, depth);
  }

  // After the start tag's '>': children and text up to the matching end tag.
  Status content(XmlElement& e, int depth) {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '&') {
        VMHA_TRY(reference(e.text));
      } else if (c != '<') {
        e.text += c;
        ++pos_;
      } else if (starts("</")) {
        pos_ += 2;
        auto n = name();
        if (!n) return n.error();
        if (*n != e.name) return fail("</" + *n + "> closes <" + e.name + ">");
        skip_space();
        if (!starts(">")) return fail("malformed end tag </" + *n + ">");
        ++pos_;
        return ok_status();
      } else if (starts("<!--")) {
        if (!skip_past("-->")) return fail("unterminated comment");
      } else if (starts("<![CDATA[")) {
        size_t from = pos_ + 9;
        if (!skip_past("]]>")) return fail("unterminated CDATA section");
        e.text += s_.substr(from, pos_ - 3 - from);
      } else if (starts("<?")) {
        if (!skip_past("?>")) return fail("unterminated processing instruction");
      } else if (starts("<!")) {
        return fail("a declaration is not read here");
      } else {
        XmlElement child;
        VMHA_TRY(element(child, depth + 1));
        e.text += child.text;
        e.children.push_back(std::move(child));
      }
    }
    return fail("<" + e.name + "> is never closed");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

const std::string* XmlElement::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

const XmlElement* XmlElement::child(std::string_view element_name) const {
  for (const XmlElement& c : children) {
    if (c.name == element_name) return &c;
  }
  return nullptr;
}

Result<XmlElement> parse_metadata_xml(std::string_view text) { return Reader(text).document(); }

}  // namespace vmha::fence
