/*
 * decide.c - manual review of held orders: POST /api/v1/orders/{id}/
 * approve and /reject with {"comment"} (required to reject).
 *
 * Only an order `on_hold` can be decided (409 wrong_state otherwise).
 * Approving re-checks stock and credit at that moment by reserving and
 * charging: when either no longer fits, nothing changes and the answer
 * is 409 stock_short or credit_exceeded.  The order row is locked first,
 * so two reviewers never decide the same order twice.
 */
#include <stdlib.h>

#include "orders.h"

typedef tw_rc_t (*ord_decide_fn)(tw_req_t *req, ord_order_t *order,
                                 const char *comment);


static tw_rc_t
ord_do_approve(tw_req_t *req, ord_order_t *order, const char *comment)
{
    char reason[ORD_REASON_SIZE];
    const char *code;

    tw_rc_t rc = ord_commit_goods(tw_req_db(req), order, reason,
                                  sizeof reason, &code);
    if (rc == TW_ERR_CONFLICT) {
        tw_reply_error(req, 409, code, NULL, "%s", reason);
        return rc;
    }
    if (rc == TW_OK) {
        rc = ord_transition(req, order->id, "on_hold", "approved",
                            "approve", comment);
    }
    return rc;
}


static tw_rc_t
ord_do_reject(tw_req_t *req, ord_order_t *order, const char *comment)
{
    return ord_transition(req, order->id, "on_hold", "rejected", "reject",
                          comment);
}


/* Locks the order, checks it is held, runs `fn`, replies. */
static void
ord_decide(tw_req_t *req, ord_order_t *order, bool comment_required,
           ord_decide_fn fn)
{
    static const char *const allowed[] = {"comment", NULL};
    const char *id = tw_req_param(req, "id");

    if (!ord_body_only(req, allowed)) {
        return;
    }
    const char *comment = ord_body_text(req, "comment", comment_required);
    if (comment == NULL || !ord_lock_in(req, id, order, "on_hold")) {
        return;
    }

    tw_rc_t rc = fn(req, order, comment);
    if (rc == TW_OK) {
        ord_reply_order(req, 200, order->id);
    } else if (rc != TW_ERR_CONFLICT) { /* a conflict is answered */
        ord_reply_rc(req, rc, "order");
    }
}


static void
ord_decide_alloc(tw_req_t *req, bool comment_required, ord_decide_fn fn)
{
    ord_order_t *order = ord_order_new(req);

    if (order == NULL) {
        return;

    }
    ord_decide(req, order, comment_required, fn);
    free(order);
}


void
ord_approve(tw_req_t *req, void *ctx)
{
    (void) ctx;

    ord_decide_alloc(req, false, ord_do_approve);
}


void
ord_reject(tw_req_t *req, void *ctx)
{
    (void) ctx;

    ord_decide_alloc(req, true, ord_do_reject);
}
