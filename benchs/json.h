/* SPDX-License-Identifier: GPL-2.0 */
/* json.h: an append-only JSON writer; a NULL key writes an array element. */
#ifndef RLB_JSON_H
#define RLB_JSON_H

#include "rlb.h"

struct json {
	char *buf;
	size_t len;
	size_t cap;
	bool need_comma;
};

void json_init(struct json *j);
void json_free(struct json *j);
void json_begin(struct json *j, const char *key); /* key NULL at top */
void json_end(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, u64 val);
void json_dbl(struct json *j, const char *key, double val);
void json_dbl_digits(struct json *j, const char *key, double val, int digits);
void json_bool(struct json *j, const char *key, bool val);

#endif /* RLB_JSON_H */
