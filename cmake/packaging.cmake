# The Debian package (scripts/package.sh): CPack's DEB generator, with every
# file a host needs installed (the hooks.d file, the CNI link in Debian's
# plugin directory, the systemd units, the examples) and the runtime
# dependencies computed from the binary (dpkg-shlibdeps), not listed by hand.
set(NETNS_HOOK_INSTALL_HOOKS_D ON CACHE BOOL "" FORCE)
set(NETNS_HOOK_INSTALL_CNI ON CACHE BOOL "" FORCE)
set(NETNS_HOOK_CNI_BIN_DIR "lib/cni" CACHE STRING "" FORCE)
set(NETNS_HOOK_INSTALL_SYSTEMD ON CACHE BOOL "" FORCE)
set(NETNS_HOOK_SYSTEMD_DIR "lib/systemd/system" CACHE STRING "" FORCE)
set(NETNS_HOOK_INSTALL_EXAMPLES ON CACHE BOOL "" FORCE)

set(NH_MAINTAINER "netns-hook developers <netns-hook@users.noreply.github.com>")
# Debian wants a copyright file and a changelog in the package's doc directory
# (changelog.gz: a version without a Debian revision is a native package's).
string(TIMESTAMP NH_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${CMAKE_CURRENT_LIST_DIR}/copyright.in ${CMAKE_BINARY_DIR}/package/copyright @ONLY)
file(WRITE ${CMAKE_BINARY_DIR}/package/changelog
     "netns-hook (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
     "  * Built from the source tree by scripts/package.sh.\n\n"
     " -- ${NH_MAINTAINER}  ${NH_DATE}\n")
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/package/changelog.gz
                   COMMAND gzip -9nkf ${CMAKE_BINARY_DIR}/package/changelog
                   DEPENDS ${CMAKE_BINARY_DIR}/package/changelog)
add_custom_target(netns-hook-changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/package/changelog.gz)
install(FILES ${CMAKE_BINARY_DIR}/package/copyright ${CMAKE_BINARY_DIR}/package/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME netns-hook)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${NH_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "network for containers: an OCI hook and CNI plugin")
set(CPACK_PACKAGE_DESCRIPTION "netns-hook gives a container started by runc, crun or podman without a
network of its own a real one: a bridge port per network, an address from
a file-locked pool, a default route, outbound NAT, isolation between
networks and published ports, through nftables or the legacy iptables
tables; and takes it all down when the container stops. The same binary is
a CNI plugin for containerd, podman's CNI backend and Kubernetes.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # netns-hook_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "runc | crun | podman | containerd")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
