/* The docs pages: Swagger UI at /docs (with its OAuth2 redirect page at
 * /docs/oauth2-redirect) and ReDoc at /redoc, served with their scripts by
 * the app itself, so that they work offline and in private networks
 * (FastAPI loads them from a CDN and Google Fonts).
 *
 * The files come from npm at build time and are embedded gzip-compressed
 * (docs_assets.h). They are sent as they are to clients that accept gzip and
 * inflated for the others; their URLs carry a version (?v=ETag), so browsers
 * may keep them a year. Every link in the pages starts with req->root_path,
 * so they work behind an API Gateway stage (/prod/docs). */
#include <stdio.h>
#include <zlib.h>

#include "cgate/cgate.h"
#include "core/docs.h"
#include "core/docs_assets.h"
#include "core/openapi.h"

#define DEFAULT_CDN "https://cdn.jsdelivr.net/npm"
/* Assets served under a page's path: "{docs_url}/static/{file}". */
#define STATIC_DIR "/static/"
#define FILE_PARAM "{file}"
/* Swagger UI's OAuth2 redirect page: "{docs_url}/oauth2-redirect", as FastAPI. */
#define OAUTH2_REDIRECT "/oauth2-redirect"

_Static_assert(CG_BUILTIN_ROUTES >= 5, "the document, two pages, the OAuth2 redirect page and the assets");

/* The files the pages use, and where an npm CDN has them. */
enum asset { SWAGGER_JS, SWAGGER_CSS, REDOC_JS, FAVICON, OAUTH2_REDIRECT_JS };

static const struct {
    const char *name;
    const char *cdn_path;
} page_files[] = {
    [SWAGGER_JS] = { "swagger-ui-bundle.js", "swagger-ui-dist@" CG_SWAGGER_UI_VERSION "/swagger-ui-bundle.js" },
    [SWAGGER_CSS] = { "swagger-ui.css", "swagger-ui-dist@" CG_SWAGGER_UI_VERSION "/swagger-ui.css" },
    [REDOC_JS] = { "redoc.standalone.js", "redoc@" CG_REDOC_VERSION "/bundles/redoc.standalone.js" },
    [FAVICON] = { "favicon.png", "swagger-ui-dist@" CG_SWAGGER_UI_VERSION "/favicon-32x32.png" },
    [OAUTH2_REDIRECT_JS] = { "oauth2-redirect.js", "swagger-ui-dist@" CG_SWAGGER_UI_VERSION "/oauth2-redirect.js" },
};

static const char *url_or(const char *url, const char *fallback)
{
    return url ? url : fallback;
}

static const char *openapi_url(const struct cg_app *app)
{
    return url_or(app->opts.openapi_url, "/openapi.json");
}

static const char *docs_url(const struct cg_app *app)
{
    return url_or(app->opts.docs_url, "/docs");
}

static const struct cg_docs_asset *find_asset(cg_str name)
{
    for (size_t i = 0; i < cg__docs_nassets; i++)
        if (cg_str_eq_c(name, cg__docs_assets[i].name))
            return &cg__docs_assets[i];
    return NULL;
}

/* ---- pages ---- */

/* Text for an HTML attribute or element. */
static void put_html(struct cg_buf *out, cg_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        switch (s.ptr[i]) {
        case '&': cg_buf_puts(out, "&amp;"); break;
        case '<': cg_buf_puts(out, "&lt;"); break;
        case '>': cg_buf_puts(out, "&gt;"); break;
        case '"': cg_buf_puts(out, "&quot;"); break;
        case '\'': cg_buf_puts(out, "&#39;"); break;
        default: cg_buf_putc(out, s.ptr[i]);
        }
    }
}

/* The root path and an app path (and a suffix), as an attribute value. */
static void put_app_url(struct cg_buf *out, const struct cg_request *req, const char *path, const char *suffix)
{
    put_html(out, req->root_path);
    put_html(out, cg_str_c(path));
    put_html(out, cg_str_c(suffix));
}

/* Where the page loads a file from: the app itself, or the CDN. */
static void put_asset_url(struct cg_buf *out, const struct cg_ctx *c, enum asset which)
{
    const struct cg_docs_asset *a = find_asset(cg_str_c(page_files[which].name));
    const char *cdn = c->app->opts.docs_cdn_url;
    if (!a || cdn) {
        put_html(out, cg_str_c(url_or(cdn, DEFAULT_CDN)));
        cg_buf_putc(out, '/');
        put_html(out, cg_str_c(page_files[which].cdn_path));
        return;
    }
    const char *route = c->app->assets_path;
    put_html(out, c->req->root_path);
    put_html(out, (cg_str){ route, strlen(route) - strlen(FILE_PARAM) });
    put_html(out, cg_str_c(a->name));
    cg_buf_puts(out, "?v=");
    put_html(out, (cg_str){ a->etag + 1, strlen(a->etag) - 2 });
}

/* Start a page: the head, with its title and favicon. Images only from the
 * app (or the CDN): ReDoc's sidebar shows a logo from redoc.ly otherwise. */
static struct cg_buf *begin_page(struct cg_ctx *c, const char *kind)
{
    cg_send(c, 200, "text/html; charset=utf-8", NULL, 0);
    const char *cdn = c->app->opts.docs_cdn_url;
    cg_add_header(c, "content-security-policy",
                  cg_arena_printf(c->req->arena, "img-src 'self' data: blob:%s%s%s", cdn ? " " : "",
                                  cdn ? cdn : "", cdn ? "/" : ""));
    struct cg_buf *out = &c->res->body;
    cg_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    put_html(out, cg_str_c(c->app->opts.title));
    cg_buf_printf(out, " - %s</title>\n<link rel=\"icon\" type=\"image/png\" href=\"", kind);
    put_asset_url(out, c, FAVICON);
    cg_buf_puts(out, "\">\n");
    return out;
}

/* Swagger UI as FastAPI configures it; the validator badge is off, since it
 * would send the document to validator.swagger.io. The URLs reach the script
 * through data- attributes, so they need HTML escaping only. */
static int swagger_page(struct cg_ctx *c)
{
    struct cg_buf *out = begin_page(c, "Swagger UI");
    cg_buf_puts(out, "<link rel=\"stylesheet\" href=\"");
    put_asset_url(out, c, SWAGGER_CSS);
    cg_buf_puts(out, "\">\n</head>\n<body>\n<div id=\"swagger-ui\" data-url=\"");
    put_app_url(out, c->req, openapi_url(c->app), "");
    cg_buf_puts(out, "\" data-oauth2-redirect-url=\"");
    put_app_url(out, c->req, docs_url(c->app), OAUTH2_REDIRECT);
    cg_buf_puts(out, "\"></div>\n<script src=\"");
    put_asset_url(out, c, SWAGGER_JS);
    cg_buf_puts(out, "\"></script>\n<script>\n"
                     "const urls = document.getElementById(\"swagger-ui\").dataset;\n"
                     "window.ui = SwaggerUIBundle({\n"
                     "  url: urls.url,\n"
                     "  oauth2RedirectUrl: window.location.origin + urls.oauth2RedirectUrl,\n"
                     "  dom_id: \"#swagger-ui\",\n"
                     "  layout: \"BaseLayout\",\n"
                     "  deepLinking: true,\n"
                     "  showExtensions: true,\n"
                     "  showCommonExtensions: true,\n"
                     "  validatorUrl: null,\n"
                     "  presets: [SwaggerUIBundle.presets.apis],\n"
                     "});\n</script>\n</body>\n</html>\n");
    return 0;
}

/* ReDoc without web fonts: the system's fonts, and no request elsewhere. */
static int redoc_page(struct cg_ctx *c)
{
    struct cg_buf *out = begin_page(c, "ReDoc");
    cg_buf_puts(out, "<style>body { margin: 0; padding: 0; }</style>\n</head>\n<body>\n"
                     "<noscript>This page needs JavaScript to show the API's documentation.</noscript>\n"
                     "<redoc spec-url=\"");
    put_app_url(out, c->req, openapi_url(c->app), "");
    cg_buf_puts(out, "\"></redoc>\n<script src=\"");
    put_asset_url(out, c, REDOC_JS);
    cg_buf_puts(out, "\"></script>\n</body>\n</html>\n");
    return 0;
}

/* Where an OAuth2 server sends the browser back to after "Authorize": the
 * script hands the answer to the Swagger UI window that opened it. */
static int oauth2_redirect_page(struct cg_ctx *c)
{
    struct cg_buf *out = begin_page(c, "Swagger UI OAuth2 Redirect");
    cg_buf_puts(out, "</head>\n<body>\n<script src=\"");
    put_asset_url(out, c, OAUTH2_REDIRECT_JS);
    cg_buf_puts(out, "\"></script>\n</body>\n</html>\n");
    return 0;
}

/* ---- assets ---- */

/* If-None-Match, compared weakly as RFC 9110 asks for GET. */
static bool etag_matches(cg_str header, const char *etag)
{
    while (header.ptr && header.len) {
        cg_str tag = cg_header_next_element(&header);
        if (tag.len > 2 && tag.ptr[0] == 'W' && tag.ptr[1] == '/')
            tag.ptr += 2, tag.len -= 2;
        if (cg_str_eq(tag, CG_STR("*")) || cg_str_eq_c(tag, etag))
            return true;
    }
    return false;
}

/* The file itself, for a client that does not take gzip. */
static int send_inflated(struct cg_ctx *c, const struct cg_docs_asset *a)
{
    cg_send(c, 200, a->content_type, NULL, 0);
    struct cg_buf *body = &c->res->body;
    z_stream z = { .next_in = (Bytef *)a->gz, .avail_in = (uInt)a->gz_len };
    z.next_out = (Bytef *)cg_buf_reserve(body, a->len);
    z.avail_out = (uInt)a->len;
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) /* 16: a gzip stream */
        return cg_fail(c, "docs: cannot inflate %s", a->name);
    int rc = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    if (rc != Z_STREAM_END || z.total_out != a->len)
        return cg_fail(c, "docs: %s is not a valid gzip stream", a->name);
    body->len = a->len;
    return 0;
}

/* A versioned URL (?v=ETag) never changes its content, so a year; without
 * the version, browsers ask again and get a cheap 304. */
static cg_str cache_control(const struct cg_request *req, const char *etag)
{
    cg_str v = cg_request_query(req, "v");
    bool versioned = v.len == strlen(etag) - 2 && memcmp(v.ptr, etag + 1, v.len) == 0;
    return versioned ? CG_STR("public, max-age=31536000, immutable") : CG_STR("no-cache");
}

/* The gzip bytes and the inflated file are two representations, and a strong
 * ETag names one (RFC 9110 §8.8.3): each has its own, and a 304 carries the
 * one its 200 would have (§15.4.5). */
static int serve_asset(struct cg_ctx *c)
{
    const struct cg_docs_asset *a = find_asset(cg_param_str(c, "file"));
    if (!a)
        return cg_http_error(c, 404, "Not Found");
    bool gzip = cg_accept_encoding_q(cg_request_header(c->req, "accept-encoding"), CG_STR("gzip")) > 0;
    const char *etag = gzip ? a->gz_etag : a->etag;
    if (etag_matches(cg_request_header(c->req, "if-none-match"), etag)) {
        cg_send_empty(c, 304);
    } else if (gzip) {
        cg_send(c, 200, a->content_type, a->gz, a->gz_len);
        cg_add_header(c, "content-encoding", CG_STR("gzip"));
    } else if (send_inflated(c, a) != 0) {
        return -1;
    }
    cg_add_header(c, "etag", cg_str_c(etag));
    cg_add_header(c, "cache-control", cache_control(c->req, a->etag));
    return cg_add_header(c, "vary", CG_STR("accept-encoding"));
}

/* ---- routes ---- */

static const struct cg_param asset_params[] = { CG_PATH_STR("file"), { 0 } };

/* The paths of the routes built here, in one allocation that the app frees
 * as assets_path: "{dir}/static/{file}" (dir: the first page's URL), then
 * "{docs_url}/oauth2-redirect"; returns the second. */
static const char *build_paths(struct cg_app *app, const char *dir, const char *docs)
{
    size_t assets_len = strlen(dir) + strlen(STATIC_DIR FILE_PARAM) + 1;
    size_t len = assets_len + strlen(docs) + sizeof OAUTH2_REDIRECT;
    app->assets_path = cg_xmalloc(len);
    snprintf(app->assets_path, assets_len, "%s" STATIC_DIR FILE_PARAM, dir);
    snprintf(app->assets_path + assets_len, len - assets_len, "%s" OAUTH2_REDIRECT, docs);
    return app->assets_path + assets_len;
}

size_t cg__docs_routes(struct cg_app *app)
{
    const struct cg_app_opts *o = &app->opts;
    const char *docs = docs_url(app), *redoc = url_or(o->redoc_url, "/redoc");
    size_t n = 0;
    if (!*openapi_url(app))
        return 0;
    app->builtin[n++] = (struct cg_route)CG_GET(openapi_url(app), cg__openapi_serve, .hidden = true);
    if (!*docs && !*redoc)
        return n;
    const char *oauth2_redirect = build_paths(app, *docs ? docs : redoc, docs);
    if (*docs) {
        app->builtin[n++] = (struct cg_route)CG_GET(docs, swagger_page, .hidden = true);
        app->builtin[n++] = (struct cg_route)CG_GET(oauth2_redirect, oauth2_redirect_page, .hidden = true);
    }
    if (*redoc)
        app->builtin[n++] = (struct cg_route)CG_GET(redoc, redoc_page, .hidden = true);
    if (cg__docs_nassets && !o->docs_cdn_url)
        app->builtin[n++] = (struct cg_route)CG_GET(app->assets_path, serve_asset, .params = asset_params,
                                                    .hidden = true);
    return n;
}
