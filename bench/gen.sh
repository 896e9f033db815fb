#!/bin/sh
# gen.sh USERS GROUPS [MEMBERS]: LDIF for a synthetic directory under
# dc=example,dc=com: posixAccount users u1..uN and posixGroup groups
# g1..gM with MEMBERS distinct memberUid values each (default 20).
users=${1:-100000} groups=${2:-10000} members=${3:-20}
exec awk -v U="$users" -v G="$groups" -v M="$members" 'BEGIN {
	for (i = 1; i <= U; i++) {
		printf "dn: uid=u%d,ou=people,dc=example,dc=com\n", i
		printf "objectClass: inetOrgPerson\nobjectClass: posixAccount\nobjectClass: shadowAccount\n"
		printf "uid: u%d\ncn: User %d\nsn: %d\n", i, i, i
		printf "uidNumber: %d\ngidNumber: %d\n", 100000 + i, 100000 + (i % G) + 1
		printf "homeDirectory: /home/u%d\nloginShell: /bin/bash\n", i
		printf "gecos: User %d,,,\nshadowLastChange: 19000\n\n", i
	}
	for (g = 1; g <= G; g++) {
		printf "dn: cn=g%d,ou=groups,dc=example,dc=com\n", g
		printf "objectClass: posixGroup\ncn: g%d\ngidNumber: %d\n", g, 100000 + g
		for (k = 0; k < M; k++)
			printf "memberUid: u%d\n", (g * 7919 + k * 104729) % U + 1
		printf "\n"
	}
}'
