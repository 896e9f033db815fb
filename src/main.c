#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "sshkeys.h"
#include "statedir.h"
#include "status.h"
#include "sync.h"
#include "watch.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/ldapsync.conf"

static void
usage(FILE *f)
{
	fputs("usage: ldapsync [-c FILE] [-R DIR] [-n] [-v|-q] [--force] "
	    "[--full] [sync]\n"
	    "       ldapsync [-c FILE] [-R DIR] status [--json]\n"
	    "       ldapsync [-c FILE] [-R DIR] check-config\n"
	    "       ldapsync [-c FILE] [-R DIR] [-v|-q] watch\n"
	    "       ldapsync [-c FILE] [-R DIR] authorized-keys USER\n", f);
}

struct args {
	const char	*config;
	const char	*cmd;
	struct sync_opts o;
	enum verbosity	 v;
	bool		 json;
	const char	*user;		/* authorized-keys USER */
};

static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "root", required_argument, NULL, 'R' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "force", no_argument, NULL, 'F' },
		{ "full", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:R:nvqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': a->config = optarg; break;
		case 'R': a->o.root = optarg; break;
		case 'n': a->o.dry_run = true; break;
		case 'v': a->v = V_VERBOSE; break;
		case 'q': a->v = V_QUIET; break;
		case 'F': a->o.force = true; break;
		case 'f': a->o.full = true; break;
		case 'j': a->json = true; break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case 'V': puts(PACKAGE_STRING); exit(EXIT_OK);
		default: return -1;
		}
	}
	if (optind < argc)
		a->cmd = argv[optind++];
	if (strcmp(a->cmd, "authorized-keys") == 0) {
		if (optind == argc) {
			fprintf(stderr, "ldapsync: authorized-keys: no user\n");
			return -1;
		}
		a->user = argv[optind++];
	}
	if (optind < argc) {
		fprintf(stderr, "ldapsync: unexpected argument: %s\n",
		    argv[optind]);
		return -1;
	}
	return 0;
}

/* The tree must exist; "/" and "" mean the running system. */
static int
check_root(struct sync_opts *o)
{
	struct stat st;
	static char resolved[4096];

	if (o->root == NULL || o->root[0] == '\0') {
		o->root = "/";
		return 0;
	}
	if (realpath(o->root, resolved) == NULL || stat(resolved, &st) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "ldapsync: --root %s: not a directory\n",
		    o->root);
		return -1;
	}
	o->root = resolved;
	return 0;
}

/*
 * sshd's AuthorizedKeysCommand, as nobody: the keys map alone, so that a
 * login depends on neither the network nor a readable configuration.
 */
static int
authorized_keys(const struct conf *c, const char *root, const char *user)
{
	char *path;
	int rc;

	if (statedir_prepare(c, root, false) != 0)
		return EXIT_RUNTIME;
	path = state_file(c, root, SD_KEYS);
	rc = sshkeys_print(path, user, stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
	free(path);
	return rc;
}

int
main(int argc, char **argv)
{
	struct args a = { .config = DEFAULT_CONFIG, .cmd = "sync",
	    .v = V_NORMAL };
	struct conf c;
	bool readers;
	int rc;

	if (parse_args(argc, argv, &a) != 0 || check_root(&a.o) != 0) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	log_init(a.v);
	/*
	 * A connection the watchdog or the server shut down, or a reader of
	 * our output gone: an error to handle (EPIPE), not a death.
	 */
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(a.cmd, "sync") != 0 && strcmp(a.cmd, "check-config") != 0 &&
	    strcmp(a.cmd, "watch") != 0 && strcmp(a.cmd, "status") != 0 &&
	    strcmp(a.cmd, "authorized-keys") != 0) {
		log_error("unknown command: %s", a.cmd);
		return EXIT_CONFIG;
	}
	/* status and authorized-keys serve any user, as the module does. */
	readers = strcmp(a.cmd, "status") == 0 || a.user != NULL;
	/* What check-config and status say is for whoever asked. */
	if (strcmp(a.cmd, "sync") == 0 || strcmp(a.cmd, "watch") == 0)
		log_syslog_unless_watched();
	if ((readers ? conf_load_for_reading(a.config, &c) :
	    conf_load(a.config, &c)) != 0) {
		conf_free(&c);
		return EXIT_CONFIG;
	}
	if (strcmp(a.cmd, "check-config") == 0) {
		log_info("%s: configuration is valid", a.config);
		conf_free(&c);
		return EXIT_OK;
	}
	if (strcmp(a.cmd, "status") == 0)
		rc = status_show(&c, a.o.root, a.json);
	else if (a.user != NULL)
		rc = authorized_keys(&c, a.o.root, a.user);
	else if (strcmp(a.cmd, "watch") == 0)
		rc = watch_run(&c, a.config, &a.o);
	else
		rc = sync_run(&c, &a.o);
	conf_free(&c);
	return rc;
}
