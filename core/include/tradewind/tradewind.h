/*
 * tradewind.h - everything a plugin includes.
 */
#ifndef TRADEWIND_H
#define TRADEWIND_H

#include "tradewind/auth.h"
#include "tradewind/cli.h"
#include "tradewind/db.h"
#include "tradewind/http.h"
#include "tradewind/log.h"
#include "tradewind/plugin.h"
#include "tradewind/result.h"
#include "tradewind/rules.h"

#endif
