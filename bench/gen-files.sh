#!/bin/sh
# gen-files.sh USERS GROUPS DIR: DIR/passwd, DIR/group and DIR/shadow with
# users u1..uN (uid 100000+i) and groups g1..gM (gid 100000+g) of 20
# members each; u1 is a member of g1..g20.
users=$1 groups=$2 dir=$3
awk -v U="$users" -v G="$groups" -v D="$dir" 'BEGIN {
	for (i = 1; i <= U; i++) {
		printf "u%d:x:%d:%d:User %d,,,:/home/u%d:/bin/bash\n", i,
		    100000 + i, 100000 + (i % G) + 1, i, i > D "/passwd"
		printf "u%d:*:19000::::::\n", i > D "/shadow"
	}
	for (g = 1; g <= G; g++) {
		line = sprintf("g%d:x:%d:", g, 100000 + g)
		for (k = 0; k < 20; k++) {
			m = (g * 7919 + k * 104729) % U + 1
			if (k == 0 && g <= 20)
				m = 1
			else if (m == 1)
				m = 2
			line = line (k ? "," : "") "u" m
		}
		print line > D "/group"
	}
}'
