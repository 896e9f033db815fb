#include "fixture.h"
#include <ldap.h>

static void
test_defaults(void **state)
{
	struct conf c;

	(void)state;
	fx_conf(&c, NULL);
	assert_int_equal(c.pool_strategy, POOL_ROUND_ROBIN);
	assert_int_equal(c.page_size, 500);
	assert_int_equal(c.timeout, 30);
	assert_int_equal(c.op_timeout, 60);
	assert_int_equal(c.tls_reqcert, LDAP_OPT_X_TLS_DEMAND);
	assert_string_equal(c.user_bases.v[0], "dc=example,dc=com");
	assert_string_equal(c.group_bases.v[0], "dc=example,dc=com");
	assert_string_equal(c.user_filter, "(objectClass=posixAccount)");
	assert_string_equal(c.group_filter, "(objectClass=posixGroup)");
	assert_string_equal(c.suspend_shell, "/usr/sbin/nologin");
	assert_int_equal(c.user_removal, RM_NOTHING);
	assert_int_equal(c.group_removal, RM_NOTHING);
	assert_true(c.unusable_password && c.users && c.groups && c.files);
	assert_int_equal(c.max_removals, 10);
	assert_true(c.max_removals_pct);
	assert_true(idranges_has(&c.uid_range, 1000));
	assert_true(idranges_has(&c.uid_range, 60000));
	assert_false(idranges_has(&c.uid_range, 999));
	assert_false(idranges_has(&c.uid_range, 60001));
	assert_string_equal(expr_attr(c.umap[UF_NAME]), "uid");
	assert_null(expr_attr(c.umap[UF_GECOS]));
	assert_int_equal(c.ssl, SSL_OFF);
	conf_free(&c);
}

static void
test_values(void **state)
{
	struct conf c;

	(void)state;
	fx_conf(&c,
	    "uri ldap://127.0.0.2/ ldaps://127.0.0.3/\n"
	    "uri ldapi://%2Frun%2Fslapd%2Fldapi\n"
	    "  # an indented comment\n"
	    "\n"
	    "pool_strategy first\n"
	    "user_base ou=a,dc=example,dc=com\n"
	    "user_base \"ou=b c,dc=example,dc=com\"\n"
	    "user_scope one\n"
	    "user_filter \"(&(objectClass=posixAccount)(cn=a b))\"\n"
	    "map passwd homeDirectory \"/home/$uid\"\n"
	    "map shadow userPassword unixUserPassword\n"
	    "suspend_shell \"/bin/false\"\n"
	    "validnames \"^[a-z]+$\"\n"
	    "uid_range 500 2000-3000\n"
	    "uid_range 70000\n"
	    "max_removals 7\n"
	    "user_exclude root admin\n"
	    "user_exclude backup\n"
	    "group_removal_action delete\n"
	    "ssl start_tls\n"
	    "page_size 0\n"
	    "bindpw \"pa ss\\\"word\"\n");
	assert_int_equal(c.uris.n, 4);
	assert_string_equal(c.uris.v[2], "ldaps://127.0.0.3/");
	assert_int_equal(c.pool_strategy, POOL_FIRST);
	assert_int_equal(c.user_bases.n, 2);
	assert_string_equal(c.user_bases.v[1], "ou=b c,dc=example,dc=com");
	assert_int_equal(c.user_scope, LDAP_SCOPE_ONELEVEL);
	assert_string_equal(c.user_filter, "(&(objectClass=posixAccount)(cn=a b))");
	assert_null(expr_attr(c.umap[UF_HOME]));
	assert_string_equal(expr_attr(c.umap[UF_PASSWORD]), "unixUserPassword");
	assert_string_equal(c.suspend_shell, "/bin/false");
	assert_true(idranges_has(&c.uid_range, 500));
	assert_true(idranges_has(&c.uid_range, 2500));
	assert_true(idranges_has(&c.uid_range, 70000));
	assert_false(idranges_has(&c.uid_range, 1000));
	assert_int_equal(c.max_removals, 7);
	assert_false(c.max_removals_pct);
	assert_int_equal(c.user_exclude.n, 3);
	assert_int_equal(c.group_removal, RM_DELETE);
	assert_int_equal(c.ssl, SSL_START_TLS);
	assert_int_equal(c.page_size, 0);
	assert_string_equal(c.bindpw, "pa ss\"word");
	assert_int_equal(regexec(&c.validnames_re, "abc", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&c.validnames_re, "ab1", 0, NULL, 0), 0);
	conf_free(&c);
}

static void
test_zero_never_in_range(void **state)
{
	struct conf c;

	(void)state;
	fx_conf(&c, "uid_range 0-100\n");
	assert_false(idranges_has(&c.uid_range, 0));
	assert_true(idranges_has(&c.uid_range, 1));
	conf_free(&c);
}

static void
test_ldaps_implies_ssl(void **state)
{
	struct conf c;

	(void)state;
	log_init(V_QUIET);
	assert_int_equal(conf_parse("t", "uri ldaps://127.0.0.1/\nbase dc=x\n", &c), 0);
	assert_int_equal(c.ssl, SSL_ON);
	conf_free(&c);
}

static void
test_bad(void **state)
{
	static const char *const bad[] = {
		"nosuchkeyword 1", "uri", "uri http://x/", "base", "base x",
		"page_size -1", "page_size 1x", "timeout 0", "users 1",
		"user_scope tree", "user_filter cn=x", "user_filter (cn=x))",
		"user_filter (cn=x)(cn=y)", "map passwd", "map passwd uid",
		"map nope uid uid", "map passwd nope uid", "map group cn \"${cn\"",
		"map passwd uid \"$\"", "user_removal_action suspendd",
		"group_removal_action suspend", "uid_range a-b", "uid_range 5-1",
		"uid_range 4294967295", "max_removals -1", "max_removals 101%",
		"max_removals x%", "validnames \"(\"", "tls_reqcert no",
		"ssl maybe", "sasl_mech DIGEST-MD5", "suspend_shell nologin",
		"suspend_shell \"/bin/a:b\"", "state_dir var", "bindpw_file rel",
		"bindpw_file /nonexistent/pw", "membership_filter (member=x)",
		"\"uri\" ldap://x/", "uri \"ldap://x/", "base \"dc=x\"junk",
		"tls_cacertfile relative", "files_interval -5", NULL
	};
	struct conf c;

	(void)state;
	log_init(V_QUIET);
	for (int i = 0; bad[i]; i++) {
		char *text = xasprintf("uri ldap://127.0.0.1/\nbase dc=x\n%s\n",
		    bad[i]);

		if (conf_parse("t", text, &c) != -1)
			fail_msg("accepted: %s", bad[i]);
		conf_free(&c);
		free(text);
	}
	assert_int_equal(conf_parse("t", "base dc=x\n", &c), -1);
	conf_free(&c);
	assert_int_equal(conf_parse("t", "uri ldap://x/\n", &c), -1);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_zero_never_in_range),
		cmocka_unit_test(test_ldaps_implies_ssl),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
