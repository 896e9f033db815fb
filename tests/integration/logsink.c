/*
 * logsink SOCKET FILE COMMAND...: receives syslog datagrams on a unix
 * socket while COMMAND runs, writes them to FILE one per line, and exits
 * with the command's status.  logging.sh runs it in a private mount namespace in
 * which SOCKET is /dev/log, so the real syslog never hears of a test.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void
drain(int fd, int ms, FILE *out)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char msg[4096];
	ssize_t n;

	while (poll(&p, 1, ms) > 0 && (n = recv(fd, msg, sizeof(msg) - 1, 0)) > 0) {
		msg[n] = '\0';
		fprintf(out, "%s\n", msg);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, st;
	pid_t pid;
	FILE *out;

	if (argc < 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: logsink SOCKET FILE COMMAND...\n");
		return 2;
	}
	if ((out = fopen(argv[2], "w")) == NULL) {
		perror(argv[2]);
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    chmod(argv[1], 0666) == -1) {
		perror(argv[1]);
		return 2;
	}
	if ((pid = fork()) == 0) {
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		_exit(127);
	}
	while (waitpid(pid, &st, WNOHANG) == 0)
		drain(fd, 50, out);
	drain(fd, 200, out);
	if (fclose(out) != 0) {
		perror(argv[2]);
		return 2;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
