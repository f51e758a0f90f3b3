# SPDX-License-Identifier: ISC
#
# direct_sets.awk: nft rule text (berth rules, berth-netd -n) without
# the elements of the direct path's sets, @direct and @peers, which netd
# fills from what runs and the dry runs print empty (docs/rules.md).
# With -v sets=1 it prints only those elements instead, one a line:
# "SET ADDR NAME".
/^\tset (direct|peers) \{$/ { set = $2 }
set != "" && /^\t\telements = \{$/ { in_el = 1; next }
in_el && /^\t\t\}$/ { in_el = 0; next }
in_el {
	if (sets) {
		gsub(/[",]/, "")
		print set, $1, $3
	}
	next
}
/^\t\}$/ { set = "" }
!sets { print }
