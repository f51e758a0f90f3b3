#!/bin/sh
# SPDX-License-Identifier: ISC
# Published ports through netd's userspace proxy (-p ...,proxy); egress.
OPT=",proxy"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ports.sh"
