/* SPDX-License-Identifier: ISC */
/*
 * doctor_darwin.c - berth doctor on macOS: pfctl, the com.apple anchor
 * point, and what a crashed netd left behind. Not compiled on Linux.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "doctor.h"

void
doctor_os(int repair, int running)
{
	doctor_report(access("/sbin/pfctl", X_OK) == 0, "pfctl present",
	    "pf is part of macOS; /sbin/pfctl is missing");
	/* pf.conf must still hold the stock com.apple anchor points. */
	doctor_report(doctor_sh_output("grep -q 'anchor \"com.apple/\\*\"' "
	    "/etc/pf.conf && echo y"), "/etc/pf.conf has anchor "
	    "\"com.apple/*\"", "restore the stock /etc/pf.conf");
	if (!running && doctor_sh_output("pfctl -a com.apple/berth -s "
	    "Anchors 2>/dev/null")) {
		if (repair)
			system("berth-netd --cleanup");
		doctor_report(!doctor_sh_output("pfctl -a com.apple/berth "
		    "-s Anchors 2>/dev/null"), "no leftover pf anchors",
		    "berth doctor --repair removes them");
	}
}
