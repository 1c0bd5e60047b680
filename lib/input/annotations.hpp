#pragma once
// The annotations netns-hook reads from the container state. The ports,
// sysctl and dns annotations are parsed where their values are used
// (addr/port_mapping, container/sysctl, container/resolv_conf).
namespace nh::input {

constexpr const char* kAnnotationNetworks = "netns-hook.networks";  // NAME[,NAME...]
constexpr const char* kAnnotationIp = "netns-hook.ip";              // IP[,IP...]
constexpr const char* kAnnotationPorts = "netns-hook.ports";
constexpr const char* kAnnotationSysctl = "netns-hook.sysctl";
constexpr const char* kAnnotationDns = "netns-hook.dns";

}  // namespace nh::input
