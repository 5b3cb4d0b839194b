/* Private interfaces of the Lambda adapter.
 *
 *   event_parse.c      event JSON -> struct lambda_event (json_scan callbacks, one pass)
 *   event_decode.c     struct lambda_event -> struct cg_request, one decoder per source
 *   response_encode.c  struct cg_response -> the gateway's response JSON
 *   url_escape.c       percent-encoding of decoded paths and query components
 *   invocation.c       one event through decode, app and encode; `APP invoke`
 *   runtime_client.c   blocking HTTP/1.1 client for the Runtime API (net/http1_read.c)
 *   runtime_loop.c     the pollers: /next, /response, /error, /init/error
 *   environment.c      AWS_LAMBDA_* read once, cold start and init duration
 *
 * Rules cited as "gateway-events.md §n.m" and "runtime-api.md §n" are in
 * docs/design/; bare "§n.m" in the event and response files means
 * gateway-events.md. */
#ifndef CGATE_LAMBDA_INTERNAL_H
#define CGATE_LAMBDA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/transport.h"
#include "lambda/response_body.h"
#include "net/http1_internal.h"

enum lambda_source {
    SRC_APIGW_REST,
    SRC_APIGW_HTTP,
    SRC_FUNCTION_URL,
    SRC_ALB,
    SRC_LATTICE_V1, /* VPC Lattice, event structure version 1 ... */
    SRC_LATTICE_V2, /* ... and 2; answered alike */
};

/* Name/value pairs as the event held them: an object of strings or of
 * string arrays (one pair per element, in order), or an array of strings
 * (names empty). In the arena. */
struct kv_list {
    struct cg_kv *items;
    size_t n, cap;
    bool present; /* the field was an object or array (not null, not absent) */
};

/* The scalar fields the decoders read. */
enum event_field {
    EV_VERSION,
    EV_HTTP_METHOD,
    EV_METHOD,      /* VPC Lattice's "method" */
    EV_PATH,
    EV_RAW_PATH,
    EV_LATTICE_RAW_PATH, /* VPC Lattice 1.0's "raw_path" */
    EV_RAW_QUERY,
    EV_BODY,
    EV_TYPE,        /* authorizer events: "TOKEN" or "REQUEST" ... */
    EV_METHOD_ARN,  /* ... with one of these */
    EV_ROUTE_ARN,
    EV_CTX_STAGE,   /* requestContext.* */
    EV_CTX_PATH,    /* REST: the path as the client sent it, stage included */
    EV_CTX_DOMAIN_NAME,
    EV_CTX_EVENT_TYPE,
    EV_CTX_CONNECTION_ID,
    EV_CTX_HTTP_METHOD,
    EV_CTX_HTTP_SOURCE_IP,
    EV_CTX_IDENTITY_SOURCE_IP,
    EV_CTX_TARGET_GROUP_ARN, /* VPC Lattice 2.0 (ALB's is under requestContext.elb) */
    EV_NFIELDS
};

struct lambda_event {
    cg_str json;          /* the whole event */
    cg_str context_json;  /* its requestContext object; ptr NULL when absent */
    cg_str authorizer_json; /* requestContext.authorizer, an object; ptr NULL when absent */
    cg_str f[EV_NFIELDS]; /* ptr NULL: absent or null */
    bool is_base64;       /* isBase64Encoded; missing or null is false */
    bool has_elb;         /* requestContext.elb: an ALB event */
    struct kv_list headers, mv_headers, query, mv_query, cookies;
};

/* Parse an event in one pass. Strings point into `json` when it holds them
 * verbatim, else into the arena. Returns 0, or -1 with a message. */
int cg__lambda_event_parse(struct cg_arena *a, cg_str json, struct lambda_event *ev, char *err, size_t errlen);

/* How the response must be shaped, decided by the event. */
struct lambda_reply {
    enum lambda_source source;
    bool multi_value; /* ALB target group in multi-value mode */
    bool head;        /* a HEAD request: no body */
};

/* Fill req (its arena set, the rest zeroed) from a parsed event. base_path
 * ("" for none, else "/x" with no trailing slash) is stripped on whole
 * segments. Returns 0, or -1 with a message for an event that is not an
 * HTTP request. */
int cg__lambda_event_decode(const struct lambda_event *ev, cg_str base_path, struct cg_request *req,
                            struct lambda_reply *reply, char *err, size_t errlen);

/* Append the gateway's response JSON to out; a response over the 6 MB limit
 * becomes a logged 500 instead. */
void cg__lambda_response_encode(const struct lambda_reply *reply, const struct cg_response *res, struct cg_buf *out);

/* A streamed response's HTTP integration prelude (runtime-api.md §9): the
 * head as JSON, then the eight NUL bytes that end it. */
void cg__lambda_prelude_encode(const struct lambda_reply *reply, const struct cg_response *res, struct cg_buf *out);

/* url_escape.c (base64 and UTF-8 are the core's, public: cgate/codec.h) */
enum url_escape {
    ESC_PATH,      /* a decoded path back to wire form: '/' kept, valid %XX kept */
    ESC_COMPONENT, /* a query name or value: all but unreserved characters */
};
cg_str cg__lambda_url_escape(struct cg_arena *a, cg_str s, enum url_escape mode);

/* One invocation as the Runtime API hands it over. */
struct lambda_invocation {
    cg_str event;
    cg_str request_id;
    cg_str trace_id;
    int64_t deadline_ms;
};

/* One invocation answered by the app: the request (in the arena, with its
 * deferred work) and the response, not yet encoded (it may be streamed). */
struct lambda_exchange {
    struct cg_request req;
    struct cg_response res;
    struct lambda_reply reply;
};

/* Parse, decode and handle an event. Returns 0, or -1 with a message for an
 * event that is not an HTTP request. */
int cg__lambda_exchange_run(const struct cg_app *app, const struct lambda_invocation *inv, struct cg_arena *a,
                            struct lambda_exchange *x, char *err, size_t errlen);

/* The buffered answer: a streamed response collected, then encoded into
 * out as the gateway expects it. */
void cg__lambda_exchange_encode(struct lambda_exchange *x, struct cg_buf *out);

/* The whole buffered path of one event: cg__lambda_exchange_run, then the
 * response (a streamed one collected) encoded into out as the gateway
 * expects it. The deferred work is left to the caller (x->req). */
int cg__lambda_handle_invocation(const struct cg_app *app, const struct lambda_invocation *inv, struct cg_arena *a,
                                 struct lambda_exchange *x, struct cg_buf *out, char *err, size_t errlen);

/* runtime_client.c: one kept-alive connection to the Runtime API. */
struct rapi_client {
    char endpoint[64]; /* host:port, for messages */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    int fd;            /* -1 when not connected */
    /* The request under way: its path (for messages) and the time, epoch
     * ms, at which it is given up (0: never). */
    const char *path;
    int64_t give_up_at;
    /* A GET /invocation/next went with the last request, pipelined: its
     * answer is cg__rapi_next's to read, from what the last read left in
     * `in`, then the socket. */
    bool next_sent;
    struct http1_buffer in;
};

struct rapi_response {
    int status;
    struct cg_buf body; /* heap; reused between calls */
    /* The invocation's headers (runtime-api.md §2), whole: the response
     * reader passes values of up to HTTP1_MAX_VALUE bytes. A longer request
     * id is flagged, never cut, for an answer must go to the id Lambda
     * sent; a longer trace id is dropped. */
    char request_id[HTTP1_MAX_VALUE + 1];
    bool request_id_too_long;
    char trace_id[HTTP1_MAX_VALUE + 1];
    int64_t deadline_ms;
};

/* How long after an invocation's deadline a request for it may still wait
 * for the Runtime API (see cg__rapi_call). */
#define RAPI_MARGIN_MS 1000

/* Now on the clock of Lambda-Runtime-Deadline-Ms: Unix epoch milliseconds. */
int64_t cg__lambda_epoch_ms(void);

/* Parse $AWS_LAMBDA_RUNTIME_API ("127.0.0.1:9001", "[::1]:9001"); no
 * connection yet. Returns 0, or -1 with a message. */
int cg__rapi_init(struct rapi_client *c, const char *endpoint, char *err, size_t errlen);
void cg__rapi_close(struct rapi_client *c);
/* Send one request and read its response (headers: extra header lines, each
 * ending in CRLF, or NULL). A connection the server closed while idle is
 * reopened once. deadline_ms is the invocation's (epoch ms): the request
 * is given up RAPI_MARGIN_MS after it, or after RAPI_MARGIN_MS once it has
 * passed, and its connection closed. 0 waits as long as it takes, as
 * GET /next must (it blocks until an event comes, runtime-api.md §2).
 * With then_next, a GET /invocation/next leaves in the same send, after the
 * request (pipelined, runtime-api.md §15), for cg__rapi_next to read.
 * Returns 0 when a response arrived, -1 with a message. */
int cg__rapi_call(struct rapi_client *c, const char *method, const char *path, const char *headers, cg_str body,
                  int64_t deadline_ms, bool then_next, struct rapi_response *res, char *err, size_t errlen);
/* GET /invocation/next, or only its answer when the last call sent it. */
int cg__rapi_next(struct rapi_client *c, struct rapi_response *res, char *err, size_t errlen);

/* A streamed request: the head (with Transfer-Encoding: chunked), then any
 * number of chunks, then the last chunk with optional trailer lines (each
 * ending in CRLF) and the response read, all within the time deadline_ms
 * allows (as for cg__rapi_call). The connection is closed after it; the next
 * call opens another. Each returns 0, or -1 (with a message for begin and
 * end). */
int cg__rapi_stream_begin(struct rapi_client *c, const char *path, const char *headers, int64_t deadline_ms, char *err,
                          size_t errlen);
int cg__rapi_stream_write(struct rapi_client *c, const void *data, size_t len);
int cg__rapi_stream_end(struct rapi_client *c, const char *trailers, struct rapi_response *res, char *err,
                        size_t errlen);

/* environment.c: the cold-start state, kept by the Runtime API loop. Before
 * each GET /invocation/next (the first call ends the init phase), and when
 * an invocation starts on this thread (cg_cold_start, cg_init_duration_ms). */
void cg__lambda_note_next(void);
void cg__lambda_note_invocation(void);

/* runtime_stream.c: CG_INVOKE_MODE, read once at start (-1 with a message
 * naming the setting when it is not a mode); whether an answer to this
 * event goes streamed; and posting it so to `path` (its /response). */
int cg__lambda_invoke_mode_read(char *err, size_t errlen);
bool cg__lambda_streams(const struct lambda_reply *reply);
int cg__lambda_post_streamed(struct rapi_client *client, const char *path, struct lambda_exchange *x,
                             struct rapi_response *ack, char *err, size_t errlen);

#endif
