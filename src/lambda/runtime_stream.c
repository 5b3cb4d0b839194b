/* Streamed answers to the Runtime API (runtime-api.md §8–9), for function
 * URLs and REST APIs whose integration streams: CG_INVOKE_MODE=
 * response_stream, as the function's InvokeMode says. The body is the HTTP
 * integration prelude (the head as JSON and eight NUL bytes), then the
 * response's bytes as the app produces them; a failure after that reaches
 * Lambda as the two error trailers. HTTP APIs, ALB and VPC Lattice cannot
 * stream: their answers stay buffered whatever the mode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lambda/lambda_internal.h"

#define STREAM_HEADERS                                                        \
    "Lambda-Runtime-Function-Response-Mode: streaming\r\n"                    \
    "Content-Type: application/vnd.awslambda.http-integration-response\r\n"  \
    "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"

static bool stream_mode;

int cg__lambda_invoke_mode_read(char *err, size_t errlen)
{
    const char *mode = getenv("CG_INVOKE_MODE");
    if (!mode || !*mode || strcmp(mode, "buffered") == 0) {
        stream_mode = false;
        return 0;
    }
    if (strcmp(mode, "response_stream") == 0) {
        stream_mode = true;
        return 0;
    }
    snprintf(err, errlen, "CG_INVOKE_MODE=%s is not a mode: \"buffered\" (the default) or \"response_stream\"",
             mode);
    return -1;
}

bool cg__lambda_streams(const struct lambda_reply *reply)
{
    return stream_mode && (reply->source == SRC_FUNCTION_URL || reply->source == SRC_APIGW_REST);
}

static int write_chunk(void *client, const void *data, size_t len)
{
    return cg__rapi_stream_write(client, data, len);
}

/* The trailer lines that tell Lambda the stream failed: the error as the
 * JSON /error takes, base64. */
static const char *error_trailers(struct cg_arena *a, const char *why)
{
    struct cg_buf json, b64;
    cg_buf_init(&json, a);
    cg_buf_init(&b64, a);
    struct cg_json j;
    cg_json_init(&j, &json);
    cg_json_obj_begin(&j);
    cg_json_key(&j, "errorMessage");
    cg_json_cstr(&j, why);
    cg_json_key(&j, "errorType");
    cg_json_cstr(&j, "Function.StreamError");
    cg_json_obj_end(&j);
    cg_base64_encode(&b64, cg_buf_str(&json));
    return cg_arena_printf(a, "Lambda-Runtime-Function-Error-Type: Function.StreamError\r\n"
                              "Lambda-Runtime-Function-Error-Body: %.*s\r\n",
                           (int)b64.len, b64.data)
        .ptr;
}

/* The body after the prelude; returns the trailers when it failed. */
static const char *send_body(struct rapi_client *client, struct lambda_exchange *x)
{
    const struct cg_response *res = &x->res;
    if (x->reply.head || !cg_status_allows_body(res->status))
        return NULL;
    if (!res->stream.fn) {
        bool failed = res->body.len && cg__rapi_stream_write(client, res->body.data, res->body.len) != 0;
        return failed ? error_trailers(x->req.arena, "the Runtime API connection failed") : NULL;
    }
    struct cg_stream s;
    if (cg__stream_run(&s, res, &x->req, (struct cg_stream_sink){ write_chunk, client }) == 0)
        return NULL;
    return error_trailers(x->req.arena, s.failure);
}

int cg__lambda_post_streamed(struct rapi_client *client, const char *path, struct lambda_exchange *x,
                             struct rapi_response *ack, char *err, size_t errlen)
{
    struct cg_buf prelude;
    cg_buf_init(&prelude, x->req.arena);
    cg__lambda_prelude_encode(&x->reply, &x->res, &prelude);
    if (cg__rapi_stream_begin(client, path, STREAM_HEADERS, x->req.deadline_ms, err, errlen) != 0)
        return -1;
    const char *trailers = NULL;
    if (cg__rapi_stream_write(client, prelude.data, prelude.len) != 0)
        trailers = error_trailers(x->req.arena, "the Runtime API connection failed");
    else
        trailers = send_body(client, x);
    return cg__rapi_stream_end(client, trailers, ack, err, errlen);
}
