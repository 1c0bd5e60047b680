# Run by `cmake --install`: writes hooks.d/netns-hook.json with the installed
# binary's path in place of the example's /usr/local/bin/netns-hook.
foreach(dir NH_BINDIR NH_HOOKS_D_DIR)
  if(NOT IS_ABSOLUTE "${${dir}}")
    set(${dir} "${CMAKE_INSTALL_PREFIX}/${${dir}}")
  endif()
endforeach()
file(READ "${NH_HOOKS_D_SOURCE}" json)
string(REPLACE "/usr/local/bin/netns-hook" "${NH_BINDIR}/netns-hook" json "${json}")
set(dest "$ENV{DESTDIR}${NH_HOOKS_D_DIR}/netns-hook.json")
message(STATUS "Installing: ${dest}")
file(WRITE "${dest}" "${json}")
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${dest}")
