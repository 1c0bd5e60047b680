# Run by `cmake --install`: copies NH_SOURCE into NH_DIR (under DESTDIR) with
# the installed binary's path in place of the examples' /usr/bin one, so hooks.d files and systemd units name where the binary
# really goes, even with `cmake --install --prefix`.
foreach(dir NH_BINDIR NH_DIR)
  if(NOT IS_ABSOLUTE "${${dir}}")
    set(${dir} "${CMAKE_INSTALL_PREFIX}/${${dir}}")
  endif()
endforeach()
file(READ "${NH_SOURCE}" text)
string(REPLACE "/usr/bin/netns-hook" "${NH_BINDIR}/netns-hook" text "${text}")
get_filename_component(name "${NH_SOURCE}" NAME)
set(dest "$ENV{DESTDIR}${NH_DIR}/${name}")
message(STATUS "Installing: ${dest}")
file(WRITE "${dest}" "${text}")
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${dest}")
