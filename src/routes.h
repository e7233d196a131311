/* routes.h - the route table served by `crest serve` (routes.c). */
#ifndef CREST_ROUTES_H
#define CREST_ROUTES_H

#include "http/http.h"

extern const struct http_route crest_routes[];
extern const int crest_nroutes;

#endif
