/*
 * airlock-fwd SOCKET TAG: the command QEMU's user networking runs for each guest connection to a
 * `guestfwd` address (stdin/stdout are that connection). It connects to the host's egress data
 * plane on the Unix socket SOCKET, sends "TAG\n" so the data plane knows which forward the guest
 * used, then relays bytes both ways, passing half-closes through. It makes no decisions.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3 || strlen(argv[1]) >= sizeof(((struct sockaddr_un *)0)->sun_path)) return 2;
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strcpy(addr.sun_path, argv[1]);
  if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) return 1;
  if (write_all(s, argv[2], strlen(argv[2])) < 0 || write_all(s, "\n", 1) < 0) return 1;
  /* QEMU gives the guest connection as fd 0 (and 1: the same socket). */
  struct pollfd fds[2] = {{.fd = 0, .events = POLLIN}, {.fd = s, .events = POLLIN}};
  int in_open = 1, out_open = 1;
  char buf[65536];
  while (in_open || out_open) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (in_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n > 0) {
        if (write_all(s, buf, (size_t)n) < 0) return 0;
      } else if (n == 0 || errno != EINTR) {
        in_open = 0;
        fds[0].fd = -1;
        shutdown(s, SHUT_WR);
      }
    }
    if (out_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(s, buf, sizeof buf);
      if (n > 0) {
        if (write_all(1, buf, (size_t)n) < 0) return 0;
      } else if (n == 0 || errno != EINTR) {
        out_open = 0;
        fds[1].fd = -1;
        shutdown(1, SHUT_WR);
        if (!in_open) break;
        /* The data plane is done: nothing more can reach the guest. */
        return 0;
      }
    }
  }
  return 0;
}
