// A tiny UDP peer for the port-publishing tests (busybox has no UDP server or
// client). Built static so it runs inside the busybox root filesystem.
//   udp_echo serve PORT TAG              answer each datagram with "TAG:<payload>"
//   udp_echo send HOST PORT SRCPORT MSG  send MSG from SRCPORT, print the answer
//                                        (exit 1 if none comes within 2 s)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int bound_socket(int port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::perror("bind");
    std::exit(2);
  }
  return fd;
}

int serve(int port, const std::string& tag) {
  int fd = bound_socket(port);
  char buf[1500];
  for (;;) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) continue;
    std::string reply = tag + ":" + std::string(buf, static_cast<size_t>(n));
    ::sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}

int send(const char* host, int port, int src_port, const std::string& msg) {
  int fd = bound_socket(src_port);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host, &to.sin_addr) != 1) return 2;
  ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 2000) != 1) return 1;
  char buf[1500];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return 1;
  std::printf("%.*s\n", static_cast<int>(n), buf);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "serve") == 0) return serve(std::atoi(argv[2]), argv[3]);
  if (argc == 6 && std::strcmp(argv[1], "send") == 0)
    return send(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), argv[5]);
  std::fprintf(stderr, "usage: udp_echo serve PORT TAG | send HOST PORT SRCPORT MSG\n");
  return 2;
}
