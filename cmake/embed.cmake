# vmha_embed(TARGET_VAR FILE SYMBOL): compiles FILE into a C++ source that
# defines `std::string_view SYMBOL()` in namespace vmha::embedded, so that the
# metadata XML stays the one source of truth and is not copied into code.
function(vmha_embed out_var file symbol)
  set(src "${CMAKE_CURRENT_BINARY_DIR}/${symbol}.cpp")
  add_custom_command(
    OUTPUT "${src}"
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${src} -DSYMBOL=${symbol}
            -P "${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake"
    DEPENDS "${file}" "${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake"
    COMMENT "Embedding ${file}")
  set(${out_var} "${src}" PARENT_SCOPE)
endfunction()
