/*
 * routes.c - the API's route table: method, path pattern, handler, the roles
 * allowed, flags. Scope (which rows) is checked by each handler through
 * auth_in_scope()/AUTH_SCOPE_SQL; roles (which endpoints) here, in one table,
 * so the role × endpoint matrix can be read in one place.
 */
#include "routes.h"

#include "capacity/capacity.h"
#include "http/http.h"
#include "policy/policy.h"
#include "queue/queue.h"
#include "region/region.h"

#define COMMAND (R(ROLE_ADMIN) | R(ROLE_COMMANDER))
/* queue pillar: a clinic's desk (and its overseers); who holds tickets */
#define QUEUE_DESK (COMMAND | R(ROLE_CLINIC))
#define QUEUE_TICKETS (QUEUE_DESK | R(ROLE_RESIDENT))

const struct http_route crest_routes[] = {
    {"POST", "/api/v1/session", session_routes_login, ROLES_ALL, HTTP_PUBLIC | HTTP_NOCSRF},
    {"DELETE", "/api/v1/session", session_routes_logout, ROLES_ALL, 0},
    {"GET", "/api/v1/me", session_routes_me, ROLES_ALL, 0},
    {"GET", "/api/v1/policy", policy_api_get, ROLES_ALL, 0},
    {"GET", "/api/v1/regions/{code}", region_api_get, ROLES_ALL, 0},
    {"POST", "/api/v1/regions", region_api_create, COMMAND, 0},
    {"PATCH", "/api/v1/regions/{code}", region_api_update, COMMAND, 0},
    /* capacity: the facility registry and daily reports */
    {"GET", "/api/v1/facilities", capacity_api_facility_list, ROLES_ALL, 0},
    {"POST", "/api/v1/facilities", capacity_api_facility_create, COMMAND, 0},
    {"POST", "/api/v1/facilities/import", capacity_api_facility_import, COMMAND, HTTP_BIGBODY},
    {"GET", "/api/v1/facilities/export", capacity_api_facility_export, COMMAND, 0},
    {"GET", "/api/v1/facilities/{id}", capacity_api_facility_get, ROLES_ALL, 0},
    {"PATCH", "/api/v1/facilities/{id}", capacity_api_facility_update, COMMAND, 0},
    {"GET", "/api/v1/facilities/{id}/reports", capacity_api_report_list, COMMAND | R(ROLE_HOSPITAL),
     0},
    {"POST", "/api/v1/facilities/{id}/reports", capacity_api_report_put, COMMAND | R(ROLE_HOSPITAL),
     0},
    {"GET", "/api/v1/capacity/compliance", capacity_api_compliance, COMMAND, 0},
    {"GET", "/api/v1/capacity/timeseries", capacity_api_timeseries, COMMAND, 0},
    {"GET", "/api/v1/capacity/measure-report", capacity_api_measure_report, COMMAND, 0},
    {"GET", "/api/v1/capacity/gaps.csv", capacity_api_gaps_csv, COMMAND, 0},
    {"GET", "/api/v1/capacity/gaps.xlsx", capacity_api_gaps_xlsx, COMMAND, 0},
    /* queue: fever-clinic tickets, call-next, recommendation, live views */
    {"GET", "/api/v1/queue/recommend", queue_api_recommend, ROLES_ALL, 0},
    {"GET", "/api/v1/queue/stats", queue_api_stats, COMMAND | R(ROLE_CLINIC), 0},
    {"GET", "/api/v1/queue/tickets/mine", queue_api_ticket_mine, R(ROLE_RESIDENT), 0},
    {"GET", "/api/v1/queue/tickets/{id}", queue_api_ticket_get, QUEUE_TICKETS, 0},
    {"POST", "/api/v1/queue/tickets/{id}/events", queue_api_ticket_event, QUEUE_TICKETS, 0},
    {"GET", "/api/v1/queue/clinics/{id}", queue_api_clinic_get, ROLES_ALL, 0},
    {"PUT", "/api/v1/queue/clinics/{id}/hours", queue_api_clinic_hours, QUEUE_DESK, 0},
    {"PUT", "/api/v1/queue/clinics/{id}/counters/{no}", queue_api_counter_put, QUEUE_DESK, 0},
    {"POST", "/api/v1/queue/clinics/{id}/tickets", queue_api_ticket_create, QUEUE_TICKETS, 0},
    {"POST", "/api/v1/queue/clinics/{id}/call-next", queue_api_call_next, QUEUE_DESK, 0},
    {"GET", "/api/v1/queue/clinics/{id}/queue", queue_api_queue_list, QUEUE_DESK, 0},
    {"GET", "/api/v1/queue/clinics/{id}/display", queue_api_display, ROLES_ALL, HTTP_PUBLIC},
    {"GET", "/api/v1/queue/clinics/{id}/events", queue_api_events, ROLES_ALL, HTTP_PUBLIC},
};

const int crest_nroutes = (int)(sizeof crest_routes / sizeof crest_routes[0]);
