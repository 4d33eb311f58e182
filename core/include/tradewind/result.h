/*
 * result.h - the result codes shared by the core and plugins.
 */
#ifndef TRADEWIND_RESULT_H
#define TRADEWIND_RESULT_H

typedef enum tw_rc {
    TW_OK = 0,
    TW_ERR_INVALID,     /* bad argument or input */
    TW_ERR_NOT_FOUND,   /* no such thing */
    TW_ERR_FORBIDDEN,   /* not allowed for this user or branch */
    TW_ERR_CONFLICT,    /* duplicate, or wrong state */
    TW_ERR_STATE,       /* called at the wrong time */
    TW_ERR_UNAVAILABLE, /* the database cannot be reached */
    TW_ERR_RETRY,       /* serialization failure or deadlock */
    TW_ERR_NOMEM,
    TW_ERR_INTERNAL
} tw_rc_t;

#endif
