/*
 * demo.c - the catalog's part of `tradewind demo-data`: 500 products in
 * six seasonal categories, 20 warehouses in real cities, stock of every
 * product at every warehouse, 2,000 dealers spread over the demo
 * branches below headquarters, and 200 delivery vehicles.
 *
 * Everything is generated in memory from a fixed seed (the same data on
 * every machine) and sent with COPY, one table at a time, in the one
 * transaction the core runs this in.  Stock starts with nothing
 * reserved and dealers owe nothing: the orders plugin's generator sets
 * both from the order history it creates.  Skips when products exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

#define CAT_DEMO_PRODUCTS 500
#define CAT_DEMO_DEALERS 2000
#define CAT_DEMO_VEHICLES 200
#define CAT_DEMO_MAX_BRANCHES 256

/* One kind of product: name, list price range (yuan), box volume (litres)
 * and weight (kg). */
typedef struct cat_demo_kind {
    const char *name;
    const char *model; /* model number prefix */
    int price_min;
    int price_max;
    int litres;
    int kg;
} cat_demo_kind_t;

typedef struct cat_demo_category {
    const char *category;
    const char *prefix; /* SKU prefix */
    cat_demo_kind_t kinds[4];
} cat_demo_category_t;

static const cat_demo_category_t cat_demo_categories[] = {
    {"fan", "FN", {{"台式电风扇", "FD", 89, 199, 30, 3},
                   {"落地扇", "FS", 129, 399, 55, 6},
                   {"塔扇", "FZ", 199, 599, 45, 5},
                   {"空气循环扇", "FX", 249, 699, 40, 4}}},
    {"heater", "HT", {{"暖风机", "NF", 129, 399, 25, 3},
                      {"油汀取暖器", "NY", 299, 799, 70, 11},
                      {"电暖器", "ND", 399, 1299, 60, 8},
                      {"小太阳取暖器", "NT", 79, 199, 30, 2}}},
    {"air_purifier", "AP", {{"空气净化器", "KJ", 699, 2999, 80, 9},
                            {"除甲醛净化器", "KF", 999, 3999, 90, 11},
                            {"桌面净化器", "KZ", 199, 499, 20, 2},
                            {"新风净化机", "KX", 1999, 5999, 120, 15}}},
    {"kitchen", "KT", {{"电饭煲", "FB", 199, 899, 35, 4},
                       {"电磁炉", "CL", 149, 499, 25, 3},
                       {"电压力锅", "YL", 299, 999, 45, 6},
                       {"破壁料理机", "PB", 399, 1999, 40, 5}}},
    {"humidifier", "HM", {{"加湿器", "JS", 99, 399, 20, 2},
                          {"无雾加湿器", "JW", 299, 999, 35, 4},
                          {"香薰加湿器", "JX", 69, 199, 10, 1},
                          {"落地式加湿器", "JL", 199, 599, 40, 4}}},
    {"water_heater", "WH", {{"储水式电热水器", "DC", 999, 3999, 150, 25},
                            {"即热式电热水器", "DJ", 799, 2499, 40, 5},
                            {"燃气热水器", "RQ", 1299, 4999, 90, 16},
                            {"小厨宝", "XC", 399, 999, 35, 6}}},
};

#define CAT_DEMO_CATEGORY_COUNT \
    (sizeof cat_demo_categories / sizeof cat_demo_categories[0])

static const char *const cat_demo_editions[] = {
    "标准款", "遥控款", "智能款", "节能款", "豪华款", "家用款",
};

/* A warehouse, the plate prefix of its trucks and the provinces (branch
 * code prefixes) whose dealers it serves. */
typedef struct cat_demo_warehouse {
    const char *code;
    const char *name;
    const char *region;
    const char *plate;
    const char *provinces;
} cat_demo_warehouse_t;

static const cat_demo_warehouse_t cat_demo_warehouses[] = {
    {"WH_BJ", "北京仓", "华北", "京A", "BJ TJ HE NM"},
    {"WH_SY", "沈阳仓", "东北", "辽A", "LN"},
    {"WH_CC", "长春仓", "东北", "吉A", "JL"},
    {"WH_HRB", "哈尔滨仓", "东北", "黑A", "HL"},
    {"WH_SH", "上海仓", "华东", "沪B", "SH"},
    {"WH_NJ", "南京仓", "华东", "苏A", "JS AH"},
    {"WH_HZ", "杭州仓", "华东", "浙A", "ZJ"},
    {"WH_FZ", "福州仓", "华东", "闽A", "FJ"},
    {"WH_JN", "济南仓", "华东", "鲁A", "SD"},
    {"WH_ZZ", "郑州仓", "华中", "豫A", "HA SX"},
    {"WH_WH", "武汉仓", "华中", "鄂A", "HB JX"},
    {"WH_CS", "长沙仓", "华中", "湘A", "HN"},
    {"WH_GZ", "广州仓", "华南", "粤A", "GD HI"},
    {"WH_NN", "南宁仓", "华南", "桂A", "GX"},
    {"WH_CD", "成都仓", "西南", "川A", "SC XZ"},
    {"WH_CQ", "重庆仓", "西南", "渝A", "CQ GZ"},
    {"WH_KM", "昆明仓", "西南", "云A", "YN"},
    {"WH_XA", "西安仓", "西北", "陕A", "SN NX QH"},
    {"WH_LZ", "兰州仓", "西北", "甘A", "GS"},
    {"WH_WLMQ", "乌鲁木齐仓", "西北", "新A", "XJ"},
};

#define CAT_DEMO_WAREHOUSE_COUNT \
    (sizeof cat_demo_warehouses / sizeof cat_demo_warehouses[0])

static const char *const cat_demo_shop_names[] = {
    "恒发", "永安", "鑫隆", "华信", "顺达", "金诚", "宏图", "万家",
    "利民", "盛世", "福满", "佳美", "新纪元", "百川", "家和", "长盛",
};

static const char *const cat_demo_shop_kinds[] = {
    "电器商行", "家电有限公司", "电器经营部", "家电专卖店", "电器城",
};

/* Truck types: capacity in cubic metres and tonnes. */
static const struct {
    int m3;
    int tonnes;
} cat_demo_trucks[] = {{9, 1}, {16, 2}, {28, 5}, {40, 8}, {60, 15}};

typedef struct cat_demo_branch {
    char id[24];
    char code[40];
    char city[64]; /* the branch name without 分公司 */
} cat_demo_branch_t;

typedef struct cat_demo {
    uint64_t seed;
    cat_demo_branch_t branches[CAT_DEMO_MAX_BRANCHES];
    size_t n_branches;
} cat_demo_t;


/* xorshift64*: small, fast and the same everywhere. */
static uint64_t
cat_demo_next(cat_demo_t *demo)
{
    demo->seed ^= demo->seed >> 12;
    demo->seed ^= demo->seed << 25;
    demo->seed ^= demo->seed >> 27;
    return demo->seed * UINT64_C(2685821657736338717);
}


/* A whole number from lo to hi, both included. */
static int64_t
cat_demo_range(cat_demo_t *demo, int64_t lo, int64_t hi)
{
    return lo + (int64_t) (cat_demo_next(demo) % (uint64_t) (hi - lo + 1));
}


/* Writes row `i` of a COPY text to `out`. */
typedef void (*cat_demo_row_fn)(cat_demo_t *demo, FILE *out, size_t i);


/* Collects `count` rows written by `row` and sends them with COPY
 * `sql`. */
static tw_rc_t
cat_demo_copy(tw_db_t *db, cat_demo_t *demo, const char *sql, size_t count,
              cat_demo_row_fn row)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    if (out == NULL) {
        return TW_ERR_NOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        row(demo, out, i);
    }
    if (fclose(out) != 0) {
        free(text);
        return TW_ERR_NOMEM;
    }

    tw_rc_t rc = tw_db_copy(db, sql, text, len);
    free(text);
    return rc;
}


static void
cat_demo_product(cat_demo_t *demo, FILE *out, size_t i)
{
    const cat_demo_category_t *cat =
        &cat_demo_categories[i % CAT_DEMO_CATEGORY_COUNT];
    const cat_demo_kind_t *kind = &cat->kinds[(i / 6) % 4];
    const char *edition = cat_demo_editions[cat_demo_range(demo, 0, 5)];

    /* list prices end in 9 yuan, as shops price them */
    int64_t yuan = cat_demo_range(demo, kind->price_min / 10,
                                  kind->price_max / 10) * 10 + 9;
    int64_t list = yuan * 100;
    /* below any dealer's price: discounts stop at 15 % */
    int64_t floor = list * cat_demo_range(demo, 60, 80) / 100;
    int64_t volume = kind->litres * cat_demo_range(demo, 80, 120);
    int64_t weight = kind->kg * cat_demo_range(demo, 800, 1200);
    int model = 1000 + (int) i * 7 % 9000;

    fprintf(out, "%s-%04zu\t%s %s-%d %s\t%s\t%lld\t%lld\t%lld\t%lld\n",
            cat->prefix, i + 1, kind->name, kind->model, model, edition,
            cat->category, (long long) volume, (long long) weight,
            (long long) list, (long long) floor);
}


static tw_rc_t
cat_demo_products(tw_db_t *db, cat_demo_t *demo)
{
    return cat_demo_copy(db, demo, "COPY catalog.products (sku, name,"
                         " category, volume_cl, weight_g, list_price_fen,"
                         " floor_price_fen) FROM STDIN", CAT_DEMO_PRODUCTS,
                         cat_demo_product);
}


static void
cat_demo_warehouse(cat_demo_t *demo, FILE *out, size_t w)
{
    (void) demo;

    fprintf(out, "%s\t%s\t%s\n", cat_demo_warehouses[w].code,
            cat_demo_warehouses[w].name, cat_demo_warehouses[w].region);
}


/* Row `k` is product k % CAT_DEMO_PRODUCTS at warehouse
 * k / CAT_DEMO_PRODUCTS. */
static void
cat_demo_stock(cat_demo_t *demo, FILE *out, size_t k)
{
    size_t w = k / CAT_DEMO_PRODUCTS;
    size_t i = k % CAT_DEMO_PRODUCTS;
    const cat_demo_category_t *cat =
        &cat_demo_categories[i % CAT_DEMO_CATEGORY_COUNT];

    fprintf(out, "%s\t%s-%04zu\t%lld\n", cat_demo_warehouses[w].code,
            cat->prefix, i + 1,
            (long long) cat_demo_range(demo, 20, 200) * 50);
}


/* Warehouses, then stock of every product at each. */
static tw_rc_t
cat_demo_warehouses_stock(tw_db_t *db, cat_demo_t *demo)
{
    tw_rc_t rc = cat_demo_copy(db, demo, "COPY catalog.warehouses (code,"
                               " name, region) FROM STDIN",
                               CAT_DEMO_WAREHOUSE_COUNT, cat_demo_warehouse);

    if (rc != TW_OK) {
        return rc;
    }
    return cat_demo_copy(db, demo, "COPY catalog.stock (warehouse_code, sku,"
                         " on_hand) FROM STDIN",
                         CAT_DEMO_WAREHOUSE_COUNT * CAT_DEMO_PRODUCTS,
                         cat_demo_stock);
}


/* The warehouse serving a branch: by its province, the code's first
 * part (GD for GD_SZ). */
static const cat_demo_warehouse_t *
cat_demo_serving(const char *branch_code)
{
    size_t n = strcspn(branch_code, "_");

    for (size_t w = 0; w < CAT_DEMO_WAREHOUSE_COUNT; w++) {
        const char *p = cat_demo_warehouses[w].provinces;

        for (; *p != '\0'; p += strcspn(p, " "), p += *p == ' ') {
            if (strcspn(p, " ") == n && strncmp(p, branch_code, n) == 0) {
                return &cat_demo_warehouses[w];
            }
        }
    }
    return &cat_demo_warehouses[0];
}


static void
cat_demo_dealer(cat_demo_t *demo, FILE *out, size_t i)
{
    const cat_demo_branch_t *b = &demo->branches[i % demo->n_branches];
    const cat_demo_warehouse_t *wh = cat_demo_serving(b->code);
    size_t n_names = sizeof cat_demo_shop_names / sizeof (char *);
    size_t n_kinds = sizeof cat_demo_shop_kinds / sizeof (char *);
    const char *shop = cat_demo_shop_names[(i / demo->n_branches) % n_names];
    int64_t k = cat_demo_range(demo, 0, (int64_t) n_kinds - 1);
    const char *kind = cat_demo_shop_kinds[k];

    /* credit from 300,000 to 3,000,000 yuan, discount up to 15 % */
    int64_t credit = cat_demo_range(demo, 30, 300) * 10000 * 100;
    int64_t discount = cat_demo_range(demo, 0, 30) * 50;
    size_t nth = i / (demo->n_branches * n_names); /* same name again */
    char branch_no[24] = "";

    if (nth > 0) {
        snprintf(branch_no, sizeof branch_no, "%zu号店", nth + 1);
    }
    fprintf(out, "D%05zu\t%s%s%s%s\t%s\t%s\t%s\t%lld\t%lld\n", i + 1,
            b->city, shop, kind, branch_no, b->id, wh->region, wh->code,
            (long long) discount, (long long) credit);
}


/* The demo branches below headquarters, from the core's demo data. */
static tw_rc_t
cat_demo_load_branches(tw_db_t *db, cat_demo_t *demo)
{
    PGresult *res = tw_db_exec(db,
        "SELECT id, code, replace(name, '分公司', '') FROM core.branches"
        " WHERE parent_id IS NOT NULL ORDER BY id LIMIT 256", 0, NULL);

    if (res == NULL) {
        return tw_db_rc(db);
    }
    demo->n_branches = (size_t) PQntuples(res);
    for (size_t i = 0; i < demo->n_branches; i++) {
        cat_demo_branch_t *b = &demo->branches[i];
        snprintf(b->id, sizeof b->id, "%s", PQgetvalue(res, (int) i, 0));
        snprintf(b->code, sizeof b->code, "%s", PQgetvalue(res, (int) i, 1));
        snprintf(b->city, sizeof b->city, "%s", PQgetvalue(res, (int) i, 2));
    }
    PQclear(res);
    return demo->n_branches > 0 ? TW_OK : TW_ERR_NOT_FOUND;
}


static tw_rc_t
cat_demo_dealers(tw_db_t *db, cat_demo_t *demo)
{
    tw_rc_t rc = cat_demo_load_branches(db, demo);
    if (rc != TW_OK) {
        return rc;
    }

    return cat_demo_copy(db, demo, "COPY catalog.dealers (code, name,"
                         " branch_id, region, warehouse_code, discount_bp,"
                         " credit_limit_fen) FROM STDIN", CAT_DEMO_DEALERS,
                         cat_demo_dealer);
}


static void
cat_demo_vehicle(cat_demo_t *demo, FILE *out, size_t i)
{
    size_t n_trucks = sizeof cat_demo_trucks / sizeof cat_demo_trucks[0];
    const cat_demo_warehouse_t *wh =
        &cat_demo_warehouses[i % CAT_DEMO_WAREHOUSE_COUNT];
    size_t t = (size_t) cat_demo_range(demo, 0, (int64_t) n_trucks - 1);

    /* the index keeps plates unique; 1 m3 is 100,000 cl */
    fprintf(out, "%s%03zu%02lld\t%s\t%lld\t%lld\n", wh->plate, i,
            (long long) cat_demo_range(demo, 10, 99), wh->code,
            (long long) cat_demo_trucks[t].m3 * 100000,
            (long long) cat_demo_trucks[t].tonnes * 1000000);
}


static tw_rc_t
cat_demo_vehicles(tw_db_t *db, cat_demo_t *demo)
{
    return cat_demo_copy(db, demo, "COPY catalog.vehicles (plate,"
                         " warehouse_code, capacity_cl, capacity_g) FROM"
                         " STDIN", CAT_DEMO_VEHICLES, cat_demo_vehicle);
}


/* The summary line: what the catalog holds now. */
static tw_rc_t
cat_demo_summary(tw_db_t *db, bool loaded, char *msg, size_t msg_size)
{
    PGresult *res = tw_db_exec(db,
        "SELECT (SELECT count(*) FROM catalog.products),"
        " (SELECT count(*) FROM catalog.warehouses),"
        " (SELECT count(*) FROM catalog.stock),"
        " (SELECT count(*) FROM catalog.dealers),"
        " (SELECT count(*) FROM catalog.vehicles)", 0, NULL);

    if (res == NULL) {
        return tw_db_rc(db);
    }
    snprintf(msg, msg_size, "%s%s products, %s warehouses, %s stock rows, "
             "%s dealers, %s vehicles", loaded ? "" : "already loaded: ",
             PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
             PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
             PQgetvalue(res, 0, 4));
    PQclear(res);
    return TW_OK;
}


static tw_rc_t
cat_demo_generate(tw_db_t *db, const tw_demo_options_t *opt, char *msg,
                  size_t msg_size)
{
    (void) opt;
    cat_demo_t *demo = calloc(1, sizeof *demo);
    PGresult *res = tw_db_exec(db, "SELECT EXISTS (SELECT 1 FROM"
                               " catalog.products)", 0, NULL);

    if (demo == NULL || res == NULL) {
        free(demo);
        PQclear(res);
        return res == NULL ? tw_db_rc(db) : TW_ERR_NOMEM;
    }
    bool loaded = strcmp(PQgetvalue(res, 0, 0), "f") == 0;
    PQclear(res);

    demo->seed = UINT64_C(0x7261646577696e64); /* fixed: same data */
    tw_rc_t rc = TW_OK;
    if (loaded) {
        rc = cat_demo_products(db, demo);
        rc = rc == TW_OK ? cat_demo_warehouses_stock(db, demo) : rc;
        rc = rc == TW_OK ? cat_demo_dealers(db, demo) : rc;
        rc = rc == TW_OK ? cat_demo_vehicles(db, demo) : rc;
    }
    free(demo);
    return rc == TW_OK ? cat_demo_summary(db, loaded, msg, msg_size) : rc;
}


tw_rc_t
cat_demo_register(tw_host_t *host)
{
    return tw_demo_add(host, cat_demo_generate);
}
