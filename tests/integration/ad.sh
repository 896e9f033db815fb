#!/bin/bash
# Active Directory: a real Samba AD DC (samba.sh) with RFC 2307 users and
# users without, disabled, expired and expiring ones, a primary group
# only, upper-case names, built-in groups, nested groups with a cycle, a
# rename and a deletion.  Every line ldapsync writes is checked: with the
# three-line schema ad configuration, id_mapping sssd (the ids SSSD gives,
# computed here by tests/data/sssd-id.py), id_mapping rid, account_state
# no, nesting_level 1 and a DOMAIN\user bind.
[ "$(id -u)" = 0 ] || { echo "ad.sh needs root (network namespaces)"; exit 1; }
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/samba.sh"

samba_start
dc_load load
printf '%s\n' "$DC_ADMIN_PW" > "$WORK/pw"
chmod 600 "$WORK/pw"

adconf() {	# FILE, extra lines on stdin
	{
		echo "uri ldap://dc1.ad.example.test/"
		echo "base $DC_BASE"
		echo "binddn Administrator@ad.example.test"
		echo "bindpw_file $WORK/pw"
		echo "ssl start_tls"
		echo "tls_cacertfile $DC_CA"
		echo "schema ad"
		echo "state_dir /var/lib/ldapsync"
		cat
	} > "$1"
	chmod 600 "$1"
}

adsync() {	# NAME: a fresh root synced with NAME.conf
	rm -rf "$WORK/$1"
	mkroot "$WORK/$1"
	in_dc "$LDAPSYNC" -c "$WORK/$1.conf" --root "$WORK/$1" > "$WORK/$1.out" 2>&1 ||
		{ cat "$WORK/$1.out"; fail "$1: sync failed"; }
}

# FILE of ROOT must be the local lines and these (stdin), in any order.
expect() {	# ROOT FILE what
	{ cat "$DATA/root/$2"; cat; } | sort > "$WORK/want"
	sort "$1/etc/$2" > "$WORK/got"
	diff -u "$WORK/want" "$WORK/got" > "$WORK/diff" || { cat "$WORK/diff"; fail "$3: $2"; }
}

line() {	# ROOT FILE NAME: the line of NAME
	grep "^$3:" "$1/etc/$2"
}

# The group line of NAME, members sorted: the DC keeps values in no order.
group() {	# ROOT NAME
	local l
	l=$(line "$1" group "$2") || return 1
	echo "${l%:*}:$(echo "${l##*:}" | tr ',' '\n' | sort | paste -sd,)"
}

# --- schema ad alone ------------------------------------------------------
adconf "$WORK/plain.conf" < /dev/null
adsync plain
R="$WORK/plain"
expect "$R" passwd "schema ad" <<E
alice:x:10001:10000:Alice Arnold:/home/alice:/bin/bash
carol:x:10003:10000:Carol Clark:/home/carol:/usr/sbin/nologin
dave:x:10004:10000:dave:/home/dave:/usr/sbin/nologin
erin:x:10005:10000:erin:/home/erin:/bin/bash
frank:x:10007:10000:frank:/home/frank:/usr/sbin/nologin
E
expect "$R" shadow "schema ad" <<E
alice:*:::::::
carol:!*::::::1:
dave:!*::::::1:
erin:*::::::47482:
frank:!*::::::1:
E
# ops has no gidNumber: without id_mapping it is no group, so devs holds
# only alice; qa holds erin and, nested, devs's alice.
expect "$R" group "schema ad" <<E
unixusers:x:10000:
devs:x:10010:alice
qa:x:10012:erin,alice
E
expect "$R" gshadow "schema ad" <<E
unixusers:!::
devs:!::alice
qa:!::erin,alice
E
assert_grep "CN=bob,CN=Users,$DC_BASE: skipped: uidNumber missing" "$WORK/plain.out" \
	"a user without uidNumber is skipped with id_mapping none, naming its DN"
pass "schema ad with a UPN bind over StartTLS: RFC 2307 users, disabled and expired ones suspended, a future expiry in shadow"

# --- id_mapping sssd --------------------------------------------------------
adconf "$WORK/sssd.conf" <<E
id_mapping sssd
override_space _
E
adsync sssd
R="$WORK/sssd"
read -r BOB JSMITH DU OPS ADM <<<"$(/usr/bin/python3 "$DATA/sssd-id.py" "$DC_SID" \
	"$(in_dc true; dc_rid bob)" "$(dc_rid JSmith)" 513 "$(dc_rid ops)" 500 | tr '\n' ' ')"
[ -n "$ADM" ] || fail "sssd-id.py computed no ids"
assert_eq "$(line "$R" passwd bob)" "bob:x:$BOB:$DU:Bob Brown:/home/bob:/bin/bash" "bob's mapped ids"
assert_eq "$(line "$R" passwd jsmith)" "jsmith:x:$JSMITH:$DU:John Smith:/home/jsmith:/bin/bash" \
	"JSmith, folded, in Domain Users"
assert_eq "$(line "$R" passwd administrator)" \
	"administrator:x:$ADM:$DU:Administrator:/home/administrator:/bin/bash" "Administrator"
assert_eq "$(line "$R" passwd alice)" "alice:x:10001:10000:Alice Arnold:/home/alice:/bin/bash" \
	"uidNumber wins over the SID"
assert_eq "$(line "$R" group domain_users)" "domain_users:x:$DU:" "Domain Users, its space replaced"
assert_eq "$(group "$R" ops)" "ops:x:$OPS:alice,bob,carol,erin,jsmith" "ops: nested to the cycle"
assert_eq "$(group "$R" devs)" "devs:x:10010:alice,bob,carol,erin,jsmith" "devs: nested"
assert_eq "$(group "$R" qa)" "qa:x:10012:alice,bob,carol,erin,jsmith" "qa: nested"
assert_grep "nested groups form a cycle" "$WORK/sssd.out" "the cycle is warned about"
! line "$R" group administrators > /dev/null || fail "a BUILTIN group got an id"
structure "$R" > "$WORK/structure"
[ ! -s "$WORK/structure" ] || { cat "$WORK/structure"; fail "sssd: structure"; }
pass "id_mapping sssd: SSSD's ids from objectSid, primary groups, folded names, override_space, nested groups with a cycle cut"

# --- id_mapping rid, account_state no, nesting_level 1 ----------------------
adconf "$WORK/rid.conf" <<E
id_mapping rid
idmap_domain $DC_SID 100000
account_state no
nesting_level 1
E
adsync rid
R="$WORK/rid"
assert_eq "$(line "$R" passwd bob)" "bob:x:$((100000 + $(dc_rid bob))):100513:Bob Brown:/home/bob:/bin/bash" \
	"id_mapping rid"
assert_eq "$(line "$R" passwd carol)" "carol:x:10003:10000:Carol Clark:/home/carol:/bin/bash" \
	"account_state no: carol as the directory has her otherwise"
assert_eq "$(line "$R" shadow dave)" "dave:*:::::::" "account_state no: dave's expiry is not read"
assert_eq "$(group "$R" devs)" "devs:x:10010:alice,bob,carol,jsmith" \
	"nesting_level 1: ops's members, not qa's"
pass "id_mapping rid, account_state no and nesting_level 1"

# --- DOMAIN\user bind, then changes -----------------------------------------
adconf "$WORK/down.conf" <<E
id_mapping sssd
user_removal_action delete
max_removals 100%
E
sed -i 's/^binddn .*/binddn ADEX\\Administrator/' "$WORK/down.conf"
adsync down
R="$WORK/down"
ALICE_LINE=$(line "$R" passwd alice)
run_down() {	# LOG
	in_dc "$LDAPSYNC" -v -c "$WORK/down.conf" --root "$R" > "$1" 2>&1 ||
		{ cat "$1"; fail "a run of down.conf"; }
}
run_down "$WORK/down1.out"
assert_grep "^incremental refresh: 0 entries received" "$WORK/down1.out" \
	"a second run against the same DC asks only for what changed"
dc_load change
run_down "$WORK/down2.out"
N=$(sed -n 's/^incremental refresh: \([0-9]*\) entries received/\1/p' "$WORK/down2.out")
[ -n "$N" ] && [ "$N" -ge 5 ] && [ "$N" -le 10 ] ||
	{ cat "$WORK/down2.out"; fail "the changed run received '$N' entries, not the 5-10 changed"; }
assert_grep "^! user erin suspended: disabled in the directory$" "$WORK/down2.out" \
	"disabled in the directory: a suspension"
assert_grep "^users: 1 added, [0-9]+ updated, 1 suspended, 1 deleted" "$WORK/down2.out" \
	"the summary counts it, as the guard does"
assert_eq "$(line "$R" passwd alice2)" "${ALICE_LINE/alice:/alice2:}" "a rename keeps the account (objectGUID)"
! line "$R" passwd alice > /dev/null || fail "the old name stays"
! line "$R" passwd jsmith > /dev/null || fail "a deleted user stays"
assert_eq "$(line "$R" passwd frank)" "frank:x:10007:10000:frank:/home/frank:/bin/bash" "frank enabled again"
assert_eq "$(line "$R" shadow frank)" "frank:*:::::::" "frank's password unlocked"
assert_grep "^gina:x:10008:10000:" "$R/etc/passwd" "a new user"
assert_eq "$(group "$R" devs)" "devs:x:10010:alice2,bob,carol,erin" "devs after the changes"
# What an incremental run made is what a full sync makes; also when more
# changed than are read one by one.
same_as_full() {	# what
	cp "$WORK/down.conf" "$WORK/downfull.conf"
	adsync downfull
	for f in passwd shadow group gshadow; do
		diff <(sort "$R/etc/$f") <(sort "$WORK/downfull/etc/$f") > "$WORK/diff" ||
			{ cat "$WORK/diff"; fail "$1: incremental and full differ in $f"; }
	done
}
same_as_full "a few changes"
dc_load bulk 100
run_down "$WORK/down3.out"
assert_grep "^incremental refresh: 10[0-9] entries received" "$WORK/down3.out" \
	"101 new entries (100 users and a group), incrementally"
same_as_full "100 new users"
pass "a DOMAIN\\user bind; incremental runs by uSNChanged (deletions by objectGUID) apply a rename, a deletion, a disabled, a re-enabled and a new user as a full sync does"

# --- sasl_mech GSSAPI from a keytab ------------------------------------------
# A service account's keytab, and the DC's ldap/ name (samba_spnupdate,
# which adds it, belongs to a DNS service this DC does not run).
in_dc samba-tool user create svc-sync 'Svc-Passw0rd!x' -s "$DC_DIR/etc/smb.conf" > /dev/null ||
	fail "svc-sync"
in_dc samba-tool spn add ldap/dc1.ad.example.test 'DC1$' -s "$DC_DIR/etc/smb.conf" ||
	fail "the DC's ldap/ SPN"
in_dc samba-tool domain exportkeytab "$WORK/svc.keytab" --principal=svc-sync \
	-s "$DC_DIR/etc/smb.conf" > /dev/null || fail "exportkeytab"
printf '%s\n' '[libdefaults]' '	default_realm = AD.EXAMPLE.TEST' \
	'	dns_lookup_realm = false' '	dns_lookup_kdc = false' '	rdns = false' \
	'[realms]' '	AD.EXAMPLE.TEST = {' '		kdc = 127.0.0.1' '	}' > "$WORK/krb5.conf"
# Samba refuses GSSAPI inside TLS (with a security layer or without):
# Kerberos seals the plain connection instead.
grep -v '^binddn\|^bindpw\|^ssl\|^tls' "$WORK/sssd.conf" > "$WORK/gss.conf"
printf 'sasl_mech GSSAPI\nkrb5_keytab %s\n' "$WORK/svc.keytab" >> "$WORK/gss.conf"
export KRB5_CONFIG="$WORK/krb5.conf"
adsync gss
assert_eq "$(line "$WORK/gss" passwd bob)" "$(line "$WORK/sssd" passwd bob)" \
	"a GSSAPI bind syncs as a simple one"
{ cat "$WORK/gss.conf"; echo "krb5_principal nobody@AD.EXAMPLE.TEST"; } > "$WORK/gssbad.conf"
chmod 600 "$WORK/gssbad.conf"
cp -a "$WORK/gss" "$WORK/gss-before"
in_dc "$LDAPSYNC" -c "$WORK/gssbad.conf" --root "$WORK/gss" > "$WORK/gssbad.out" 2>&1 &&
	fail "a principal the keytab lacks bound"
assert_grep "nobody@AD.EXAMPLE.TEST" "$WORK/gssbad.out" "the failure names the principal"
diff -r "$WORK/gss-before/etc" "$WORK/gss/etc" > /dev/null || fail "a failed GSSAPI bind changed the files"
pass "sasl_mech GSSAPI from a keytab exported by samba-tool, the ticket in memory"

samba_stop
done_testing
