/*
 * idempotency.h - the Idempotency-Key of creating requests (internal).
 *
 * A POST may carry "Idempotency-Key: <1..128 printable ASCII>".  Its
 * first successful answer (status below 400) is stored in core.idempotency
 * with a hash of the request, in the request's own transaction; within
 * 24 hours the same user sending the same key gets that answer replayed
 * without the handler running, and a different request under that key is
 * refused with 422 "idempotency_key_reused".  Keys are scoped per user
 * (0 for anonymous callers).  Two concurrent first requests with one key
 * are serialised by a transaction-level advisory lock, so exactly one of
 * them runs the handler.  Routes that run as the owner (logging in) or
 * without the database ignore the header: a session token is never
 * stored in clear.
 *
 * The dispatcher calls these functions in the order below, on the one
 * worker thread serving the request; the only shared state is an atomic
 * counter that spaces out the sweeps of expired keys.
 */
#ifndef TW_IDEMPOTENCY_H
#define TW_IDEMPOTENCY_H

#include <stdbool.h>

#include "dispatch.h"
#include "tradewind/http.h"

/* The longest key accepted. */
#define TW_IDEM_KEY_MAX 128

/* Hex digits (and NUL) of the request hash, a 32-byte BLAKE2b. */
#define TW_IDEM_HASH_HEX 65

/* Before the transaction: takes the key of a POST to a database route
 * and hashes the request (method, path with query, body bytes).  False,
 * with a 400 reply, when the key is malformed. */
bool tw_idem_prepare(tw_req_t *req, const tw_call_t *call);

/* Inside the transaction, as the request role, before the handler: true
 * when the handler should run.  False when the request has been
 * answered: the stored answer replayed, the key refused, or a database
 * failure. */
bool tw_idem_claim(tw_req_t *req);

/* After the handler, inside the transaction: stores an answer below 400
 * under the request's key; a failure to store replaces the answer with
 * the error, so the transaction rolls back. */
void tw_idem_record(tw_req_t *req);

/* After the transaction ended, as the owner: now and then deletes a
 * bounded batch of expired keys.  Failures are only logged. */
void tw_idem_sweep(tw_req_t *req);

#endif
