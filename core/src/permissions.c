/*
 * permissions.c - declared permissions, the roles holding them, and the
 * checks made against a user's roles.
 *
 * A permission is declared by a plugin during init with the roles that
 * hold it; declaring it again adds roles.  The role "admin" holds every
 * permission without being named.  Written at start-up only, read
 * without a lock afterwards; the registry owns every copied string.
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "registry_private.h"
#include "tradewind/auth.h"
#include "tradewind/http.h"
#include "tradewind/log.h"

#define TW_ROLE_ADMIN "admin"

typedef struct tw_permission {
    char *name;
    char *description; /* the first declaration's, "" if none */
    char **roles;
    size_t role_count;
} tw_permission_t;

static tw_permission_t *tw_permissions;
static size_t tw_permission_count;


static tw_permission_t *
tw_permission_find(const char *name)
{
    for (size_t i = 0; i < tw_permission_count; i++) {
        if (strcmp(tw_permissions[i].name, name) == 0) {
            return &tw_permissions[i];
        }
    }
    return NULL;
}


static bool
tw_permission_has_role(const tw_permission_t *perm, const char *role)
{
    for (size_t i = 0; i < perm->role_count; i++) {
        if (strcmp(perm->roles[i], role) == 0) {
            return true;
        }
    }
    return false;
}


/* Finds `name`, or appends it with no roles yet. */
static tw_permission_t *
tw_permission_declare(const char *name, const char *description)
{
    tw_permission_t *perm = tw_permission_find(name);

    if (perm != NULL) {
        return perm;
    }

    tw_permission_t fresh = {strdup(name),
                             strdup(description != NULL ? description : ""),
                             NULL, 0};
    tw_permission_t *all = NULL;
    if (fresh.name != NULL && fresh.description != NULL) {
        all = tw_array_grow(tw_permissions, tw_permission_count, sizeof *all);
    }
    if (all == NULL) {
        free(fresh.name);
        free(fresh.description);
        return NULL;
    }
    tw_permissions = all;
    all[tw_permission_count] = fresh;
    return &all[tw_permission_count++];
}


static tw_rc_t
tw_permission_grant(tw_permission_t *perm, const char *role)
{
    if (tw_permission_has_role(perm, role)) {
        return TW_OK;
    }

    char *copy = strdup(role);
    char **roles = copy != NULL
                       ? tw_array_grow(perm->roles, perm->role_count,
                                       sizeof *roles)
                       : NULL;
    if (roles == NULL) {
        free(copy);
        return TW_ERR_NOMEM;
    }
    perm->roles = roles;
    roles[perm->role_count++] = copy;
    return TW_OK;
}


/* Role names must be non-empty; checked before anything is stored. */
static bool
tw_permission_roles_valid(const char *const *roles)
{
    for (size_t i = 0; roles != NULL && roles[i] != NULL; i++) {
        if (roles[i][0] == '\0') {
            return false;
        }
    }
    return true;
}


tw_rc_t
tw_permission_add(tw_host_t *host, const char *permission,
                  const char *description, const char *const *roles)
{
    tw_rc_t rc = tw_host_check(host, "permission");

    if (rc != TW_OK) {
        return rc;
    }
    if (permission == NULL || permission[0] == '\0' ||
        !tw_permission_roles_valid(roles)) {
        tw_log_warn("invalid permission refused", "plugin=%s permission=%s",
                    host->plugin, permission != NULL ? permission : "-");
        return TW_ERR_INVALID;
    }

    tw_permission_t *perm = tw_permission_declare(permission, description);
    if (perm == NULL) {
        return TW_ERR_NOMEM;
    }

    for (size_t i = 0; roles != NULL && roles[i] != NULL && rc == TW_OK;
         i++) {
        rc = tw_permission_grant(perm, roles[i]);
    }
    return rc;
}


bool
tw_registry_role_holds(const char *role, const char *permission)
{
    if (role == NULL || permission == NULL) {
        return false;
    }
    if (strcmp(role, TW_ROLE_ADMIN) == 0 || permission[0] == '\0') {
        return true;
    }

    const tw_permission_t *perm = tw_permission_find(permission);
    return perm != NULL && tw_permission_has_role(perm, role);
}


bool
tw_registry_role_known(const char *role)
{
    if (role == NULL) {
        return false;
    }
    if (strcmp(role, TW_ROLE_ADMIN) == 0) {
        return true;
    }

    for (size_t i = 0; i < tw_permission_count; i++) {
        if (tw_permission_has_role(&tw_permissions[i], role)) {
            return true;
        }
    }
    return false;
}


bool
tw_user_can(const tw_user_t *user, const char *permission)
{
    if (user == NULL) {
        return false;
    }
    /* a public route (NULL) or TW_PERM_LOGIN asks only for a user */
    if (permission == TW_PERM_PUBLIC || permission[0] == '\0') {
        return true;
    }

    for (size_t i = 0; i < user->role_count; i++) {
        if (tw_registry_role_holds(user->roles[i], permission)) {
            return true;
        }
    }
    return false;
}


bool
tw_user_has_role(const tw_user_t *user, const char *role)
{
    if (user == NULL || role == NULL) {
        return false;
    }

    for (size_t i = 0; i < user->role_count; i++) {
        if (strcmp(user->roles[i], role) == 0) {
            return true;
        }
    }
    return false;
}


void
tw_permissions_clear(void)
{
    for (size_t i = 0; i < tw_permission_count; i++) {
        tw_permission_t *perm = &tw_permissions[i];
        for (size_t j = 0; j < perm->role_count; j++) {
            free(perm->roles[j]);
        }
        free(perm->roles);
        free(perm->name);
        free(perm->description);
    }
    free(tw_permissions);
    tw_permissions = NULL;
    tw_permission_count = 0;
}
