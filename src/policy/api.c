/* api.c - GET /api/v1/policy: the policy pack in force, as loaded. */
#include <string.h>

#include "../http/http.h"
#include "policy.h"

void policy_api_get(struct http_req *r)
{
    const char *j = policy_current_json();
    if (!j) {
        http_reply_problem(r, CREST_NOTFOUND, "not_found");
        return;
    }
    http_reply_text(r, 200, "application/json; charset=utf-8", j, strlen(j));
}
