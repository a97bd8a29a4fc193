/*
 * value.h — the one value type the script runtime passes around: a 64-bit integer or a string.
 * Ownership: a value never owns its string; whoever made the value keeps the bytes alive for as
 * long as the value is used (the runtime's arenas, the event, or an aggregation's own copy).
 */
#ifndef PYSCOPE_VALUE_H
#define PYSCOPE_VALUE_H
#include <stdint.h>

enum ps_vtype { PS_V_NONE, PS_V_INT, PS_V_STR };

struct ps_value {
	enum ps_vtype type;
	int64_t i;               /* PS_V_INT */
	const char *s;           /* PS_V_STR: NUL-terminated */
};

static inline struct ps_value ps_int(int64_t i) { return (struct ps_value){ PS_V_INT, i, 0 }; }
static inline struct ps_value ps_str(const char *s) { return (struct ps_value){ PS_V_STR, 0, s }; }
#endif
