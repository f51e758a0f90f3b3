/* SPDX-License-Identifier: ISC */
/*
 * doctor.h - the OS-specific checks of berth doctor.
 */
#ifndef BERTH_DOCTOR_H
#define BERTH_DOCTOR_H

/* Run the checks of this OS, each reported with doctor_report(). */
void	 doctor_os(int repair, int netd_running);
/* Report one check: ok, or the problem and (if any) how to fix it. */
void	 doctor_report(int ok, const char *what, const char *fix);

/* 1 when the shell command printed something. */
int	 doctor_sh_output(const char *cmd);
/* Run argv (PATH searched); 0 when it exits 0. */
int	 doctor_run(char *const argv[]);

#endif
