/* The AWS client from the command line, for tests/integration/test_aws.py:
 *
 *   aws_tool sign '<json spec>'        print the header lines cg_aws_sign adds
 *   aws_tool call URL PATH             GET URL/PATH through cg_aws_call;
 *                                      prints "<status> <attempts> <error code>" then the body
 *   aws_tool ddb-time TABLE COUNT      mean GetItem round trip (item 1), in microseconds
 *   aws_tool ddb-scan TABLE LIMIT      Scan in pages of LIMIT items; prints "<items> <pages>"
 *
 * The sign spec: {"method","path","host","region","service","time",
 * "key","secret","token"?, "query":[[name,value],...], "headers":[[name,value],...], "body"}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cgate/dynamodb.h>

/* spec[name] as a C string in the arena; "" when absent. */
static const char *field(struct cg_arena *a, const struct cg_json_value *spec, const char *name)
{
    return cg_arena_strdup(a, cg_json_as_str(cg_json_member(spec, name))).ptr;
}

/* [[name, value], ...] as pairs in the arena. */
static struct cg_kv *pairs(struct cg_arena *a, const struct cg_json_value *spec, const char *name, size_t *n)
{
    const struct cg_json_value *arr = cg_json_member(spec, name);
    *n = arr && arr->type == CG_JSON_ARRAY ? arr->len : 0;
    struct cg_kv *kv = cg_arena_zalloc(a, (*n + 1) * sizeof *kv);
    for (size_t i = 0; i < *n; i++) {
        const struct cg_json_value *pair = &arr->items[i];
        if (pair->len == 2)
            kv[i] = (struct cg_kv){ cg_json_as_str(&pair->items[0]), cg_json_as_str(&pair->items[1]) };
    }
    return kv;
}

static int sign(const char *json)
{
    struct cg_arena *a = cg_arena_new();
    struct cg_json_error why;
    const struct cg_json_value *spec = cg_json_parse(a, cg_str_c(json), CG_JSON_MAX_DEPTH, &why);
    if (!spec) {
        fprintf(stderr, "bad spec: %s at byte %zu\n", why.reason, why.pos);
        cg_arena_free(a);
        return 2;
    }
    struct cg_aws_request req = { .method = field(a, spec, "method"), .path = cg_str_c(field(a, spec, "path")),
                                  .body = cg_str_c(field(a, spec, "body")) };
    req.query = pairs(a, spec, "query", &req.nquery);
    req.headers = pairs(a, spec, "headers", &req.nheaders);
    struct cg_aws_credentials creds = { cg_str_c(field(a, spec, "key")), cg_str_c(field(a, spec, "secret")),
                                        cg_json_as_str(cg_json_member(spec, "token")) };
    int64_t when = 0;
    cg_json_as_int(cg_json_member(spec, "time"), &when);
    struct cg_buf out;
    cg_buf_init(&out, NULL);
    cg_aws_sign(&creds, field(a, spec, "region"), field(a, spec, "service"), cg_str_c(field(a, spec, "host")),
                (time_t)when, &req, &out);
    fwrite(out.data, 1, out.len, stdout);
    cg_buf_free(&out);
    cg_arena_free(a);
    return 0;
}

static int call(const char *url, const char *path)
{
    char err[512];
    struct cg_aws *aws = cg_aws_new(&(struct cg_aws_opts){ .service = "test", .endpoint = url }, err, sizeof err);
    if (!aws) {
        fprintf(stderr, "error: %s\n", err);
        return 1;
    }
    struct cg_aws_request req = { .method = "GET", .path = cg_str_c(path) };
    struct cg_aws_response res = { 0 };
    cg_buf_init(&res.body, NULL);
    int rc = cg_aws_call(aws, &req, &res, err, sizeof err);
    if (rc == 0)
        printf("%d %d %s\n%.*s", res.status, res.attempts, res.error_code[0] ? res.error_code : "-",
               (int)res.body.len, res.body.data ? res.body.data : "");
    else
        fprintf(stderr, "error after %d attempts: %s\n", res.attempts, err);
    cg_buf_free(&res.body);
    cg_aws_free(aws);
    return rc == 0 ? 0 : 1;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int ddb_time(const char *table, int count)
{
    char err[512];
    struct cg_ddb *ddb = cg_ddb_new(NULL, err, sizeof err);
    if (!ddb) {
        fprintf(stderr, "error: %s\n", err);
        return 1;
    }
    double total = 0;
    int rc = CG_DDB_OK;
    for (int i = 0; i <= count && rc == CG_DDB_OK; i++) {
        struct cg_ddb_request r;
        cg_ddb_begin(&r, "GetItem", table);
        cg_json_key(&r.json, "Key");
        cg_json_obj_begin(&r.json);
        cg_json_key(&r.json, "pk");
        cg_ddb_write_s(&r.json, CG_STR("item"));
        cg_json_key(&r.json, "id");
        cg_ddb_write_n(&r.json, 1);
        cg_json_obj_end(&r.json);
        struct cg_ddb_result res;
        double start = now_us();
        rc = cg_ddb_send(ddb, &r, &res);
        if (i > 0) /* the first one opens the connection */
            total += now_us() - start;
        if (rc != CG_DDB_OK)
            fprintf(stderr, "error: %s (%s)\n", res.message, cg_ddb_status_name(rc));
        cg_ddb_result_free(&res);
    }
    if (rc == CG_DDB_OK)
        printf("%.0f\n", total / count);
    cg_ddb_free(ddb);
    return rc == CG_DDB_OK ? 0 : 1;
}

/* Follows LastEvaluatedKey until the table is read. */
static int ddb_scan(const char *table, int limit)
{
    char err[512];
    struct cg_ddb *ddb = cg_ddb_new(NULL, err, sizeof err);
    if (!ddb) {
        fprintf(stderr, "error: %s\n", err);
        return 1;
    }
    struct cg_ddb_result page = { 0 };
    size_t items = 0, pages = 0;
    int rc;
    do {
        struct cg_ddb_request r;
        cg_ddb_begin(&r, "Scan", table);
        cg_json_key(&r.json, "Limit");
        cg_json_int(&r.json, limit);
        const struct cg_json_value *start = cg_json_member(page.doc, "LastEvaluatedKey");
        if (start) {
            cg_json_key(&r.json, "ExclusiveStartKey");
            cg_json_write_value(&r.json, start);
        }
        cg_ddb_result_free(&page);
        rc = cg_ddb_send(ddb, &r, &page);
        const struct cg_json_value *found = cg_json_member(page.doc, "Items");
        items += found && found->type == CG_JSON_ARRAY ? found->len : 0;
        pages++;
    } while (rc == CG_DDB_OK && cg_json_member(page.doc, "LastEvaluatedKey"));
    if (rc == CG_DDB_OK)
        printf("%zu %zu\n", items, pages);
    else
        fprintf(stderr, "error: %s (%s)\n", page.message, cg_ddb_status_name(rc));
    cg_ddb_result_free(&page);
    cg_ddb_free(ddb);
    return rc == CG_DDB_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "sign") == 0)
        return sign(argv[2]);
    if (argc == 4 && strcmp(argv[1], "call") == 0)
        return call(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "ddb-time") == 0)
        return ddb_time(argv[2], atoi(argv[3]));
    if (argc == 4 && strcmp(argv[1], "ddb-scan") == 0)
        return ddb_scan(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: aws_tool sign JSON | call URL PATH | ddb-time TABLE COUNT | ddb-scan TABLE LIMIT\n");
    return 2;
}
