# shellcheck shell=bash
# common.sh - shell functions shared by tools/pg, tools/demo, tools/bench
# and tools/test: system packages, the service user, builds, INI values
# and the PostgreSQL helpers.
#
# Sourced, never run.  The caller sets `set -euo pipefail` and TW_ROOT (the
# repository root) first.  Messages go to stderr prefixed "tradewind:";
# every failure ends the script with a line saying what to do.

TW_PG_BIN=/usr/lib/postgresql/15/bin
TW_PG_USER=tradewind
TW_PACKAGES=(build-essential cmake pkg-config libpq-dev postgresql-15
             liblua5.4-dev libmicrohttpd-dev libinih-dev libjansson-dev
             libsodium-dev libcmocka-dev clang curl)


tw_say()
{
    printf 'tradewind: %s\n' "$*" >&2
}


tw_die()
{
    tw_say "$*"
    exit 1
}


tw_is_root()
{
    [[ $EUID -eq 0 ]]
}


# Prints the packages of TW_PACKAGES that are not installed, one a line.
tw_missing_packages()
{
    local pkg

    for pkg in "${TW_PACKAGES[@]}"; do
        if [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" \
                2>/dev/null) != installed ]]; then
            printf '%s\n' "$pkg"
        fi
    done
}


# Installs what is missing (as root), or names it and fails otherwise.
tw_ensure_packages()
{
    local missing

    mapfile -t missing < <(tw_missing_packages)
    if (( ${#missing[@]} == 0 )); then
        return 0
    fi

    if ! tw_is_root; then
        tw_die "missing packages (install them as root): ${missing[*]}"
    fi

    tw_say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}


# Creates the system user PostgreSQL runs as; only root can, and only
# root needs it (otherwise PostgreSQL runs as the caller).
tw_ensure_user()
{
    if ! tw_is_root || getent passwd "$TW_PG_USER" >/dev/null; then
        return 0
    fi

    tw_say "creating system user $TW_PG_USER"
    useradd --system --no-create-home --shell /usr/sbin/nologin \
        "$TW_PG_USER"
}


# Runs a command as the user PostgreSQL runs as, from "/" so that an
# unreadable working directory (say /root) does not matter.
tw_as_pg_user()
{
    if tw_is_root; then
        (cd / && runuser -u "$TW_PG_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}


# tw_build DIR CMAKE-ARGS...: configures and builds the repository into
# DIR (relative to the repository root).
tw_build()
{
    local dir=$TW_ROOT/$1
    shift

    tw_say "building in ${dir#"$TW_ROOT"/}"
    cmake -S "$TW_ROOT" -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j "$(nproc)"
}


# Quotes a libpq conninfo value when it needs it.
tw_conninfo_quote()
{
    local value=$1

    if [[ $value =~ ^[A-Za-z0-9/._-]+$ ]]; then
        printf '%s' "$value"
        return 0
    fi

    value=${value//\\/\\\\}
    printf "'%s'" "${value//\'/\\\'}"
}


# tw_pg_conninfo SOCKET-DIR DBNAME: the conninfo of a database there.
tw_pg_conninfo()
{
    printf 'host=%s user=%s dbname=%s\n' "$(tw_conninfo_quote "$1")" \
        "$TW_PG_USER" "$(tw_conninfo_quote "$2")"
}


# tw_psql SOCKET-DIR DBNAME PSQL-ARGS...: psql as the cluster's superuser.
tw_psql()
{
    local dir=$1 db=$2
    shift 2

    "$TW_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -U "$TW_PG_USER" \
        -d "$db" "$@"
}


# tw_ini_value FILE SECTION KEY: a value of the INI file, or nothing.
tw_ini_value()
{
    awk -v section="$2" -v key="$3" '
        /^[ \t]*\[/ {
            name = $0
            gsub(/^[ \t]*\[[ \t]*|[ \t]*\].*$/, "", name)
            inside = (name == section)
            next
        }
        inside && $0 ~ "^[ \t]*" key "[ \t]*[=:]" {
            sub(/^[^=:]*[=:][ \t]*/, "")
            sub(/[ \t]+;.*$/, "")
            sub(/[ \t\r]+$/, "")
            print
            exit
        }' "$1"
}


# The cluster folder of tools/demo and tools/bench: var/pg, or, when the
# `tradewind` user cannot reach the repository (a clone under /root), a
# folder in /var/lib/tradewind that var/pg links to.
tw_cluster_dir()
{
    local link=$TW_ROOT/var/pg target

    mkdir -p "$TW_ROOT/var"
    if [[ -L $link ]] || ! tw_is_root \
            || tw_as_pg_user test -x "$TW_ROOT/var"; then
        printf '%s\n' "$link"
        return 0
    fi

    if [[ -e $link ]]; then
        tw_die "$link is out of reach of user $TW_PG_USER: move it away and run again"
    fi

    target=/var/lib/tradewind/$(printf '%s' "$TW_ROOT" | sha256sum | cut -c1-12)
    mkdir -p "$target"
    chmod 755 /var/lib/tradewind
    ln -s "$target" "$link"
    tw_say "user $TW_PG_USER cannot reach var/, so the cluster lives in $target (var/pg links to it)"
    printf '%s\n' "$link"
}
