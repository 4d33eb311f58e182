/*
 * rules_vocab.h - the rule vocabulary's C libraries (core only): money
 * (yuan, fen_to_yuan, percent, tiers, round_div) and dates (date.*), as
 * the analysts' manual describes them.
 *
 * Each opens like a standard Lua library: it pushes a new table filled
 * from its one name/function array, and the sandbox decides where the
 * functions go (money as globals, dates as the `date` table).  Every
 * function computes in integers only and raises a Lua error naming
 * itself on bad input; none keeps state or holds a C resource.
 */
#ifndef TW_RULES_VOCAB_H
#define TW_RULES_VOCAB_H

#include <lua.h>

/* Pushes a table with yuan, fen_to_yuan, percent, tiers and round_div. */
int tw_rules_open_money(lua_State *L);

/* Pushes the `date` table: valid, year, month, day, weekday,
 * days_between and add_days. */
int tw_rules_open_date(lua_State *L);

#endif
