/* SPDX-License-Identifier: ISC */
/*
 * name.c - validation of names (DNS labels).
 */
#include <stdio.h>
#include <string.h>

#include "name.h"
#include "util.h"

/*
 * name_quote - a printable, bounded rendering of an untrusted string for
 * error messages: quotes, backslashes and control characters are escaped
 * so a hostile name cannot forge output lines.
 */
const char *
name_quote(const char *s, char *buf, unsigned long len)
{
	unsigned long	 o = 0;
	unsigned char	 c;

	if (len == 0)
		return "";
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (o + 5 >= len) {
			if (o + 4 < len) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f)
			o += (unsigned long)snprintf(buf + o, len - o,
			    "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

int
name_check(const char *s, const char *what, char **cause)
{
	char	 q[96];
	size_t	 len, i;

	if (s == NULL || *s == '\0')
		return cause_set(cause, "%s is empty", what);
	len = strlen(s);
	if (len > NAME_MAX_LEN)
		return cause_set(cause, "%s \"%s\" is longer than %d "
		    "characters", what, name_quote(s, q, 40), NAME_MAX_LEN);
	for (i = 0; i < len; i++) {
		char	 c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (c == '-' && i != 0 && i != len - 1)
			continue;
		if (c == '-')
			return cause_set(cause, "%s \"%s\" may not start or "
			    "end with '-'", what, name_quote(s, q, sizeof(q)));
		return cause_set(cause, "%s \"%s\" has a character that is "
		    "not allowed (use a-z, 0-9 and '-')", what,
		    name_quote(s, q, sizeof(q)));
	}
	return 0;
}
