/*
 * rules_dates.c - the `date` table of the rule vocabulary (see
 * rules_vocab.h): calendar dates as "YYYY-MM-DD" strings.
 *
 * Dates are validated strictly (ten characters, years 0001 to 9999, the
 * month's real length, proleptic Gregorian leap years) and computed as a
 * count of days since 1970-01-01 with integer arithmetic only, so no time
 * zone or C library clock is involved.  A malformed date raises an error
 * that quotes it; date.valid() is the one function that answers false.
 */
#include <lauxlib.h>
#include <stdbool.h>
#include <stdio.h>

#include "rules_vocab.h"

#define TW_DATE_LEN 10 /* "YYYY-MM-DD" */
#define TW_DATE_MIN_YEAR 1
#define TW_DATE_MAX_YEAR 9999

/* The longest piece of a bad argument quoted back in an error. */
#define TW_DATE_QUOTE 40

typedef struct tw_date {
    int year, month, day;
} tw_date_t;


static bool
tw_date_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}


static int
tw_date_month_days(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30,
                               31, 31, 30, 31, 30, 31};

    return month == 2 && tw_date_leap(year) ? 29 : days[month - 1];
}


/* The number made of `count` digits at `s`, or -1. */
static int
tw_date_digits(const char *s, int count)
{
    int v = 0, i;

    for (i = 0; i < count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}


static bool
tw_date_parse(const char *s, size_t len, tw_date_t *d)
{
    if (len != TW_DATE_LEN || s[4] != '-' || s[7] != '-')
        return false;

    d->year = tw_date_digits(s, 4);
    d->month = tw_date_digits(s + 5, 2);
    d->day = tw_date_digits(s + 8, 2);
    return d->year >= TW_DATE_MIN_YEAR && d->month >= 1 && d->month <= 12 &&
           d->day >= 1 && d->day <= tw_date_month_days(d->year, d->month);
}


/* Days since 1970-01-01: the civil-to-days algorithm of H. Hinnant, with
 * years counted from March so that the leap day ends the year.  Years
 * start at 1, so every division here is of a non-negative number. */
static long long
tw_date_to_days(const tw_date_t *d)
{
    long long y = d->year - (d->month <= 2);
    long long era = y / 400, yoe = y - era * 400;
    long long doy = (153 * (d->month + (d->month > 2 ? -3 : 9)) + 2) / 5 +
                    d->day - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


/* The inverse of tw_date_to_days, for dates from year 1 on (so that z,
 * counted from 0000-03-01, is never negative). */
static void
tw_date_from_days(long long days, tw_date_t *d)
{
    long long z = days + 719468;
    long long era = z / 146097, doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;

    d->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    d->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    d->year = (int)(yoe + era * 400 + (d->month <= 2));
}


/* The date at argument `arg`; raises, quoting it, unless it is valid. */
static tw_date_t
tw_date_check(lua_State *L, int arg, const char *fn)
{
    char quoted[TW_DATE_QUOTE + 1];
    const char *s;
    size_t len;
    tw_date_t d;

    if (lua_type(L, arg) != LUA_TSTRING)
        luaL_error(L, "date.%s: expected a date string, got %s", fn,
                   luaL_typename(L, arg));

    s = lua_tolstring(L, arg, &len);
    if (!tw_date_parse(s, len, &d)) {
        snprintf(quoted, sizeof(quoted), "%s", s);
        luaL_error(L, "date.%s: '%s' is not a valid date (YYYY-MM-DD)", fn,
                   quoted);
    }
    return d;
}


/* Pushes "YYYY-MM-DD", or "YYYY-MM" without the day. */
static void
tw_date_push(lua_State *L, const tw_date_t *d, bool with_day)
{
    char text[TW_DATE_LEN + 1];

    if (with_day)
        snprintf(text, sizeof(text), "%04d-%02d-%02d", d->year, d->month,
                 d->day);
    else
        snprintf(text, sizeof(text), "%04d-%02d", d->year, d->month);
    lua_pushstring(L, text);
}


static int
tw_date_valid(lua_State *L)
{
    size_t len;
    const char *s;
    tw_date_t d;

    s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
    lua_pushboolean(L, s != NULL && tw_date_parse(s, len, &d));
    return 1;
}


static int
tw_date_year(lua_State *L)
{
    lua_pushinteger(L, tw_date_check(L, 1, "year").year);
    return 1;
}


static int
tw_date_month(lua_State *L)
{
    tw_date_t d = tw_date_check(L, 1, "month");

    tw_date_push(L, &d, false);
    return 1;
}


static int
tw_date_day(lua_State *L)
{
    lua_pushinteger(L, tw_date_check(L, 1, "day").day);
    return 1;
}


static int
tw_date_weekday(lua_State *L)
{
    tw_date_t d = tw_date_check(L, 1, "weekday");
    long long days = tw_date_to_days(&d);

    /* 1970-01-01 was a Thursday (4); the modulo is kept non-negative. */
    lua_pushinteger(L, ((days % 7 + 7) % 7 + 3) % 7 + 1);
    return 1;
}


static int
tw_date_days_between(lua_State *L)
{
    tw_date_t a = tw_date_check(L, 1, "days_between");
    tw_date_t b = tw_date_check(L, 2, "days_between");

    lua_pushinteger(L, tw_date_to_days(&b) - tw_date_to_days(&a));
    return 1;
}


static int
tw_date_add_days(lua_State *L)
{
    static const tw_date_t first = {TW_DATE_MIN_YEAR, 1, 1};
    static const tw_date_t last = {TW_DATE_MAX_YEAR, 12, 31};
    tw_date_t d = tw_date_check(L, 1, "add_days");
    long long days;

    if (!lua_isinteger(L, 2))
        luaL_error(L, "date.add_days: days must be an integer, got %s",
                   luaL_typename(L, 2));
    if (__builtin_add_overflow(tw_date_to_days(&d),
                               (long long)lua_tointeger(L, 2), &days) ||
        days < tw_date_to_days(&first) || days > tw_date_to_days(&last))
        luaL_error(L, "date.add_days: the result is outside years 1 to 9999");

    tw_date_from_days(days, &d);
    tw_date_push(L, &d, true);
    return 1;
}


static const luaL_Reg tw_date_functions[] = {
    {"valid", tw_date_valid},
    {"year", tw_date_year},
    {"month", tw_date_month},
    {"day", tw_date_day},
    {"weekday", tw_date_weekday},
    {"days_between", tw_date_days_between},
    {"add_days", tw_date_add_days},
    {NULL, NULL},
};


int
tw_rules_open_date(lua_State *L)
{
    luaL_newlib(L, tw_date_functions);
    return 1;
}
