/* Event JSON -> struct lambda_event in one pass of the JSON scanner
 * (core/json_scan.h), which also refuses what is not strict JSON. Only the
 * fields some decoder reads are kept; containers no decoder reads are
 * checked but not reported (CG_JSON_SKIP). Which source the event came
 * from is decided afterwards, from what was found (event_decode.c). */
#include <stdio.h>
#include <string.h>

#include "core/json_scan.h"
#include "lambda/lambda_internal.h"

/* What the container being parsed is. */
enum frame_kind {
    FR_SKIP,      /* of no interest, nor anything inside it */
    FR_DEFERRED,  /* headers, skipped until multiValueHeaders is known */
    FR_ROOT,      /* the event */
    FR_CONTEXT,   /* requestContext */
    FR_HTTP,      /* requestContext.http */
    FR_IDENTITY,  /* requestContext.identity */
    FR_AUTHORIZER, /* requestContext.authorizer: kept whole as text */
    FR_MAP,       /* headers, queryStringParameters: name -> string, or
                     name -> [string, ...] (VPC Lattice 2.0) */
    FR_MULTI_MAP, /* multiValue*: name -> [string, ...] */
    FR_VALUES,    /* one [string, ...] of a map */
    FR_LIST,      /* cookies: [string, ...] */
};

/* Keys that open a container of interest, after the scalar fields. */
enum {
    K_NONE = EV_NFIELDS,
    K_IS_BASE64,
    K_CONTEXT,
    K_HEADERS,
    K_MV_HEADERS,
    K_QUERY,
    K_MV_QUERY,
    K_COOKIES,
    K_HTTP,
    K_IDENTITY,
    K_AUTHORIZER,
    K_ELB,
};

/* The key lookups below run on every key of the event, and most keys are
 * none of these: a switch on the length leaves at most a few compares of a
 * constant length, which the compiler turns into word compares (a table
 * searched in a loop cost a sixth of the parse). IS() compares a name
 * already known to have the literal's length. */
#define IS(name, s) (memcmp((name).ptr, s, sizeof(s) - 1) == 0)

static int root_key(cg_str k)
{
    switch (k.len) {
    case 4: return IS(k, "path") ? EV_PATH : IS(k, "body") ? EV_BODY : IS(k, "type") ? EV_TYPE : K_NONE;
    case 6: return IS(k, "method") ? EV_METHOD : K_NONE;
    case 7:
        return IS(k, "headers") ? K_HEADERS : IS(k, "version") ? EV_VERSION : IS(k, "rawPath") ? EV_RAW_PATH
             : IS(k, "cookies") ? K_COOKIES : K_NONE;
    case 8: return IS(k, "raw_path") ? EV_LATTICE_RAW_PATH : IS(k, "routeArn") ? EV_ROUTE_ARN : K_NONE;
    case 9: return IS(k, "methodArn") ? EV_METHOD_ARN : K_NONE;
    case 10: return IS(k, "httpMethod") ? EV_HTTP_METHOD : K_NONE;
    case 14: return IS(k, "requestContext") ? K_CONTEXT : IS(k, "rawQueryString") ? EV_RAW_QUERY : K_NONE;
    case 15: return IS(k, "isBase64Encoded") ? K_IS_BASE64 : K_NONE;
    case 17:
        return IS(k, "multiValueHeaders") ? K_MV_HEADERS
             : IS(k, "is_base64_encoded") ? K_IS_BASE64 /* VPC Lattice 1.0 names its keys in snake case */
                                          : K_NONE;
    case 21: return IS(k, "queryStringParameters") ? K_QUERY : K_NONE;
    case 23: return IS(k, "query_string_parameters") ? K_QUERY : K_NONE;
    case 31: return IS(k, "multiValueQueryStringParameters") ? K_MV_QUERY : K_NONE;
    default: return K_NONE;
    }
}

static int context_key(cg_str k)
{
    switch (k.len) {
    case 3: return IS(k, "elb") ? K_ELB : K_NONE;
    case 4: return IS(k, "path") ? EV_CTX_PATH : IS(k, "http") ? K_HTTP : K_NONE;
    case 5: return IS(k, "stage") ? EV_CTX_STAGE : K_NONE;
    case 8: return IS(k, "identity") ? K_IDENTITY : K_NONE;
    case 9: return IS(k, "eventType") ? EV_CTX_EVENT_TYPE : K_NONE;
    case 10: return IS(k, "domainName") ? EV_CTX_DOMAIN_NAME : IS(k, "authorizer") ? K_AUTHORIZER : K_NONE;
    case 12: return IS(k, "connectionId") ? EV_CTX_CONNECTION_ID : K_NONE;
    case 14: return IS(k, "targetGroupArn") ? EV_CTX_TARGET_GROUP_ARN : K_NONE;
    default: return K_NONE;
    }
}

static int http_key(cg_str k)
{
    if (k.len == 6 && IS(k, "method"))
        return EV_CTX_HTTP_METHOD;
    return k.len == 8 && IS(k, "sourceIp") ? EV_CTX_HTTP_SOURCE_IP : K_NONE;
}

static int identity_key(cg_str k)
{
    return k.len == 8 && IS(k, "sourceIp") ? EV_CTX_IDENTITY_SOURCE_IP : K_NONE;
}

#define MAX_DEPTH 16 /* deeper containers are all skipped */

struct frame {
    enum frame_kind kind;
    struct kv_list *list; /* FR_MAP, FR_MULTI_MAP, FR_VALUES, FR_LIST */
};

struct parser {
    struct lambda_event *ev;
    struct cg_arena *arena;
    int depth;            /* containers open; frames[depth - 1] is the innermost */
    struct frame frames[MAX_DEPTH];
    const struct frame *top; /* frames[depth - 1], or FR_SKIP outside them */
    int key;              /* what the last key of a fixed-shape object names */
    cg_str name;          /* the last key of a map: FR_VALUES' too, as
                             their array holds no key that is reported */
    size_t context_start; /* offset of requestContext's '{' */
    size_t authorizer_start; /* offset of requestContext.authorizer's '{' */
    size_t headers_start; /* offset of a deferred headers' '{' */
    cg_str deferred_headers; /* headers skipped; ptr NULL when none */
};

/* Makes room for more pairs: once a list opens (child_of_root), and once
 * it is full. Returns 1, a callback's "go on". Never inlined: see below. */
__attribute__((noinline)) static int kv_grow(struct cg_arena *a, struct kv_list *l)
{
    size_t cap = l->cap ? l->cap * 2 : 16;
    l->items = cg_arena_realloc(a, l->items, l->cap * sizeof *l->items, cap * sizeof *l->items);
    l->cap = cap;
    return 1;
}

/* On the path of every value kept, and the last step of its callback:
 * growing after the pair is in, by a tail call, leaves nothing to keep in
 * registers across a call, whose saving and restoring every value would
 * pay. Returns 1, as the callback does. */
static inline int kv_append(struct cg_arena *a, struct kv_list *l, cg_str name, cg_str value)
{
    l->items[l->n++] = (struct cg_kv){ name, value };
    return l->n < l->cap ? 1 : kv_grow(a, l);
}

/* Every callback reads the innermost frame: it is kept at hand. */
static void set_top(struct parser *p)
{
    static const struct frame skip = { FR_SKIP };
    p->top = p->depth > 0 && p->depth <= MAX_DEPTH ? &p->frames[p->depth - 1] : &skip;
}

static void push(struct parser *p, struct frame f)
{
    if (p->depth < MAX_DEPTH)
        p->frames[p->depth] = f;
    p->depth++;
    set_top(p);
}

/* The list a container opened under `key` fills, or NULL. */
static struct kv_list *root_list(struct lambda_event *ev, int key)
{
    switch (key) {
    case K_HEADERS: return &ev->headers;
    case K_MV_HEADERS: return &ev->mv_headers;
    case K_QUERY: return &ev->query;
    case K_MV_QUERY: return &ev->mv_query;
    case K_COOKIES: return &ev->cookies;
    default: return NULL;
    }
}

/* A payload 1.0 event (REST, ALB) has each header twice: in headers,
 * and in multiValueHeaders, which comes after it and has every value of
 * each (§5.1). Its headers are skipped on the way, and read only if
 * multiValueHeaders turns out empty or absent. */
static bool defers_headers(const struct parser *p)
{
    return p->key == K_HEADERS && !cg_str_eq_c(p->ev->f[EV_VERSION], "2.0");
}

static struct frame child_of_root(struct parser *p, size_t at, bool is_array)
{
    if (p->key == K_CONTEXT && !is_array) {
        p->context_start = at;
        return (struct frame){ FR_CONTEXT };
    }
    if (defers_headers(p) && !is_array && !p->deferred_headers.ptr) {
        p->headers_start = at;
        return (struct frame){ FR_DEFERRED };
    }
    struct kv_list *list = root_list(p->ev, p->key);
    enum frame_kind kind = p->key == K_COOKIES ? FR_LIST
                         : p->key == K_MV_HEADERS || p->key == K_MV_QUERY ? FR_MULTI_MAP
                                                                          : FR_MAP;
    /* An object where an array belongs, or the reverse, is skipped whole. */
    if (!list || is_array != (kind == FR_LIST))
        return (struct frame){ FR_SKIP };
    list->present = true;
    if (!list->cap)
        kv_grow(p->arena, list);
    return (struct frame){ kind, list };
}

static struct frame child_of_context(struct parser *p, size_t at)
{
    switch (p->key) {
    case K_HTTP: return (struct frame){ FR_HTTP };
    case K_IDENTITY: return (struct frame){ FR_IDENTITY };
    case K_AUTHORIZER:
        p->authorizer_start = at;
        return (struct frame){ FR_AUTHORIZER };
    case K_ELB: p->ev->has_elb = true; return (struct frame){ FR_SKIP };
    default: return (struct frame){ FR_SKIP };
    }
}

/* What a container that is not a map's array of values is, given where it
 * is: only those some decoder reads have their tokens reported; the
 * authorizer is kept whole as text. */
static struct frame child_of(struct parser *p, size_t at, bool is_array)
{
    if (p->depth == 0)
        return (struct frame){ is_array ? FR_SKIP : FR_ROOT };
    if (p->top->kind == FR_ROOT)
        return child_of_root(p, at, is_array);
    if (p->top->kind == FR_CONTEXT && !is_array)
        return child_of_context(p, at);
    return (struct frame){ FR_SKIP };
}

/* A container starts at s->pos. The arrays of values in maps, the most
 * common, are settled here, apart from child_of(), whose calls would make
 * every container pay for registers saved and restored. */
static int on_start(const struct cg_json_scan *s, bool is_array)
{
    struct parser *p = s->ctx;
    const struct frame *parent = p->top;
    bool in_map = parent->kind == FR_MULTI_MAP || parent->kind == FR_MAP;
    struct frame f = in_map && is_array ? (struct frame){ FR_VALUES, parent->list } : child_of(p, s->pos, is_array);
    p->key = K_NONE;
    push(p, f);
    return f.kind == FR_SKIP || f.kind == FR_DEFERRED || f.kind == FR_AUTHORIZER ? CG_JSON_SKIP : 1;
}

static int on_start_object(const struct cg_json_scan *s)
{
    return on_start(s, false);
}

static int on_start_array(const struct cg_json_scan *s)
{
    return on_start(s, true);
}

/* A container ends just before s->end. */
static int on_end(const struct cg_json_scan *s)
{
    struct parser *p = s->ctx;
    size_t end = s->end;
    if (p->top->kind == FR_CONTEXT)
        p->ev->context_json = (cg_str){ p->ev->json.ptr + p->context_start, end - p->context_start };
    else if (p->top->kind == FR_AUTHORIZER)
        p->ev->authorizer_json = (cg_str){ p->ev->json.ptr + p->authorizer_start, end - p->authorizer_start };
    else if (p->top->kind == FR_DEFERRED)
        p->deferred_headers = (cg_str){ p->ev->json.ptr + p->headers_start, end - p->headers_start };
    p->depth--;
    set_top(p);
    return 1;
}

/* Strings are slices of the event or copies in the arena: they live as long
 * as the struct lambda_event does, and are kept as they come. */
static int on_key(const struct cg_json_scan *s, cg_str name)
{
    struct parser *p = s->ctx;
    switch (p->top->kind) {
    case FR_ROOT: p->key = root_key(name); break;
    case FR_CONTEXT: p->key = context_key(name); break;
    case FR_HTTP: p->key = http_key(name); break;
    case FR_IDENTITY: p->key = identity_key(name); break;
    case FR_MAP:
    case FR_MULTI_MAP: p->name = name; break;
    default: break;
    }
    return 1;
}

static int on_string(const struct cg_json_scan *s, cg_str value)
{
    struct parser *p = s->ctx;
    const struct frame *f = p->top;
    switch (f->kind) {
    case FR_ROOT:
    case FR_CONTEXT:
    case FR_HTTP:
    case FR_IDENTITY:
        if (p->key < EV_NFIELDS)
            p->ev->f[p->key] = value;
        break;
    case FR_MAP:
    case FR_VALUES: return kv_append(p->arena, f->list, p->name, value);
    case FR_LIST: return kv_append(p->arena, f->list, CG_STR(""), value);
    default: break;
    }
    return 1;
}

static int on_boolean(const struct cg_json_scan *s, bool value)
{
    struct parser *p = s->ctx;
    if (p->top->kind == FR_ROOT && p->key == K_IS_BASE64)
        p->ev->is_base64 = value;
    return 1;
}

/* null is a normal value everywhere in these events (gateway-events.md
 * §1.3, §6.1): it means absent. Numbers are never needed. Neither has a
 * callback. */
static const struct cg_json_callbacks callbacks = {
    .boolean = on_boolean,
    .string = on_string,
    .key = on_key,
    .start_object = on_start_object,
    .end_object = on_end,
    .start_array = on_start_array,
    .end_array = on_end,
};

static enum cg_json_status scan(struct parser *p, cg_str json, struct cg_json_scan *s)
{
    *s = (struct cg_json_scan){ .cb = &callbacks, .ctx = p, .arena = p->arena, .max_depth = SIZE_MAX };
    return cg__json_scan(s, json);
}

/* The deferred headers object, read as if it stood at the root, now that
 * multiValueHeaders is known to have none of its values. It was checked
 * on the first pass: it reads without fault. Should an event hold headers
 * twice, the pairs of the first then come after the second's. */
static void read_deferred_headers(struct parser *p)
{
    struct cg_json_scan s;
    p->depth = 1;
    p->frames[0] = (struct frame){ FR_ROOT };
    set_top(p);
    p->key = K_HEADERS; /* not deferred again: deferred_headers is set */
    scan(p, p->deferred_headers, &s);
}

/* Events have no depth limit: deep data under a key no decoder reads is
 * skipped, not refused. Frames deeper than MAX_DEPTH are not kept, and the
 * scanner's stack costs one bit per level. */
int cg__lambda_event_parse(struct cg_arena *a, cg_str json, struct lambda_event *ev, char *err, size_t errlen)
{
    memset(ev, 0, sizeof *ev);
    ev->json = json;
    struct parser p = { .ev = ev, .arena = a, .key = K_NONE };
    set_top(&p);
    struct cg_json_scan s;
    if (scan(&p, json, &s) != CG_JSON_OK) {
        snprintf(err, errlen, "the event is not valid JSON (%s at byte %zu)", s.error, s.error_pos);
        return -1;
    }
    if (p.frames[0].kind != FR_ROOT) {
        snprintf(err, errlen, "the event is not a JSON object");
        return -1;
    }
    if (p.deferred_headers.ptr && ev->mv_headers.n == 0)
        read_deferred_headers(&p);
    return 0;
}
