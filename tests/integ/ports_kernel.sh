#!/bin/sh
# SPDX-License-Identifier: ISC
# Published ports and egress through the kernel path (nft DNAT, masquerade).
OPT=""
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ports.sh"
