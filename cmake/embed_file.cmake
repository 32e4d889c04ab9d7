# Script mode: turns IN into OUT, a byte array behind a string_view accessor.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}"
  "#include <string_view>\n"
  "namespace vmha::embedded {\n"
  "static const char k_${SYMBOL}[] = {${bytes} 0};\n"
  "std::string_view ${SYMBOL}() { return {k_${SYMBOL}, sizeof(k_${SYMBOL}) - 1}; }\n"
  "}\n")
