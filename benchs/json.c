// SPDX-License-Identifier: GPL-2.0
/* json.c: a tiny append-only JSON writer; enough for result objects;
 * a NULL key writes an array element.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

void json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
}

void json_free(struct json *j)
{
	free(j->buf);
	json_init(j);
}

static void put(struct json *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(j->buf ? j->buf + j->len : NULL,
			      j->buf ? j->cap - j->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (j->buf && j->len + n < j->cap)
			break;
		j->cap = (j->cap + n + 1) * 2;
		j->buf = realloc(j->buf, j->cap);
		if (!j->buf)
			abort();
	}
	j->len += n;
}

static void put_string(struct json *j, const char *s)
{
	put(j, "\"");
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			put(j, "\\%c", c);
		else if (c < 0x20)
			put(j, "\\u%04x", c);
		else
			put(j, "%c", c);
	}
	put(j, "\"");
}

static void key(struct json *j, const char *k)
{
	if (j->need_comma)
		put(j, ",");
	j->need_comma = true;
	if (k) {
		put_string(j, k);
		put(j, ":");
	}
}

void json_begin(struct json *j, const char *k)
{
	key(j, k);
	put(j, "{");
	j->need_comma = false;
}

void json_end(struct json *j)
{
	put(j, "}");
	j->need_comma = true;
}

void json_begin_array(struct json *j, const char *k)
{
	key(j, k);
	put(j, "[");
	j->need_comma = false;
}

void json_end_array(struct json *j)
{
	put(j, "]");
	j->need_comma = true;
}

void json_str(struct json *j, const char *k, const char *val)
{
	key(j, k);
	put_string(j, val ? val : "");
}

void json_u64(struct json *j, const char *k, u64 val)
{
	key(j, k);
	put(j, "%llu", (unsigned long long)val);
}

void json_dbl_digits(struct json *j, const char *k, double val, int digits)
{
	key(j, k);
	if (isfinite(val))
		put(j, "%.*g", digits, val);
	else
		put(j, "null");
}

void json_dbl(struct json *j, const char *k, double val)
{
	json_dbl_digits(j, k, val, 6);
}

void json_bool(struct json *j, const char *k, bool val)
{
	key(j, k);
	put(j, val ? "true" : "false");
}
