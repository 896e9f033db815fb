/* The configuration file: every keyword of ldapsync.conf(5). */
#ifndef LDAPSYNC_CONF_H
#define LDAPSYNC_CONF_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "expr.h"
#include "idmap.h"
#include "util.h"

enum pool_strategy { POOL_FIRST, POOL_ROUND_ROBIN, POOL_RANDOM };
enum ssl_mode { SSL_OFF, SSL_ON, SSL_START_TLS };
enum removal { RM_NOTHING, RM_SUSPEND, RM_DELETE };
enum schema { SCHEMA_RFC2307, SCHEMA_RFC2307BIS, SCHEMA_AD, SCHEMA_IPA };

/* Fields a user or group entry maps to. */
enum ufield {
	UF_NAME, UF_UID, UF_GID, UF_GECOS, UF_HOME, UF_SHELL, UF_PASSWORD,
	UF_LASTCHG, UF_MIN, UF_MAX, UF_WARN, UF_INACT, UF_EXPIRE,
	UF_SSHKEY, UF_COUNT
};
enum gfield { GF_NAME, GF_GID, GF_MEMBERUID, GF_MEMBER, GF_COUNT };

struct idrange {
	uint32_t	 lo, hi;
};

struct idranges {
	struct idrange	*v;
	size_t		 n;
};

struct conf {
	char		*path;

	struct strlist	 uris;
	enum pool_strategy pool_strategy;
	char		*base;
	char		*binddn;
	char		*bindpw;	/* cleared and freed by conf_free */
	bool		 keep_bindpw;	/* watch: binds again after a run */
	char		*bindpw_file;
	char		*sasl_mech;		/* EXTERNAL or GSSAPI */
	char		*krb5_keytab, *krb5_principal;
	bool		 sasl_canonicalize;
	enum ssl_mode	 ssl;
	bool		 ssl_set;
	int		 tls_reqcert;	/* LDAP_OPT_X_TLS_* */
	char		*tls_cacertfile, *tls_cacertdir, *tls_cert, *tls_key;
	int		 timeout, op_timeout, page_size;

	bool		 users;
	struct strlist	 user_bases;
	int		 user_scope;	/* LDAP_SCOPE_* */
	char		*user_filter;
	struct expr	*umap[UF_COUNT];
	struct strlist	 user_exclude;
	enum removal	 user_removal;
	bool		 unusable_password;
	char		*suspend_shell;
	char		*validnames;
	regex_t		 validnames_re;
	bool		 validnames_compiled;
	struct idranges	 uid_range, gid_range;
	unsigned	 max_removals;
	bool		 max_removals_pct;

	bool		 groups;
	struct strlist	 group_bases;
	int		 group_scope;
	char		*group_filter;
	struct expr	*gmap[GF_COUNT];
	struct strlist	 group_exclude;
	enum removal	 group_removal;
	bool		 memberships;
	char		*membership_filter;
	struct strlist	 login_groups;	/* names; empty: everyone */
	struct strlist	 synced_groups;	/* DNs; empty: all the filter finds */
	/* local_group_map: pairs, directory group then local group. */
	struct strlist	 local_group_map;
	bool		 create_home;
	char		*skel_dir;

	/* Directory dialects. */
	enum schema	 schema;
	struct idmap	 idmap;		/* id_mapping, idmap_range... */
	bool		 account_state;
	bool		 name_lower;	/* name_case lower */
	char		 override_space;	/* '\0': none */
	bool		 nested_groups;
	int		 nesting_level;

	bool		 files;
	char		*state_dir;
	int		 files_interval;
	char		*metrics_file;
};

/* Returns 0, or -1 after printing "FILE:LINE: why". */
int	 conf_load(const char *path, struct conf *);
/*
 * For the commands that only read the state directory (status): the
 * configuration, or when this user may not read it (it may hold a
 * password), the built-in defaults, state_dir among them.
 */
int	 conf_load_for_reading(const char *path, struct conf *);
/* The same from memory, for tests; name is used in messages. */
int	 conf_parse(const char *name, const char *text, struct conf *);
void	 conf_free(struct conf *);
bool	 idranges_has(const struct idranges *, uint32_t);
/*
 * In a passwd map, $name is the user's final name (after name_case and
 * override_space), which the mapper supplies: never asked of the server.
 */
#define CONF_NAME	"name"
bool	 conf_user_reads_name(const struct conf *);
/* Attributes the user or group maps read, for the search request. */
void	 conf_user_attrs(const struct conf *, struct strlist *);
void	 conf_group_attrs(const struct conf *, struct strlist *);
/* Reads bindpw_file into c->bindpw if set.  0, or -1 after a message. */
int	 conf_read_bindpw(struct conf *);

#endif
