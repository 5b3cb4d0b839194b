/* Where requests go and which CA bundle proves the peer: the settings the
 * SDKs read from the environment (docs/aws.md). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "aws/aws_internal.h"

/* Amazon Linux (the Lambda runtime) first, then Debian and Ubuntu. */
static const char *const ca_bundles[] = {
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/certs/ca-certificates.crt",
};

const char *cg__aws_ca_bundle(void)
{
    const char *env = getenv("SSL_CERT_FILE");
    if (env && *env)
        return env;
    for (size_t i = 0; i < CG_LEN(ca_bundles); i++)
        if (access(ca_bundles[i], R_OK) == 0)
            return ca_bundles[i];
    return NULL;
}

/* Plain HTTP is allowed only where nothing can listen in: this machine. */
static bool is_loopback(const char *host)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6);
    return strcmp(host, "localhost") == 0;
}

/* Host and port after the scheme; the Host header leaves out a default
 * port, as HTTP clients (and so signatures) do. */
static int split_host_port(const char *start, struct aws_endpoint *ep, char *err, size_t errlen)
{
    uint16_t default_port = ep->port;
    const char *end = start + strcspn(start, "/?#");
    const char *host = start, *host_end, *port_at = NULL;
    if (*start == '[') { /* [v6 address]:port */
        host_end = memchr(start, ']', (size_t)(end - start));
        if (!host_end)
            goto bad;
        host++;
        port_at = host_end[1] == ':' ? host_end + 2 : NULL;
    } else {
        const char *colon = memchr(start, ':', (size_t)(end - start));
        host_end = colon ? colon : end;
        port_at = colon ? colon + 1 : NULL;
    }
    size_t hlen = (size_t)(host_end - host);
    if (hlen == 0 || hlen >= sizeof ep->host)
        goto bad;
    memcpy(ep->host, host, hlen);
    ep->host[hlen] = '\0';
    if (port_at) {
        char *stop;
        long port = strtol(port_at, &stop, 10);
        if (stop == port_at || stop != end || port < 1 || port > 65535)
            goto bad;
        ep->port = (uint16_t)port;
    }
    bool show_port = port_at && ep->port != default_port;
    const char *header_end = show_port ? end : (*start == '[' ? host_end + 1 : host_end);
    snprintf(ep->host_header, sizeof ep->host_header, "%.*s", (int)(header_end - start), start);
    return 0;
bad:
    snprintf(err, errlen, "\"%s\" has no usable host and port", start);
    return -1;
}

int cg__aws_endpoint_parse(const char *url, struct aws_endpoint *ep, char *err, size_t errlen)
{
    memset(ep, 0, sizeof *ep);
    const char *rest;
    if (strncmp(url, "https://", 8) == 0) {
        ep->tls = true;
        ep->port = 443;
        rest = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        ep->port = 80;
        rest = url + 7;
    } else {
        snprintf(err, errlen, "endpoint \"%s\" must start with https:// (or http:// for a loopback address)", url);
        return -1;
    }
    if (split_host_port(rest, ep, err, errlen) != 0)
        return -1;
    if (!ep->tls && !is_loopback(ep->host)) {
        snprintf(err, errlen, "endpoint \"%s\": plain http:// is allowed for loopback addresses only", url);
        return -1;
    }
    return 0;
}

/* AWS_ENDPOINT_URL_<SERVICE>: the service id upper-cased, '-' and ' ' as '_'. */
static const char *service_endpoint_env(const char *service)
{
    char name[96] = "AWS_ENDPOINT_URL_";
    size_t at = strlen(name);
    for (const char *s = service; *s && at < sizeof name - 1; s++)
        name[at++] = (*s == '-' || *s == ' ') ? '_' : (char)toupper((unsigned char)*s);
    name[at] = '\0';
    return getenv(name);
}

int cg__aws_endpoint_resolve(const char *explicit_url, const char *service, const char *region, struct aws_endpoint *ep,
                             char *url, size_t urlcap, char *err, size_t errlen)
{
    const char *chosen = explicit_url;
    const char *from = "the endpoint";
    if (!chosen || !*chosen) {
        chosen = service_endpoint_env(service);
        from = "AWS_ENDPOINT_URL_<SERVICE>";
    }
    if (!chosen || !*chosen) {
        chosen = getenv("AWS_ENDPOINT_URL");
        from = "AWS_ENDPOINT_URL";
    }
    if (chosen && *chosen)
        snprintf(url, urlcap, "%s", chosen);
    else
        snprintf(url, urlcap, "https://%s.%s.amazonaws.com", service, region);
    char why[256];
    if (cg__aws_endpoint_parse(url, ep, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", from, why);
        return -1;
    }
    return 0;
}
