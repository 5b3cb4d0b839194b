/* How a function's response body travels back through the gateways
 * (response_encode.c), shared with tools/cgate-local, which plays the
 * gateway's side: the size Lambda accepts, and which bodies go as text. */
#ifndef CGATE_LAMBDA_RESPONSE_BODY_H
#define CGATE_LAMBDA_RESPONSE_BODY_H

#include <stdbool.h>

#include "cgate/str.h"

/* Lambda's limit on a buffered response: 6 MB ("Lambda quotas", AWS Lambda
 * Developer Guide). */
#define LAMBDA_MAX_RESPONSE (6u * 1024 * 1024)

/* Text-like media types: text/ anything, JSON, XML, JavaScript, YAML,
 * forms, NDJSON and the +json/+xml/+yaml suffixes. Bodies of every other
 * type travel base64 (isBase64Encoded). */
bool cg__lambda_is_text_type(cg_str content_type);

#endif
