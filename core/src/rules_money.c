/*
 * rules_money.c - the money words of the rule vocabulary: yuan,
 * fen_to_yuan, percent, tiers and round_div (see rules_vocab.h).
 *
 * Amounts are Lua integers in fen; a float amount is refused.  Rates are
 * kept in millionths (2.5% is 25000), so a percent with up to four
 * decimals is an exact integer and every product is computed in 128 bits
 * and rounded once, half away from zero.  A float is accepted only where
 * an analyst writes a decimal (yuan(12.34), percent(x, 2.5)), and only
 * when it is exactly the double nearest to a decimal with few enough
 * places, so 1.005 (really 1.00499999...) is refused instead of guessed.
 * A result outside int64 raises "amount out of range".
 */
#include <lauxlib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "rules_vocab.h"

typedef __int128 tw_money_wide_t;

/* A rate of 1 is this many millionths of the amount (100%). */
#define TW_MONEY_RATE_SCALE 1000000

/* Decimals allowed in yuan(n) and in a percent. */
#define TW_MONEY_YUAN_DECIMALS 2
#define TW_MONEY_PCT_DECIMALS 4

/* A float times its scale stays below this, so rounding it is exact. */
#define TW_MONEY_FLOAT_LIMIT 0x1p50

/* The longest piece of an analyst's string quoted back in an error. */
#define TW_MONEY_QUOTE 40

static const lua_Integer tw_money_pow10[] = {1, 10, 100, 1000, 10000};


static void
tw_money_range_error(lua_State *L, const char *fn)
{
    luaL_error(L, "%s: amount out of range", fn);
}


/* The integer argument `arg`; raises with `must` ("amount must be ...")
 * for anything else. */
static lua_Integer
tw_money_int(lua_State *L, int arg, const char *fn, const char *must)
{
    if (lua_isinteger(L, arg))
        return lua_tointeger(L, arg);

    if (lua_type(L, arg) == LUA_TNUMBER)
        luaL_error(L, "%s: %s, got %f", fn, must, lua_tonumber(L, arg));
    luaL_error(L, "%s: %s, got %s", fn, must, luaL_typename(L, arg));
    return 0;
}


static lua_Integer
tw_money_fen(lua_State *L, int arg, const char *fn)
{
    return tw_money_int(L, arg, fn, "amount must be an integer number of fen");
}


static lua_Integer
tw_money_narrow(lua_State *L, tw_money_wide_t v, const char *fn)
{
    if (v < LUA_MININTEGER || v > LUA_MAXINTEGER)
        tw_money_range_error(L, fn);
    return (lua_Integer)v;
}


/* a / b rounded half away from zero; b != 0, a / b must not overflow. */
static tw_money_wide_t
tw_money_round_div_wide(tw_money_wide_t a, tw_money_wide_t b)
{
    tw_money_wide_t q = a / b, r = a % b;
    tw_money_wide_t r_abs = r < 0 ? -r : r, b_abs = b < 0 ? -b : b;

    /* Twice the remainder reaching the divisor means half or more. */
    if (r_abs != 0 && r_abs >= b_abs - r_abs)
        q += (a < 0) != (b < 0) ? -1 : 1;
    return q;
}


/* v * 10 + digit, raising when it leaves int64. */
static lua_Integer
tw_money_shift(lua_State *L, lua_Integer v, int digit, const char *fn)
{
    lua_Integer out;

    if (__builtin_mul_overflow(v, 10, &out) ||
        __builtin_add_overflow(out, digit, &out))
        tw_money_range_error(L, fn);
    return out;
}


static lua_Integer
tw_money_from_float(lua_State *L, int arg, const char *fn, int decimals)
{
    lua_Number d = lua_tonumber(L, arg);
    double scale = (double)tw_money_pow10[decimals], r;

    if (!isfinite(d) || fabs(d) * scale >= TW_MONEY_FLOAT_LIMIT)
        tw_money_range_error(L, fn);

    /* The division is correctly rounded, so it gives back `d` exactly
     * when `d` is the double nearest to the decimal r / 10^decimals. */
    r = round(d * scale);
    if (r / scale != d)
        luaL_error(L, "%s: %f has more than %d decimals", fn, d, decimals);
    return (lua_Integer)r;
}


static void
tw_money_bad_string(lua_State *L, const char *fn, const char *s,
                    const char *why)
{
    luaL_error(L, "%s: '%s' %s", fn, s, why);
}


/* Parses "-12.34" scaled by 10^decimals, digits required on both sides
 * of a point. */
static lua_Integer
tw_money_from_string(lua_State *L, int arg, const char *fn, int decimals)
{
    char quoted[TW_MONEY_QUOTE + 1];
    size_t len, i;
    const char *s = lua_tolstring(L, arg, &len);
    lua_Integer v = 0;
    int digits = 0, places = -1; /* -1 until the point */

    snprintf(quoted, sizeof(quoted), "%s", s);
    for (i = s[0] == '-' ? 1 : 0; i < len; i++) {
        if (s[i] == '.' && places < 0 && digits > 0) {
            places = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            tw_money_bad_string(L, fn, quoted, "is not a decimal number");
        if (places >= 0 && ++places > decimals)
            tw_money_bad_string(L, fn, quoted, "has too many decimals");
        v = tw_money_shift(L, v, s[i] - '0', fn);
        digits++;
    }
    if (digits == 0 || places == 0)
        tw_money_bad_string(L, fn, quoted, "is not a decimal number");

    for (places = places < 0 ? 0 : places; places < decimals; places++)
        v = tw_money_shift(L, v, 0, fn);
    return s[0] == '-' ? -v : v;
}


/* The decimal at `arg` (an integer, a float or a string) times
 * 10^decimals, exactly. */
static lua_Integer
tw_money_decimal(lua_State *L, int arg, const char *fn, int decimals)
{
    lua_Integer v;

    switch (lua_type(L, arg)) {
    case LUA_TNUMBER:
        if (!lua_isinteger(L, arg))
            return tw_money_from_float(L, arg, fn, decimals);
        if (__builtin_mul_overflow(lua_tointeger(L, arg),
                                   tw_money_pow10[decimals], &v))
            tw_money_range_error(L, fn);
        return v;
    case LUA_TSTRING:
        return tw_money_from_string(L, arg, fn, decimals);
    default:
        return luaL_error(L, "%s: expected a number, got %s", fn,
                          luaL_typename(L, arg));
    }
}


static int
tw_money_yuan(lua_State *L)
{
    lua_pushinteger(L, tw_money_decimal(L, 1, "yuan", TW_MONEY_YUAN_DECIMALS));
    return 1;
}


static int
tw_money_fen_to_yuan(lua_State *L)
{
    lua_Integer fen = tw_money_fen(L, 1, "fen_to_yuan");
    unsigned long long abs;
    char text[32];

    /* Negating in unsigned arithmetic also covers the smallest int64. */
    abs = fen < 0 ? 0ULL - (unsigned long long)fen : (unsigned long long)fen;
    snprintf(text, sizeof(text), "%s%llu.%02llu", fen < 0 ? "-" : "",
             abs / 100, abs % 100);
    lua_pushstring(L, text);
    return 1;
}


static int
tw_money_percent(lua_State *L)
{
    lua_Integer amount = tw_money_fen(L, 1, "percent");
    lua_Integer rate = tw_money_decimal(L, 2, "percent",
                                        TW_MONEY_PCT_DECIMALS);
    tw_money_wide_t share = (tw_money_wide_t)amount * rate;

    share = tw_money_round_div_wide(share, TW_MONEY_RATE_SCALE);
    lua_pushinteger(L, tw_money_narrow(L, share, "percent"));
    return 1;
}


/* Reads bracket `i` of `n` (the table at argument 2): its upper bound
 * (LUA_MAXINTEGER for the last, open one) and its rate in millionths. */
static void
tw_money_bracket(lua_State *L, lua_Integer i, lua_Integer n,
                 lua_Integer *upto, lua_Integer *rate)
{
    if (lua_rawgeti(L, 2, i) != LUA_TTABLE)
        luaL_error(L, "tiers: bracket %I is not a table", i);
    lua_getfield(L, -1, "upto");
    if (lua_getfield(L, -2, "percent") == LUA_TNIL)
        luaL_error(L, "tiers: bracket %I has no percent", i);
    *rate = tw_money_decimal(L, -1, "tiers", TW_MONEY_PCT_DECIMALS);

    if (i == n && !lua_isnil(L, -2))
        luaL_error(L, "tiers: the last bracket must have no upto");
    if (i < n && !lua_isinteger(L, -2))
        luaL_error(L, "tiers: bracket %I needs upto, an integer in fen", i);
    *upto = i < n ? lua_tointeger(L, -2) : LUA_MAXINTEGER;
    lua_pop(L, 3);
}


static int
tw_money_tiers(lua_State *L)
{
    lua_Integer amount = tw_money_fen(L, 1, "tiers");
    lua_Integer n, i, lower = 0, upto, rate, part;
    tw_money_wide_t sum = 0;

    if (amount < 0)
        luaL_error(L, "tiers: amount must not be negative");
    luaL_checktype(L, 2, LUA_TTABLE);
    n = (lua_Integer)lua_rawlen(L, 2);
    if (n == 0)
        luaL_error(L, "tiers: no brackets");

    /* Every bracket is checked, also those above the amount, so that a
     * mistake shows with any input. */
    for (i = 1; i <= n; i++) {
        tw_money_bracket(L, i, n, &upto, &rate);
        if (upto <= lower)
            luaL_error(L, "tiers: bracket %I: upto must be above %I", i,
                       lower);
        part = amount < upto ? amount - lower : upto - lower;
        if (part > 0 &&
            __builtin_add_overflow(sum, (tw_money_wide_t)part * rate, &sum))
            tw_money_range_error(L, "tiers");
        lower = upto;
    }

    sum = tw_money_round_div_wide(sum, TW_MONEY_RATE_SCALE);
    lua_pushinteger(L, tw_money_narrow(L, sum, "tiers"));
    return 1;
}


static int
tw_money_round_div(lua_State *L)
{
    const char *must = "arguments must be integers";
    lua_Integer a = tw_money_int(L, 1, "round_div", must);
    lua_Integer b = tw_money_int(L, 2, "round_div", must);

    if (b == 0)
        luaL_error(L, "round_div: division by zero");
    lua_pushinteger(L, tw_money_narrow(L, tw_money_round_div_wide(a, b),
                                       "round_div"));
    return 1;
}


static const luaL_Reg tw_money_functions[] = {
    {"yuan", tw_money_yuan},
    {"fen_to_yuan", tw_money_fen_to_yuan},
    {"percent", tw_money_percent},
    {"tiers", tw_money_tiers},
    {"round_div", tw_money_round_div},
    {NULL, NULL},
};


int
tw_rules_open_money(lua_State *L)
{
    luaL_newlib(L, tw_money_functions);
    return 1;
}
