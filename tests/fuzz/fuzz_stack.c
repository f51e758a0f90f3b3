/* SPDX-License-Identifier: ISC */
/*
 * fuzz_stack.c - libFuzzer entry for the stack file parser.
 *
 * The input is a stack file. Beyond "no crash and no leak" (ASan's leak
 * check runs at exit): a refused file says why, and a file that parses
 * has at least one service, each with a command.
 */
#include <stdint.h>
#include <stdlib.h>

#include "stack.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stack	*st;
	char		*cause = NULL;
	size_t		 i;

	st = stack_parse((const char *)data, size, "fuzz/stack.json", &cause);
	if (st == NULL) {
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	if (cause != NULL || st->nservices == 0)
		abort();
	for (i = 0; i < st->nservices; i++)
		if (st->services[i].command == NULL ||
		    st->services[i].command[0] == NULL)
			abort();
	stack_free(st);
	return 0;
}
