/* Tracing with AWS X-Ray, without the SDK.
 *
 * Every AWS call of the AWS client (aws.h) carries the request's trace
 * header (X-Amzn-Trace-Id: Lambda's, or the one the client sent), so that
 * the services' own segments join the trace; that needs nothing.
 *
 * With cg_app_use_xray, a request whose trace header says Sampled=1 also
 * sends subsegments to the X-Ray daemon (UDP, $AWS_XRAY_DAEMON_ADDRESS,
 * which Lambda sets): one for the handler ("## create_item", with the route
 * and the cold start as annotations), one per AWS call beneath it
 * (DynamoDB PutItem: status, retries, request id), and the app's own spans:
 *
 *   struct cg_xray_span *s = cg_xray_begin(c, "render");
 *   ...
 *   cg_xray_end(s);
 *
 * A datagram is sent when its subsegment ends, without waiting: a daemon
 * that is not there costs nothing but the send. docs/tracing.md. */
#ifndef CGATE_XRAY_H
#define CGATE_XRAY_H

#ifdef __cplusplus
extern "C" {
#endif

struct cg_app;
struct cg_ctx;
struct cg_xray_span;

struct cg_xray_opts {
    /* "127.0.0.1:2000", or the SDKs' "udp:127.0.0.1:2000 tcp:127.0.0.1:2000"
     * form; NULL: $AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000. An IPv4
     * address: a name would need a DNS lookup on the request's path. */
    const char *daemon_address;
};

/* Send subsegments for sampled requests. Returns 0, or -1 (an app error
 * naming the setting when the address is not one). */
int cg_app_use_xray(struct cg_app *app, const struct cg_xray_opts *opts);

/* Open a subsegment named `name` (1 to 200 characters; others are
 * replaced by '_') under the innermost one open; NULL when the request is
 * not traced (X-Ray off, or not sampled). The AWS calls made before it ends
 * are its children. */
struct cg_xray_span *cg_xray_begin(struct cg_ctx *c, const char *name);
/* Close it and send it. Spans close in the reverse order of opening;
 * NULL is ignored. */
void cg_xray_end(struct cg_xray_span *span);

#ifdef __cplusplus
}
#endif

#endif
