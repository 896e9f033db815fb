#!/bin/bash
# Command line and configuration errors: messages naming file and line,
# and the contract's exit codes.
. "$(dirname "$0")/lib.sh"

C="$WORK/c.conf"
good() { printf 'uri ldap://127.0.0.1:1/\nbase dc=example,dc=com\n' > "$C"; chmod 600 "$C"; }
check() { "$LDAPSYNC" -c "$C" check-config > "$WORK/out" 2> "$WORK/err"; echo $?; }

good
assert_eq "$(check)" 0 "check-config on a minimal file"
assert_grep 'configuration is valid' "$WORK/out"
pass "a minimal configuration is valid"

cp "$top_srcdir/conf/ldapsync.conf" "$C"; chmod 600 "$C"
assert_eq "$(check)" 0 "check-config on the example configuration"
# Every keyword at once: the commented ones too.
echo secret > "$WORK/pw"; chmod 600 "$WORK/pw"
sed "s|^#\([a-z_][a-z_]* \)|\1|; s|/etc/ldapsync.secret|$WORK/pw|" "$top_srcdir/conf/ldapsync.conf" > "$C"
assert_eq "$(check)" 0 "check-config with every keyword uncommented"
pass "the shipped example configuration, with every keyword, is valid"

bad() {	# LINE REGEX: appended to a good file, must fail at line 3
	good; printf '%s\n' "$1" >> "$C"
	assert_eq "$(check)" 2 "exit status for: $1"
	assert_grep "^ldapsync: $C:3: .*$2" "$WORK/err" "message for: $1"
}
bad 'frobnicate yes' 'unknown keyword'
bad 'page_size many' 'whole number'
bad 'users maybe' 'yes or no'
bad 'user_removal_action explode' 'nothing, suspend or delete'
bad 'group_removal_action suspend' 'nothing or delete'
bad 'uid_range 10-5' 'MIN <= MAX'
bad 'user_filter objectClass=posixAccount' 'parentheses'
bad 'user_filter (&(a=b)' 'unbalanced'
bad 'user_base notadn' 'not a valid DN'
bad 'user_base a b' 'too many values'
bad 'base' 'missing value'
bad 'map passwd shoesize shoeSize' 'unknown field'
bad 'map passwd homeDirectory "/home/${uid"' 'unterminated'
bad 'map passwd homeDirectory /home/$uid' 'not an attribute name'
bad 'map group memberUid "$memberUid"' 'attribute name'
bad 'max_removals 150%' 'N or N%'
bad 'validnames ^[a-z' 'regular expression'
bad 'tls_reqcert sometimes' 'never, allow'
bad 'pool_strategy fastest' 'first, round_robin or random'
bad 'membership_filter (member=x)' '\{user_dn\}'
bad 'uri http://example.com/' 'URI'
bad 'state_dir relative/path' 'absolute path'
pass "unknown keywords and bad values name the file and line"

printf 'base dc=example,dc=com\n' > "$C"
assert_eq "$(check)" 2 "missing uri"
assert_grep "^ldapsync: $C:1: missing required keyword \"uri\"" "$WORK/err"
printf 'uri ldap://127.0.0.1:1/\n' > "$C"
assert_eq "$(check)" 2 "missing base"
assert_grep "missing required keyword \"base\"" "$WORK/err"
pass "a missing uri or base is an error naming the file"

good; echo 'bindpw s3cret-value' >> "$C"; chmod 640 "$C"
assert_eq "$(check)" 2 "bindpw in a group-readable file"
assert_grep "$C: holds bindpw but is readable by group or others" "$WORK/err"
assert_no_grep 's3cret-value' "$WORK/err" "the password was printed"
chmod 600 "$C"
assert_eq "$(check)" 0 "bindpw in a 0600 file"
echo secret > "$WORK/pw"; chmod 644 "$WORK/pw"
good; echo "bindpw_file $WORK/pw" >> "$C"
assert_eq "$(check)" 2 "group-readable bindpw_file"
assert_grep "bindpw_file is readable by group or others" "$WORK/err"
chmod 600 "$WORK/pw"
assert_eq "$(check)" 0 "bindpw_file 0600"
pass "secrets readable by group or others are refused"

good
"$LDAPSYNC" -c "$C" --bogus > /dev/null 2>&1; assert_eq "$?" 2 "unknown option"
"$LDAPSYNC" -c "$C" frobnicate > /dev/null 2>&1; assert_eq "$?" 2 "unknown command"
"$LDAPSYNC" -c "$WORK/none.conf" > /dev/null 2> "$WORK/err"; assert_eq "$?" 2 "missing config file"
assert_grep "$WORK/none.conf: No such file" "$WORK/err"
"$LDAPSYNC" -c "$C" -R "$WORK/nonexistent" > /dev/null 2>&1; assert_eq "$?" 2 "missing --root"
"$LDAPSYNC" --version | grep -q '^ldapsync ' || fail "--version"
pass "usage errors exit 2"

done_testing
