#include "lab/common/xml_escape.h"

namespace famlab {
namespace {

std::string escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\t':
      case '\n':
      case '\r':
        if (attribute)
          out += "&#" + std::to_string(c) + ";";
        else
          out += static_cast<char>(c);
        break;
      default:
        if (c < 0x20) break;  // not allowed in XML 1.0
        out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

std::string xml_escape(std::string_view text) { return escape(text, false); }
std::string xml_attribute_escape(std::string_view text) { return escape(text, true); }

}  // namespace famlab
