/* cgate: HTTP APIs in C that run as a local server and on AWS Lambda. */
#ifndef CGATE_H
#define CGATE_H

#include "app.h"
#include "arena.h"
#include "buf.h"
#include "codec.h"
#include "compress.h"
#include "cors.h"
#include "gateway.h"
#include "idempotency.h"
#include "json.h"
#include "lambda.h"
#include "log.h"
#include "metrics.h"
#include "middleware.h"
#include "params.h"
#include "request.h"
#include "response.h"
#include "str.h"
#include "stream.h"
#include "version.h"

#endif
